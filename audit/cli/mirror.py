"""``citeaudit mirror load FILES...`` and ``citeaudit mirror status``: the local PubMed mirror."""
from __future__ import annotations

import time
from pathlib import Path

import click

from audit.cli.failures import one_line_errors
from audit.cli.options import common
from audit.cli.runs import config_path
from audit.config import load_config
from audit.errors import BadInputError
from audit.pubmed import mirror as pubmed_mirror
from audit.pubmed import mirror_load


def _where(command):
    """Which mirror: ``--path``, or the config's ``mirror.path``."""
    command = click.option("--path", type=click.Path(path_type=Path), default=None,
                           help="the mirror file (instead of mirror.path)")(command)
    return click.option("--config", default="config.yaml",
                        help="config.yaml whose mirror.path names the mirror")(command)


def _mirror_path(config: str, path: Path | None) -> str:
    if path:
        return str(path)
    cfg = load_config(config_path(config))
    if not cfg.mirror.path:
        raise BadInputError(config, "no mirror path: set mirror.path in the config, or give --path")
    return cfg.mirror.path


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


@click.group(no_args_is_help=False)
def mirror() -> None:
    """A local PubMed mirror from NLM's baseline and update files."""


@mirror.command(short_help="apply baseline/update files (pubmedYYnNNNN.xml.gz), each once, in NLM's order")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE...")
@_where
@common
@one_line_errors
def load(files: tuple[Path, ...], config: str, path: Path | None, verbose: bool) -> int:
    """Apply baseline/update files (pubmedYYnNNNN.xml.gz), each once, in NLM's order."""
    where = _mirror_path(config, path)

    def said(f) -> None:          # as each file commits: a later failure leaves these applied
        print(f"Applied {f.name}: {f.records} records ({f.added} new, {f.revised} revised), {f.deleted} "
              f"deleted, {f.seconds:.1f} s ({f.records / max(f.seconds, 1e-9):,.0f} records/s)", flush=True)
    res = mirror_load.load_files(where, list(files), progress=said)
    for why in res.skipped:
        print(f"Skipped {why}")
    st = pubmed_mirror.mirror_status(where)
    print(f"Mirror {st.path}: {st.records} records, {len(st.files)} files applied (the last {st.last_file}), "
          f"{_mb(st.bytes)}")
    return 0


@mirror.command(short_help="what the mirror holds and which files made it")
@_where
@common
@one_line_errors
def status(config: str, path: Path | None, verbose: bool) -> int:
    """What the mirror holds and which files made it."""
    st = pubmed_mirror.mirror_status(_mirror_path(config, path))
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
