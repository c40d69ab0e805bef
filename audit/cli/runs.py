"""``audit``, ``nightly``, ``recheck`` and ``serve``: the commands that run the pipeline.

They run it in this process (``audit.pipeline``): no Prefect API server, no engine import.  With
``--prefect``, or ``PREFECT_API_URL`` set, or Dask as the task runner, or the Prefect rate limit asked
for (``entrez.prefect_rate_limit``: the flows hand in that gate), the same pipeline runs inside the
Prefect flows (``flows/``) so runs are recorded there; only then are the flows imported.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from audit.changes import fault_text
from audit.cli.failures import EXIT_DEGRADED, EXIT_INTERRUPTED, one_line_errors
from audit.cli.options import VariadicCommand, common, engine
from audit.config import load_config
from audit.errors import BadInputError
from audit.pipeline import check_nightly, check_out_dir, locate_article, run_audit, run_nightly, run_recheck
from audit.pubmed.budget import summary_line
from audit.pubmed.ratelimit import rate_limit_shared
from audit.reading.formats.refexport import read_export

PATH = click.Path(path_type=Path)


def use_prefect(prefect: bool, cfg) -> bool:
    # Dask runs through Prefect's DaskTaskRunner, so a Dask config implies the engine.
    # The Prefect rate gate is the flows' to hand in (flows.rate_gate): a run that asks for it is a flow run.
    return bool(prefect or os.environ.get("PREFECT_API_URL") or cfg.concurrency.task_runner == "dask"
                or rate_limit_shared(cfg.entrez))


def _quiet_prefect(verbose: bool) -> None:
    # The engine's per-task INFO lines drown the summary a user wants; -v brings them back.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")


def _in_engine(flow, **params) -> dict:
    """Run a Prefect flow; an API server that cannot be reached is one line, not an engine traceback."""
    try:
        return flow(**params)
    except RuntimeError as exc:
        if not ("Prefect API" in str(exc) or "Failed to reach API" in str(exc)):
            raise
        raise BadInputError("prefect", f"{str(exc).rstrip('.')}; point PREFECT_API_URL at a running "
                                       "server, or unset it and drop --prefect to run in this process") from exc


def config_path(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def _degraded(s: dict) -> int:
    if not s.get("degraded"):
        return 0
    what = ("what could not be checked keeps its previous findings, nothing is called resolved, and this "
            "run is not a baseline" if s.get("kind") != "audit" else "their findings say so")
    print(f"citeaudit: warning: degraded run: {fault_text(s.get('faults') or {})}; {what}. Re-run later.",
          file=sys.stderr)
    return EXIT_DEGRADED


def _retractions(retractions: str | None, cfg) -> None:
    """``--retractions FILE``: the Retraction Watch CSV for this run (over ``notices.retraction_watch``)."""
    if retractions:
        if not Path(retractions).is_file():
            raise BadInputError(str(retractions), "no such Retraction Watch file")
        cfg.notices.retraction_watch = str(Path(retractions).resolve())


def _requests(s: dict) -> None:
    src = s.get("source") or {}
    m = src.get("mirror")
    if isinstance(m, dict):
        print(f"PubMed mirror (through {m.get('through')}): {m.get('mirror_records', 0)} records read, "
              f"{m.get('deleted', 0)} deleted by NLM, {m.get('not_in_mirror', 0)} not held (PubMed not asked), "
              f"{m.get('newer_than_mirror', 0)} newer than it (asked of PubMed)")
    print(summary_line(src))


def _retractions_option(help: str):
    return click.option("--retractions", default=None, metavar="FILE", help=help)


@click.command(cls=VariadicCommand, variadic=("--offline-records",))
@click.argument("paths", nargs=-1, required=True, type=PATH)
@click.option("--out", type=PATH, required=True, help="folder for the reports")
@click.option("--offline-records", multiple=True, metavar="PATH",
              help="PubMed XML files or folders to resolve records from, with no network "
                   "(given with no PATH: the config's offline_records)")
@click.option("--config", default=None, help="config.yaml (default: built-in settings)")
@click.option("--references", type=PATH, default=None, metavar="EXPORT",
              help="a reference-manager export (RIS, BibTeX, CSL-JSON, EndNote XML, PubMed .nbib) "
                   "read as the articles' reference list")
@_retractions_option("the Retraction Watch CSV (as Crossref distributes it); default: notices.retraction_watch")
@common
@engine
@one_line_errors
def audit(paths: tuple[Path, ...], out: Path, offline_records: tuple[str, ...], config: str | None,
          references: Path | None, retractions: str | None, verbose: bool, prefect: bool) -> int:
    """Audit articles (PATHS: article files or folders) and write reports."""
    paths = list(paths)
    for p in paths:
        if not p.exists():
            raise BadInputError(str(p), "no such file or folder")
    check_out_dir(out, paths)
    cfg_path = config_path(config)
    cfg = load_config(cfg_path)
    _retractions(retractions, cfg)
    # Not given: no offline records; given with no PATH (spread as ''): the config's.
    offline = ([p for p in offline_records if p] or cfg.offline_records) if offline_records else None
    if references is not None:
        if not references.is_file():
            raise BadInputError(str(references), "no such reference export")
        read_export(references, cfg.reading.max_bytes)      # a bad export: one line, before the run
        cfg.reading.references = str(references.resolve())
    if use_prefect(prefect, cfg):
        if references is not None:
            raise BadInputError("--references", "not available with --prefect yet; run without it")
        _quiet_prefect(verbose)
        from flows.audit_flow import audit_run
        s = _in_engine(audit_run, paths=[str(p) for p in paths], out_dir=str(out),
                       offline_records=list(offline) if offline else None, config_path=cfg_path)
    else:
        s = run_audit(paths, out, cfg, offline, progress=verbose)
    print(f"Audited {s['articles']} article(s): {s['findings']} findings, "
          f"{s['high']} high severity, {s['errors']} unreadable.")
    print(f"Report: {s['index']}")
    _requests(s)
    return _degraded(s)


@click.command()
@click.option("--config", default="config.yaml")
@_retractions_option("the Retraction Watch CSV for this run (default: notices.retraction_watch)")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS",
              help="wait this long for another run holding the history (default: say busy at once)")
@common
@engine
@one_line_errors
def nightly(config: str, retractions: str | None, wait: float, verbose: bool, prefect: bool) -> int:
    """Run the nightly audit of the corpus once, now."""
    cfg_path = config_path(config)
    cfg = load_config(cfg_path)
    _retractions(retractions, cfg)
    if use_prefect(prefect, cfg):
        check_nightly(cfg)        # no email, a corrupt history...: one line, before the engine starts
        _quiet_prefect(verbose)
        from flows.nightly import nightly_audit
        s = _in_engine(nightly_audit, config_path=cfg_path, progress=True, lock_wait=wait)
    else:
        s = run_nightly(cfg, progress=True, lock_wait=wait)
    print(f"Nightly run {s['run_id']}: {s['articles']} article(s), {s['scored']} scored, "
          f"{s['reused']} unchanged; {s['findings']} findings ({s['high']} high).")
    print(f"Since the previous run: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Index: {s['index']}")
    _requests(s)
    return _degraded(s)


@click.command()
@click.argument("article_id")
@click.option("--config", default="config.yaml")
@click.option("--refresh-records", is_flag=True, help="fetch its records again, ignoring the cache")
@click.option("--wait", type=float, default=30.0, metavar="SECONDS",
              help="wait this long for a running nightly to finish, then say busy (default 30)")
@common
@engine
@one_line_errors
def recheck(article_id: str, config: str, refresh_records: bool, wait: float, verbose: bool, prefect: bool) -> int:
    """Re-audit one article of the corpus (ARTICLE_ID, as the reports name it) after a fix."""
    cfg_path = config_path(config)
    cfg = load_config(cfg_path)
    locate_article(article_id, cfg)     # an unknown id fails here, before any engine starts
    if use_prefect(prefect, cfg):
        _quiet_prefect(verbose)
        from flows.audit_flow import audit_article
        s = _in_engine(audit_article, article_id=article_id, config_path=cfg_path,
                       refresh_records=refresh_records, lock_wait=wait)
    else:
        s = run_recheck(cfg, article_id, refresh_records, lock_wait=wait)
    print(f"Re-checked {s['article_id']}: {s['findings']} findings ({s['high']} high); "
          f"since the last audit: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Report: {s['report']}")
    print(f"Index: {s['index']}")
    _requests(s)
    return _degraded(s)


@click.command()
@click.option("--config", default="config.yaml")
@common
@one_line_errors
def serve(config: str, verbose: bool) -> int:
    """Serve the nightly and re-check deployments (Prefect), until Ctrl-C."""
    from flows.deploy import serve_cli
    try:
        return serve_cli(config)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED        # serve said so already (flows.deploy)
