"""Shared fixtures: the real corpus, a second disclosure built in code, and built indexes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# embeddings cached by the tests stay out of the user's cache folder
os.environ.setdefault("BUDGET_QA_EMBEDDING_CACHE", os.path.join(tempfile.mkdtemp(prefix="budget-qa-test-cache-")))

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CORPUS_FILE = CORPUS / "urumqi-investment-promotion-bureau-2024-budget.txt"


@pytest.fixture(scope="session")
def corpus_doc():
    from budget_qa.ingest.parser import parse_file

    return parse_file(CORPUS_FILE)


@pytest.fixture(scope="session")
def fact_index(tmp_path_factory):
    """An index of the real corpus with facts only (no retrieval), shared by the lookup tests."""
    from budget_qa.index import build_index

    d = tmp_path_factory.mktemp("facts") / "index"
    build_index([CORPUS], d, with_retrieval=False)
    return d


@pytest.fixture(scope="session")
def store(fact_index):
    from budget_qa.facts import FactStore
    from budget_qa.index import live_path

    s = FactStore(live_path(fact_index) / "facts.sqlite")
    yield s
    s.close()


@pytest.fixture(scope="session")
def qa_index(tmp_path_factory):
    """The real corpus indexed with facts and lexical retrieval (no dense model), shared by tests."""
    from budget_qa.index import build_index

    d = tmp_path_factory.mktemp("qa") / "index"
    build_index([CORPUS], d, settings={"embedder": "none"})
    return d


@pytest.fixture(scope="session")
def qa(qa_index):
    from budget_qa.core import BudgetQA

    return BudgetQA.open(qa_index, {"embedder": "none"})
