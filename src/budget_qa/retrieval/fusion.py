"""Reciprocal rank fusion of several rankings (lexical, dense, …) into one."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Fuse rankings (best first) with score(d) = Σ weight_i / (k + rank_i(d)), ranks starting at 1.

    Rank-based, so BM25 scores and cosine similarities need no calibration against each other.
    An id repeated within one ranking counts once, at its best rank. Ties keep first-seen order,
    so the result is deterministic.
    """
    if weights is not None and len(weights) != len(rankings):
        raise ValueError(f"rrf: {len(weights)} weights for {len(rankings)} rankings")
    if k < 0:
        raise ValueError("rrf: k must be >= 0")
    scores: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        w = 1.0 if weights is None else float(weights[i])
        seen: set[str] = set()
        for rank, doc_id in enumerate(ranking, 1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
    order = {doc_id: n for n, doc_id in enumerate(scores)}
    return sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
