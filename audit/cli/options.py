"""Options several commands share, and the one option shape Click lacks (zero or more values)."""
from __future__ import annotations

import click


def common(command):
    """``-v`` and ``--debug``, on every command that runs something."""
    command = click.option("--debug", is_flag=True, help="show the traceback of an error")(command)
    return click.option("-v", "--verbose", is_flag=True)(command)


def engine(command):
    return click.option("--prefect", is_flag=True,
                        help="run as a Prefect flow, recorded by the Prefect API (also when PREFECT_API_URL is set)")(command)


def spread(args: list[str], option: str) -> list[str]:
    """``OPTION A B`` as ``OPTION A OPTION B``, and a bare ``OPTION`` as ``OPTION ''``.

    A Click option takes a fixed number of values; ``--offline-records`` takes any number (argparse's
    ``nargs='*'``, as the README and scripts use it), each value up to the next option, as before.
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "--":
            return out + args[i:]
        if args[i] != option:
            out.append(args[i])
            i += 1
            continue
        i += 1
        values = []
        while i < len(args) and (args[i] == "-" or not args[i].startswith("-")):
            values.append(args[i])
            i += 1
        for value in values or [""]:
            out += [option, value]
    return out


class VariadicCommand(click.Command):
    """A command whose ``variadic`` options take zero or more values (see ``spread``)."""

    def __init__(self, *args, variadic: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.variadic = variadic

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for option in self.variadic:
            args = spread(args, option)
        return super().parse_args(ctx, args)
