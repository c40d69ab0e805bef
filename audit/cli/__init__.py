"""The ``citeaudit`` command (Click), and ``main``, its entry point.

Each command lives in the module of its concern (``runs``: audit, nightly, recheck, serve; ``review``;
``mirror``; ``tools``: eval and eutils-server of the checkout) and is imported only when it is run or asked
for its help, so ``citeaudit --help`` or ``citeaudit mirror status`` does not load the pipeline.  Errors a
user must fix print one line and exit non-zero (``failures``); ``--debug`` shows the traceback.
"""
from __future__ import annotations

import importlib
import sys

import click

from audit.cli.failures import EXIT_BUSY, EXIT_DEGRADED, EXIT_OK, EXIT_USER, one_line, say

__all__ = ["EXIT_BUSY", "EXIT_DEGRADED", "EXIT_OK", "EXIT_USER", "citeaudit", "main"]

# name: (module:command, what it does), in the order the help lists them.
COMMANDS = {
    "audit": ("audit.cli.runs:audit", "audit articles and write reports"),
    "nightly": ("audit.cli.runs:nightly", "run the nightly audit of the corpus once, now"),
    "recheck": ("audit.cli.runs:recheck", "re-audit one article of the corpus after a fix"),
    "serve": ("audit.cli.runs:serve", "serve the nightly and re-check deployments"),
    "review": ("audit.cli.review:review", "serve the reports to confirm or dismiss findings"),
    "mirror": ("audit.cli.mirror:mirror", "a local PubMed mirror from NLM's baseline and update files"),
    "eutils-server": ("audit.cli.tools:eutils_server", "local E-utilities server for tests and benchmarks"),
    "eval": ("audit.cli.tools:evaluate",
             "evaluate on labelled data (articles, scifact, topic, retrieval; stance, fit-stance; decisions)"),
}


class LazyCommands(click.Group):
    """The commands of ``COMMANDS``, each module imported when its command is wanted."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, what) for name, (_, what) in COMMANDS.items()])


# No command is a usage error (exit 2), as under argparse, not the help page.
@click.group(cls=LazyCommands, no_args_is_help=False, context_settings={"help_option_names": ["-h", "--help"]})
def citeaudit() -> None:
    """Audit the PubMed citations of medical articles."""


def _usage(exc: click.UsageError) -> int:
    """One line: what was wrong, and where the options are listed."""
    path = exc.ctx.command_path if exc.ctx else "citeaudit"
    where = path.partition(" ")[2]
    return say(f"{where + ': ' if where else ''}{one_line(exc.format_message()).rstrip('.')}; "
               f"see '{path} --help'", exc.exit_code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with citeaudit.make_context("citeaudit", argv) as ctx:
            return citeaudit.invoke(ctx) or EXIT_OK
    except click.exceptions.Exit as exc:         # --help
        return exc.exit_code
    except click.UsageError as exc:              # an unknown option, a missing argument: exit 2
        return _usage(exc)
    except click.ClickException as exc:
        return say(one_line(exc.format_message()), exc.exit_code)
