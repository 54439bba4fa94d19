"""`budget-qa models pull`: download a sentence-transformers model from the Hugging Face hub, with a
progress bar, into the hub cache where the 'auto' embedder finds it. When the hub cannot be reached it
says so within the timeout (DNS included), never hangs, and names what to do instead."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BudgetQAError
from .retrieval.embedders import local_model_path

DEFAULT_TIMEOUT = 10.0
# what a sentence-transformers model needs (not the ONNX / OpenVINO / PyTorch-pickle copies many repos add)
ST_FILES = ["modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model",
            "vocab.txt", "merges.txt", "vocab.json", "*.safetensors", "1_Pooling/*", "2_Dense/*", "2_Normalize/*"]
_TRUE = ("1", "on", "true", "yes")


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _elsewhere(name: str) -> str:
    return (f"on a machine that can reach it run 'budget-qa models pull {name}', copy the model folder here and set "
            "BUDGET_QA_EMBEDDING_MODEL=/path/to/it; until then answers use facts + lexical retrieval")


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()`` on a daemon thread, waited for at most ``seconds`` (name resolution has no timeout of its own)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["out"] = work()
        except BaseException as err:  # handed to the caller
            box["err"] = err
        finally:
            done.set()

    threading.Thread(target=run, name="budget-qa-hub", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError
    if "err" in box:
        raise box["err"]
    return box["out"]


def probe(name: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Ask the hub about the model; raise BudgetQAError saying why not when it does not answer in time."""
    import httpx

    url = f"{endpoint()}/api/models/{name}"
    headers = {"Authorization": f"Bearer {os.environ['HF_TOKEN']}"} if os.environ.get("HF_TOKEN") else {}
    try:
        r = _within(timeout + 1, lambda: httpx.get(url, timeout=timeout, headers=headers, follow_redirects=True))
    except (TimeoutError, httpx.TimeoutException) as err:
        raise BudgetQAError(f"The model hub at {endpoint()} did not answer within {timeout:g} s — "
                            f"{_elsewhere(name)}") from err
    except (httpx.HTTPError, OSError) as err:
        raise BudgetQAError(f"Cannot reach the model hub at {endpoint()} ({_reason(err)}) — {_elsewhere(name)}") from err
    if r.status_code in (401, 404):
        raise BudgetQAError(f"No model '{name}' on {endpoint()} (HTTP {r.status_code}) — check the name, e.g. "
                            "intfloat/multilingual-e5-small (a private model needs HF_TOKEN)")
    if r.status_code >= 400:
        raise BudgetQAError(f"The model hub at {endpoint()} answered HTTP {r.status_code} — try again later, or "
                            f"{_elsewhere(name)}")


def _reason(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    for marker, plain in (("Name or service not known", "the name does not resolve"),
                          ("Temporary failure in name resolution", "the name does not resolve"),
                          ("nodename nor servname", "the name does not resolve"),
                          ("Connection refused", "connection refused"), ("Network is unreachable", "no network")):
        if marker in text:
            return plain
    return text[:120]


def pull(name: str, timeout: float = DEFAULT_TIMEOUT, cache_dir: str | None = None, progress: bool = True,
         say: Callable[[str], None] = print) -> Path:
    """Download ``name`` (a hub id such as intfloat/multilingual-e5-small) unless it is on disk; its folder."""
    here = local_model_path(name)
    if here and cache_dir is None:
        say(f"{name} is already on disk at {here}")
        return Path(here)
    if Path(name).expanduser().is_absolute() or name.startswith("."):
        raise BudgetQAError(f"{name} is a path, not a model hub name (e.g. intfloat/multilingual-e5-small) — "
                            "give the name to download")
    if any(os.environ.get(v, "").lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        raise BudgetQAError("HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set, so nothing can be downloaded — "
                            "unset it to pull a model")
    say(f"checking {endpoint()} for {name} …")
    probe(name, timeout)
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(max(1, int(timeout))))
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(max(1, int(timeout))))
    if progress:
        os.environ.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    try:
        from huggingface_hub import snapshot_download
    except ImportError as err:
        raise BudgetQAError("models pull needs huggingface-hub — pip install huggingface-hub") from err
    try:
        path = Path(snapshot_download(name, allow_patterns=ST_FILES, cache_dir=cache_dir, etag_timeout=timeout))
    except Exception as err:  # network drop, disk full, a gated model
        raise BudgetQAError(f"Download of {name} failed ({type(err).__name__}: {str(err)[:160]}) — run "
                            "'budget-qa models pull' again: finished files are kept") from err
    if not ((path / "modules.json").exists() or (path / "config.json").exists()):
        raise BudgetQAError(f"{name} was downloaded to {path} but has no modules.json or config.json — it is not "
                            "a sentence-transformers model")
    if importlib.util.find_spec("sentence_transformers") is None:
        say("sentence-transformers is not installed: pip install -e '.[dense]' (CPU torch first) to embed with it")
    return path
