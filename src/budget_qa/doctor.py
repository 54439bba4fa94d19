"""`budget-qa doctor`: what is available here (index, documents, dense model, Chroma, LLM)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import IndexDamagedError, NoIndexError
from .index_check import verify


def diagnose(index_dir: str, settings: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    idx = Path(index_dir)
    live = idx
    try:  # the thorough check (every file parsed, SQLite's quick_check whatever the size)
        live = verify(idx, deep=True)
    except NoIndexError:
        out["index"] = f"none at {idx} — run 'budget-qa ingest corpus/'"
    except IndexDamagedError as err:
        out["index"] = f"DAMAGED: {err}"
    else:
        m = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
        version = f" (version {live.name})" if live != idx else " (written before index versions; the next ingest converts it)"
        out["index"] = f"{idx}{version} built {m.get('built_at')}: {len(m.get('documents', []))} document(s), {m.get('facts')} facts, {m.get('chunks')} chunks; all files check out"
        out["dense"] = m.get("dense") or "off in this index (facts + lexical retrieval)"
        if m.get("skipped"):
            out["skipped"] = "; ".join(m["skipped"])
    try:
        from .retrieval.build import INFO_FILE
        from .retrieval.embedders import describe

        info_file = live / INFO_FILE
        info = json.loads(info_file.read_text(encoding="utf-8")) if "index" in out and info_file.exists() else None
        out["embedder"], out["next ingest"] = describe(settings, info)
        if out["index"].startswith("DAMAGED"):
            out["embedder"] = "unknown — the index is damaged (see index)"
    except Exception as err:  # report, never crash the doctor
        out["embedder"] = f"unavailable ({err})"
    host = settings.get("chroma_host")
    out["chroma"] = f"server {host}:{settings.get('chroma_port')}" if host else f"embedded PersistentClient under {live / 'chroma'}"
    llm = settings.get("llm", "none")
    out["llm"] = "none (extractive answers)" if llm in ("none", "", None) else f"{llm} {settings.get('llm_model')} at {settings.get('llm_base_url') or 'default URL'}"
    out["staff desk"] = "enabled" if settings.get("staff_password") else "disabled (set BUDGET_QA_STAFF_PASSWORD to enable)"
    return out
