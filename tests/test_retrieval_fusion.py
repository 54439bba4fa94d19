"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from budget_qa.retrieval.fusion import rrf


def test_rrf_scores_and_order():
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [d for d, _ in fused] == ["b", "c", "a", "d"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_weights_and_k():
    assert [d for d, _ in rrf([["a", "b"], ["b", "a"]], weights=[1.0, 0.0])] == ["a", "b"]
    assert dict(rrf([["a"]], k=0))["a"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], weights=[1.0])


def test_rrf_ties_duplicates_and_empty_input():
    assert [d for d, _ in rrf([["x"], ["y"]])] == ["x", "y"]  # equal scores: first seen wins
    assert dict(rrf([["a", "a", "b"]]))["a"] == pytest.approx(1 / 61)  # a repeat does not add up
    assert dict(rrf([["a", "a", "b"]]))["b"] == pytest.approx(1 / 63)
    assert rrf([]) == [] and rrf([[], []]) == []
