"""The ``citeaudit`` command.

``audit``, ``nightly`` and ``recheck`` run the pipeline in this process
(``audit.pipeline``): no Prefect API server, no engine import.  With
``--prefect``, or ``PREFECT_API_URL`` set, or Dask as the task runner, the
same pipeline runs inside the Prefect flows (``flows/``) so runs are
recorded there.  Errors a user must fix print one line and exit non-zero;
``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
import time
from pathlib import Path

from audit.changes import fault_text
from audit.config import load_config
from audit.errors import BadInputError
from audit.locks import BusyError
from audit.pipeline import check_nightly, check_out_dir, locate_article, run_audit, run_nightly, run_recheck
from audit.printable import printable
from audit.pubmed import mirror, mirror_load
from audit.pubmed.budget import summary_line
from audit.reading.formats.refexport import read_export
from audit.review import server

EXIT_USER = 2        # bad input, config, paths
EXIT_DEGRADED = 3    # the run finished, but NCBI could not be asked about some references
EXIT_BUSY = 75       # EX_TEMPFAIL: another run holds the history; try again later


def _use_prefect(args: argparse.Namespace, cfg) -> bool:
    # Dask runs through Prefect's DaskTaskRunner, so a Dask config implies the engine.
    return bool(args.prefect or os.environ.get("PREFECT_API_URL") or cfg.concurrency.task_runner == "dask")


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


def _config_path(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def _degraded(s: dict) -> int:
    if not s.get("degraded"):
        return 0
    what = ("what could not be checked keeps its previous findings, nothing is called resolved, and this "
            "run is not a baseline" if s.get("kind") != "audit" else "their findings say so")
    print(f"citeaudit: warning: degraded run: {fault_text(s.get('faults') or {})}; {what}. Re-run later.",
          file=sys.stderr)
    return EXIT_DEGRADED


def cmd_audit(args: argparse.Namespace) -> int:

    for p in args.paths:
        if not Path(p).exists():
            raise BadInputError(str(p), "no such file or folder")
    check_out_dir(args.out, args.paths)
    cfg_path = _config_path(args.config)
    cfg = load_config(cfg_path)
    _retractions(args, cfg)
    offline = (args.offline_records or cfg.offline_records) if args.offline_records is not None else None
    if args.references is not None:
        if not args.references.is_file():
            raise BadInputError(str(args.references), "no such reference export")
        read_export(args.references, cfg.reading.max_bytes)      # a bad export: one line, before the run
        cfg.reading.references = str(args.references.resolve())
    if _use_prefect(args, cfg):
        if args.references is not None:
            raise BadInputError("--references", "not available with --prefect yet; run without it")
        _quiet_prefect(args.verbose)
        from flows.audit_flow import audit_run
        s = _in_engine(audit_run, paths=[str(p) for p in args.paths], out_dir=str(args.out),
                       offline_records=list(offline) if offline else None, config_path=cfg_path)
    else:
        s = run_audit(args.paths, args.out, cfg, offline, progress=args.verbose)
    print(f"Audited {s['articles']} article(s): {s['findings']} findings, "
          f"{s['high']} high severity, {s['errors']} unreadable.")
    print(f"Report: {s['index']}")
    _requests(s)
    return _degraded(s)


def _retractions(args: argparse.Namespace, cfg) -> None:
    """``--retractions FILE``: the Retraction Watch CSV for this run (over ``notices.retraction_watch``)."""
    if getattr(args, "retractions", None):
        if not Path(args.retractions).is_file():
            raise BadInputError(str(args.retractions), "no such Retraction Watch file")
        cfg.notices.retraction_watch = str(Path(args.retractions).resolve())


def _requests(s: dict) -> None:
    src = s.get("source") or {}
    m = src.get("mirror")
    if isinstance(m, dict):
        print(f"PubMed mirror (through {m.get('through')}): {m.get('mirror_records', 0)} records read, "
              f"{m.get('deleted', 0)} deleted by NLM, {m.get('not_in_mirror', 0)} not held (PubMed not asked), "
              f"{m.get('newer_than_mirror', 0)} newer than it (asked of PubMed)")
    print(summary_line(src))


def cmd_nightly(args: argparse.Namespace) -> int:

    cfg_path = _config_path(args.config)
    cfg = load_config(cfg_path)
    _retractions(args, cfg)
    if _use_prefect(args, cfg):
        check_nightly(cfg)        # no email, a corrupt history...: one line, before the engine starts
        _quiet_prefect(args.verbose)
        from flows.nightly import nightly_audit
        s = _in_engine(nightly_audit, config_path=cfg_path, progress=True, lock_wait=args.wait)
    else:
        s = run_nightly(cfg, progress=True, lock_wait=args.wait)
    print(f"Nightly run {s['run_id']}: {s['articles']} article(s), {s['scored']} scored, "
          f"{s['reused']} unchanged; {s['findings']} findings ({s['high']} high).")
    print(f"Since the previous run: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Index: {s['index']}")
    _requests(s)
    return _degraded(s)


def cmd_recheck(args: argparse.Namespace) -> int:

    cfg_path = _config_path(args.config)
    cfg = load_config(cfg_path)
    locate_article(args.article_id, cfg)     # an unknown id fails here, before any engine starts
    if _use_prefect(args, cfg):
        _quiet_prefect(args.verbose)
        from flows.audit_flow import audit_article
        s = _in_engine(audit_article, article_id=args.article_id, config_path=cfg_path,
                       refresh_records=args.refresh_records, lock_wait=args.wait)
    else:
        s = run_recheck(cfg, args.article_id, args.refresh_records, lock_wait=args.wait)
    print(f"Re-checked {s['article_id']}: {s['findings']} findings ({s['high']} high); "
          f"since the last audit: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Report: {s['report']}")
    print(f"Index: {s['index']}")
    _requests(s)
    return _degraded(s)


def cmd_review(args: argparse.Namespace) -> int:

    cfg = load_config(_config_path(args.config))
    if args.export:
        n = server.export(cfg, args.export)
        print(f"Exported {n} decision(s) to {args.export}")
        return 0
    server.serve(cfg, args.host, args.port, args.token or os.environ.get(server.TOKEN_ENV) or None)
    return 0


def _mirror_path(args: argparse.Namespace) -> str:
    if args.path:
        return str(args.path)
    cfg = load_config(_config_path(args.config))
    if not cfg.mirror.path:
        raise BadInputError(args.config, "no mirror path: set mirror.path in the config, or give --path")
    return cfg.mirror.path


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def cmd_mirror(args: argparse.Namespace) -> int:
    """``mirror load FILES...`` and ``mirror status``."""
    path = _mirror_path(args)
    if args.mirror_command == "load":
        def said(f) -> None:          # as each file commits: a later failure leaves these applied
            print(f"Applied {f.name}: {f.records} records ({f.added} new, {f.revised} revised), {f.deleted} "
                  f"deleted, {f.seconds:.1f} s ({f.records / max(f.seconds, 1e-9):,.0f} records/s)", flush=True)
        res = mirror_load.load_files(path, args.files, progress=said)
        for why in res.skipped:
            print(f"Skipped {why}")
        st = mirror.mirror_status(path)
        print(f"Mirror {st.path}: {st.records} records, {len(st.files)} files applied (the last {st.last_file}), "
              f"{_mb(st.bytes)}")
        return 0
    st = mirror.mirror_status(path)
    span = f"PMIDs {st.min_pmid} to {st.max_pmid}" if st.records else "empty"
    print(f"PubMed mirror {st.path}: {st.records} records ({span}), {st.deleted} deleted PMIDs remembered, "
          f"{_mb(st.bytes)}")
    print(f"{len(st.files)} file(s) applied" + (f", the last {st.last_file}:" if st.files else ""))
    for f in st.files:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(f.applied_at))
        print(f"  {f.seq:>5}  {f.name}  {f.size:,} bytes  sha256 {f.sha256[:16]}  {f.records} records "
              f"({f.added} new, {f.revised} revised), {f.deleted} deleted  {when}  {f.seconds:.1f} s")
    if st.stale_fields:
        print(f"Records of older files lack the fields {', '.join(st.stale_fields)} (written by an older "
              "citeaudit): load the files again into a new mirror file to have them")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deploy import serve_cli
    return serve_cli(args)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true")
    common.add_argument("--debug", action="store_true", help="show the traceback of an error")
    engine = argparse.ArgumentParser(add_help=False)
    engine.add_argument("--prefect", action="store_true",
                        help="run as a Prefect flow, recorded by the Prefect API (also when PREFECT_API_URL is set)")

    p = argparse.ArgumentParser(prog="citeaudit", description="Audit the PubMed citations of medical articles.")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("audit", parents=[common, engine], help="audit articles and write reports")
    a.add_argument("paths", nargs="+", type=Path, help="article files or folders")
    a.add_argument("--out", type=Path, required=True, help="folder for the reports")
    a.add_argument("--offline-records", nargs="*", default=None, metavar="PATH",
                   help="PubMed XML files or folders to resolve records from, with no network "
                        "(given with no PATH: the config's offline_records)")
    a.add_argument("--config", default=None, help="config.yaml (default: built-in settings)")
    a.add_argument("--references", type=Path, default=None, metavar="EXPORT",
                   help="a reference-manager export (RIS, BibTeX, CSL-JSON, EndNote XML, PubMed .nbib) "
                        "read as the articles' reference list")
    a.add_argument("--retractions", default=None, metavar="FILE",
                   help="the Retraction Watch CSV (as Crossref distributes it); default: notices.retraction_watch")
    a.set_defaults(func=cmd_audit)

    n = sub.add_parser("nightly", parents=[common, engine], help="run the nightly audit of the corpus once, now")
    n.add_argument("--config", default="config.yaml")
    n.add_argument("--retractions", default=None, metavar="FILE",
                   help="the Retraction Watch CSV for this run (default: notices.retraction_watch)")
    n.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another run holding the history (default: say busy at once)")
    n.set_defaults(func=cmd_nightly)

    r = sub.add_parser("recheck", parents=[common, engine], help="re-audit one article of the corpus after a fix")
    r.add_argument("article_id")
    r.add_argument("--config", default="config.yaml")
    r.add_argument("--refresh-records", action="store_true", help="fetch its records again, ignoring the cache")
    r.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                   help="wait this long for a running nightly to finish, then say busy (default 30)")
    r.set_defaults(func=cmd_recheck)

    s = sub.add_parser("serve", parents=[common], help="serve the nightly and re-check deployments")
    s.add_argument("--config", default="config.yaml")
    s.set_defaults(func=cmd_serve)

    v = sub.add_parser("review", parents=[common], help="serve the reports to confirm or dismiss findings")
    v.add_argument("--config", default="config.yaml")
    v.add_argument("--host", default="127.0.0.1", help="address to bind (another than 127.0.0.1 needs --token)")
    v.add_argument("--port", type=int, default=8770)
    v.add_argument("--token", default=None, help="asked of every request (also CITEAUDIT_REVIEW_TOKEN)")
    v.add_argument("--export", default=None, metavar="CSV", help="write every decision to this CSV and exit")
    v.set_defaults(func=cmd_review)

    m = sub.add_parser("mirror", help="a local PubMed mirror from NLM's baseline and update files")
    msub = m.add_subparsers(dest="mirror_command", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--config", default="config.yaml", help="config.yaml whose mirror.path names the mirror")
    where.add_argument("--path", type=Path, default=None, help="the mirror file (instead of mirror.path)")
    ml = msub.add_parser("load", parents=[common, where],
                         help="apply baseline/update files (pubmedYYnNNNN.xml.gz), each once, in NLM's order")
    ml.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ml.set_defaults(func=cmd_mirror)
    ms = msub.add_parser("status", parents=[common, where], help="what the mirror holds and which files made it")
    ms.set_defaults(func=cmd_mirror)

    # Subcommands owning their own options.
    sub.add_parser("eutils-server", help="local E-utilities server for tests and benchmarks", add_help=False)
    sub.add_parser("eval", help="evaluate on labelled data (articles, scifact, topic, retrieval; stance, fit-stance; decisions)", add_help=False)
    return p


def _one_line(exc: BaseException) -> str:
    return printable(" ".join(str(exc).split())) or type(exc).__name__


def _checkout_tool(module: str):
    """None, or ``main`` of an evaluation or test tool (bench.evaluation.*, devtools.*): they live in the source
    checkout beside the package, not in the wheel, so an installed citeaudit finds them only there."""
    root = Path(__file__).resolve().parents[1]
    try:
        return importlib.import_module(module).main
    except ModuleNotFoundError as exc:
        if exc.name not in (module.split(".")[0], module.rsplit(".", 1)[0], module):
            raise
        if (root / module.split(".")[0]).is_dir() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
            return importlib.import_module(module).main
        return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Tools of the checkout that own their options (they are not in the wheel).
    if argv[:1] == ["eutils-server"]:
        tool, rest = "devtools.eutils_server", argv[1:]
    elif argv[:1] == ["eval"] and argv[1:2] and argv[1] in ("stance", "fit-stance"):
        tool, rest = "bench.evaluation.stance_eval", argv[1:]
    elif argv[:2] == ["eval", "decisions"]:
        tool, rest = "bench.evaluation.decisions", argv[2:]
    elif argv[:1] == ["eval"]:
        tool, rest = "bench.evaluation.evaluate", argv[1:]
    else:
        tool = rest = None
    if tool is not None:
        run = _checkout_tool(tool)
        if run is None:
            print(f"citeaudit: {argv[0]} runs from a source checkout of citeaudit ({tool} is in its "
                  f"{tool.split('.')[0]}/ folder, not in the installed package)", file=sys.stderr)
            return EXIT_USER
        try:
            return run(rest) or 0
        except BadInputError as exc:
            print(f"citeaudit: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USER
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BusyError as exc:
        if args.debug:
            raise
        print(f"citeaudit: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BUSY
    except BadInputError as exc:
        if args.debug:
            raise
        print(f"citeaudit: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER
    except OSError as exc:
        # A folder we may not write, a disk full: the user's to fix, with the path the OS names.
        if args.debug:
            raise
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"citeaudit: {where}{exc.strerror or _one_line(exc)}", file=sys.stderr)
        return EXIT_USER
    except sqlite3.Error as exc:
        # The history or a cache could not be written (a full disk): SQLite kept the file consistent.
        if args.debug:
            raise
        print(f"citeaudit: a history or cache database could not be written: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        if args.command != "serve":         # serve said so already (flows.deploy)
            print("citeaudit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
