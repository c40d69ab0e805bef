"""The ``citeaudit`` command."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from audit.errors import BadInputError


def _quiet_prefect(verbose: bool) -> None:
    # The engine's per-task INFO lines drown the summary a user wants; -v brings them back.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def cmd_audit(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    for p in args.paths:
        if not Path(p).exists():
            print(f"citeaudit: {p}: no such file or folder", file=sys.stderr)
            return 2
    from audit.config import load_config
    cfg = load_config(args.config)  # fail fast on a bad config, before the engine starts
    offline = args.offline_records or cfg.offline_records if args.offline_records is not None else None
    from flows.audit_flow import audit_run
    totals = audit_run(paths=[str(p) for p in args.paths], out_dir=str(args.out),
                       offline_records=offline, config_path=args.config)
    print(f"Audited {totals['articles']} article(s): {totals['findings']} findings, "
          f"{totals['high']} high severity, {totals['errors']} unreadable.")
    print(f"Report: {totals['index']}")
    return 0


def cmd_nightly(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    from flows.nightly import run_nightly_cli
    return run_nightly_cli(args)


def cmd_recheck(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    from flows.nightly import run_recheck_cli
    return run_recheck_cli(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deploy import serve_cli
    return serve_cli(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citeaudit", description="Audit the PubMed citations of medical articles.")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("audit", help="audit articles and write reports")
    a.add_argument("paths", nargs="+", type=Path, help="article files or folders")
    a.add_argument("--out", type=Path, required=True, help="folder for the reports")
    a.add_argument("--offline-records", nargs="*", default=None, metavar="PATH",
                   help="PubMed XML files or folders to resolve records from, with no network "
                        "(given with no PATH: the config's offline_records)")
    a.add_argument("--config", default=None, help="config.yaml (default: built-in settings)")
    a.add_argument("-v", "--verbose", action="store_true")
    a.set_defaults(func=cmd_audit)

    n = sub.add_parser("nightly", help="run the nightly audit of the corpus once, now")
    n.add_argument("--config", default="config.yaml")
    n.add_argument("-v", "--verbose", action="store_true")
    n.set_defaults(func=cmd_nightly)

    r = sub.add_parser("recheck", help="re-audit one article of the corpus after a fix")
    r.add_argument("article_id")
    r.add_argument("--config", default="config.yaml")
    r.add_argument("--refresh-records", action="store_true", help="fetch its records again, ignoring the cache")
    r.add_argument("-v", "--verbose", action="store_true")
    r.set_defaults(func=cmd_recheck)

    s = sub.add_parser("serve", help="serve the nightly and re-check deployments")
    s.add_argument("--config", default="config.yaml")
    s.set_defaults(func=cmd_serve)

    # Subcommands owning their own options.
    sub.add_parser("eutils-server", help="local E-utilities server for tests and benchmarks", add_help=False)
    sub.add_parser("eval", help="evaluate the scorer on a public benchmark (scifact; stance, fit-stance)", add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "eutils-server":
        from audit.devtools.eutils_server import main as server_main
        return server_main(argv[1:]) or 0
    if argv[:1] == ["eval"] and argv[1:2] and argv[1] in ("stance", "fit-stance"):
        from audit.evaluation.stance_eval import main as stance_main
        return stance_main(argv[1:]) or 0
    if argv and argv[0] == "eval":
        from audit.evaluation.evaluate import main as eval_main
        return eval_main(argv[1:]) or 0
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BadInputError as exc:
        print(f"citeaudit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
