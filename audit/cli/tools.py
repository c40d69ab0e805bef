"""``citeaudit eval`` and ``citeaudit eutils-server``: tools of the source checkout, not of the package.

They live beside the package (``bench/evaluation/``, ``devtools/``), not in the wheel, so an installed
citeaudit finds them only in a checkout.  Each parses its own options (argparse, as run on its own with
``python -m``): these commands hand them every argument after their name, ``--help`` included.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from audit.cli.failures import EXIT_USER, one_line, say
from audit.errors import BadInputError

ROOT = Path(__file__).resolve().parents[2]
# Click passes the arguments through untouched: the tool, not Click, says what is unknown.
PASS_THROUGH = {"ignore_unknown_options": True, "allow_interspersed_args": False, "help_option_names": []}


def _checkout_tool(module: str):
    """None, or ``main`` of an evaluation or test tool (bench.evaluation.*, devtools.*)."""
    try:
        return importlib.import_module(module).main
    except ModuleNotFoundError as exc:
        if exc.name not in (module.split(".")[0], module.rsplit(".", 1)[0], module):
            raise
        if (ROOT / module.split(".")[0]).is_dir() and str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
            return importlib.import_module(module).main
        return None


def _run_tool(name: str, module: str, argv: list[str]) -> int:
    run = _checkout_tool(module)
    if run is None:
        return say(f"{name} runs from a source checkout of citeaudit ({module} is in its "
                   f"{module.split('.')[0]}/ folder, not in the installed package)", EXIT_USER)
    try:
        return run(argv) or 0
    except BadInputError as exc:
        return say(one_line(exc), EXIT_USER)


@click.command(name="eutils-server", context_settings=PASS_THROUGH, add_help_option=False)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def eutils_server(argv: tuple[str, ...]) -> int:
    """Local E-utilities server for tests and benchmarks (devtools/eutils_server.py)."""
    return _run_tool("eutils-server", "devtools.eutils_server", list(argv))


@click.command(name="eval", context_settings=PASS_THROUGH, add_help_option=False)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def evaluate(argv: tuple[str, ...]) -> int:
    """Evaluate on labelled data (bench/evaluation/): articles, scifact, topic, retrieval (evaluate.py);
    stance, fit-stance (stance_eval.py); decisions (decisions.py)."""
    argv = list(argv)
    if argv[:1] in (["stance"], ["fit-stance"]):
        return _run_tool("eval", "bench.evaluation.stance_eval", argv)
    if argv[:1] == ["decisions"]:
        return _run_tool("eval", "bench.evaluation.decisions", argv[1:])
    return _run_tool("eval", "bench.evaluation.evaluate", argv)
