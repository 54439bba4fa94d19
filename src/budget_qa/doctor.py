"""`budget-qa doctor`: what is available here (index, documents, dense model, Chroma, LLM)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def diagnose(index_dir: str, settings: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    idx = Path(index_dir)
    man = idx / "manifest.json"
    if man.exists():
        m = json.loads(man.read_text(encoding="utf-8"))
        out["index"] = f"{idx} built {m.get('built_at')}: {len(m.get('documents', []))} document(s), {m.get('facts')} facts, {m.get('chunks')} chunks"
        out["dense"] = m.get("dense") or "off in this index (facts + lexical retrieval)"
        if m.get("skipped"):
            out["skipped"] = "; ".join(m["skipped"])
    else:
        out["index"] = f"none at {idx} — run 'budget-qa ingest corpus/'"
    try:
        from .retrieval.dense import resolve_embedder

        emb, note = resolve_embedder(settings)
        out["embedder"] = emb.name if emb is not None else note
    except Exception as err:  # report, never crash the doctor
        out["embedder"] = f"unavailable ({err})"
    host = settings.get("chroma_host")
    out["chroma"] = f"server {host}:{settings.get('chroma_port')}" if host else f"embedded PersistentClient under {idx / 'chroma'}"
    llm = settings.get("llm", "none")
    out["llm"] = "none (extractive answers)" if llm in ("none", "", None) else f"{llm} {settings.get('llm_model')} at {settings.get('llm_base_url') or 'default URL'}"
    out["staff desk"] = "enabled" if settings.get("staff_password") else "disabled (set BUDGET_QA_STAFF_PASSWORD to enable)"
    return out
