"""User-facing errors: each message says what was wrong and what to do about it."""

from __future__ import annotations


class BudgetQAError(Exception):
    """Base class; the CLI prints ``str(err)`` and exits non-zero."""


class IngestError(BudgetQAError):
    """A file could not be ingested; names the file, the line and what was expected."""

    def __init__(self, path: str, line: int | None, problem: str, fix: str = "") -> None:
        self.path, self.line, self.problem, self.fix = path, line, problem, fix
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}" + (f" — {fix}" if fix else ""))


class NoIndexError(BudgetQAError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(f"No index at {index_dir} — run 'budget-qa ingest corpus/' first")


class NothingIngestedError(BudgetQAError):
    pass


class LookupNotFound(BudgetQAError):
    """A table, row or column named in a lookup does not exist; carries the nearest labels."""

    def __init__(self, what: str, given: str, suggestions: list[str]) -> None:
        self.what, self.given, self.suggestions = what, given, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No {what} matches '{given}'{hint} (see 'budget-qa tables')")


class QuestionError(BudgetQAError):
    """A question that cannot be asked as given (empty, too long)."""


class IngestRefusedError(BudgetQAError):
    """An ingest that would delete or overwrite what it must not; nothing was changed."""


class IndexDamagedError(BudgetQAError):
    """An index whose files are missing, truncated or not what was written; names the file and the fix."""

    def __init__(self, index_dir: str, what: str, rebuild: str = "") -> None:
        self.index_dir, self.what = index_dir, what
        self.rebuild = rebuild or f"budget-qa ingest corpus/ --index {index_dir}"
        super().__init__(f"The index at {index_dir} is damaged ({what}) — run '{self.rebuild}' to rebuild it")
