"""``citeaudit review``: the reports served to confirm or dismiss findings, or the decisions exported."""
from __future__ import annotations

import os

import click

from audit.cli.failures import one_line_errors
from audit.cli.options import common
from audit.cli.runs import config_path
from audit.config import load_config
from audit.review import server


@click.command()
@click.option("--config", default="config.yaml")
@click.option("--host", default="127.0.0.1", help="address to bind (another than 127.0.0.1 needs --token)")
@click.option("--port", type=int, default=8770)
@click.option("--token", default=None, help="asked of every request (also CITEAUDIT_REVIEW_TOKEN)")
@click.option("--export", default=None, metavar="CSV", help="write every decision to this CSV and exit")
@common
@one_line_errors
def review(config: str, host: str, port: int, token: str | None, export: str | None, verbose: bool) -> int:
    """Serve the reports to confirm or dismiss findings."""
    cfg = load_config(config_path(config))
    if export:
        n = server.export(cfg, export)
        print(f"Exported {n} decision(s) to {export}")
        return 0
    server.serve(cfg, host, port, token or os.environ.get(server.TOKEN_ENV) or None)
    return 0
