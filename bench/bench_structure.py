"""The product's structure, counted: ``python -m bench.bench_structure [--list]``.

Prints one line:

    import_cycles=N function_imports=N modules_over_500=N records_parses=N reports_read_back=N

* ``import_cycles``: strongly connected groups of the product's modules (audit, reports, flows)
  under every import, those inside functions too (an import moved into a function to break a
  cycle still makes one).
* ``function_imports``: import statements inside a function that import a product module (one per
  statement and module imported).  Imports of optional
  extras (the semantic model's numpy/tokenizers, playwright, the review server's, ...) are not
  counted: deferring them is what lets the core run without them; nor are the CLI's imports of the
  Prefect flows (``flows/``), which only ``--prefect`` and ``serve`` need (Prefect takes ~3 s to import).
* ``modules_over_500``: product modules of more than 500 lines.
* ``records_parses``: on a 20-article nightly over the bundled example records, how many times a
  records file was parsed, divided by the number of records files (1.0: each read once).
* ``reports_read_back``: times the same run opened a report.json it had written, to read it.

``--list`` names the cycles, the function imports and the long modules before the line.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import io
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("audit", "reports", "flows")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for top in PRODUCT:
        for p in sorted((ROOT / top).rglob("*.py")):
            rel = p.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = p
    return out


def _target(name: str, mods: dict[str, Path]) -> str | None:
    """The product module an imported name lives in (``audit.models.Finding`` -> ``audit.models``)."""
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(path: Path, mod: str, mods: dict[str, Path]):
    """(imported product module, inside a function?, line) for each import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]

    def visit(node, in_func: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for a in child.names:
                    yield a.name, in_func, child.lineno
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - (child.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                for a in child.names:
                    yield f"{base}.{a.name}" if _target(f"{base}.{a.name}", mods) else base, in_func, child.lineno
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue                                 # typing only: not an import at run time
            yield from visit(child, inner)

    for name, in_func, line in visit(tree, False):
        yield name, _target(name, mods), in_func, line


def _is_type_checking(test) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def static_counts() -> dict:
    mods = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    deferred = []
    for mod, path in mods.items():
        graph[mod]
        for name, target, in_func, line in _imports(path, mod, mods):
            if target is None or target == mod:
                continue
            # A package's __init__ importing its own submodules is not a cycle with them.
            graph[mod].add(target)
            if in_func and not (mod.startswith("audit.cli.") and target.startswith("flows.")):
                # The one-shot commands never load Prefect: the CLI imports its flows only for --prefect and serve.
                deferred.append(f"{path.relative_to(ROOT)}:{line}: {target}")
    deferred = list(dict.fromkeys(deferred))     # one per import statement and module, not per name
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in mods.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    return {"cycles": _cycles(graph), "deferred": deferred, "long": sorted(long)}


def run_counts(articles: int = 20) -> dict:
    """Records files parsed, and reports read back, on a nightly of ``articles`` articles."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    import yaml

    from audit.config import load_config
    from audit.pipeline import run_nightly
    from audit.pubmed import records

    tmp = Path(tempfile.mkdtemp(prefix="bench-structure-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        sources = sorted((ROOT / "examples" / "articles").glob("*.md"))
        for i in range(articles):
            src = sources[i % len(sources)]
            text = src.read_text(encoding="utf-8").replace("# ", f"# Part {i}: ", 1)
            (corpus / f"{src.stem}-{i:02d}.md").write_text(text, encoding="utf-8")
        rec_dir = ROOT / "examples" / "records"
        files = [f for f in rec_dir.rglob("*") if f.is_file() and records._read_source(f, 1 << 30) is not None]
        out = tmp / "out"
        cfg_path = tmp / "config.yaml"
        cfg_path.write_text(yaml.safe_dump({
            "corpus": {"paths": [str(corpus)]}, "offline_records": [str(rec_dir)],
            "output": {"reports_dir": str(out), "history_db": str(out / "history.sqlite")}}), encoding="utf-8")

        parsed = []
        real_parsers = {n: getattr(records, n) for n in ("parse_records", "parse_medline_text")}

        def counting(name):
            def parse(data, source="<bytes>", *a, **k):
                if source != "<bytes>":              # a file's contents, not one efetch answer
                    parsed.append(source)
                return real_parsers[name](data, source, *a, **k)
            return parse

        # The output folder starts empty: a report.json opened for reading under it is one this run wrote.
        read_back = []
        real_open = builtins.open
        real_io_open = io.open
        under = str(out.resolve())

        def watching_open(file, mode="r", *a, **k):
            name = os.path.realpath(str(file)) if isinstance(file, (str, os.PathLike)) else ""
            if name.startswith(under) and name.endswith("report.json") and not any(c in mode for c in "wax+"):
                read_back.append(name)
            return real_open(file, mode, *a, **k)

        for n in real_parsers:
            setattr(records, n, counting(n))
        builtins.open = io.open = watching_open
        try:
            summary = run_nightly(load_config(cfg_path), progress=False)
        finally:
            for n, f in real_parsers.items():
                setattr(records, n, f)
            builtins.open, io.open = real_open, real_io_open
        assert summary["articles"] == articles, summary
        return {"parses": len(parsed) / max(1, len(files)), "read_back": len(read_back), "files": len(files)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="name what is counted")
    ap.add_argument("--articles", type=int, default=20)
    args = ap.parse_args(argv)
    st = static_counts()
    run = run_counts(args.articles)
    if args.list:
        for c in st["cycles"]:
            print("cycle: " + " <-> ".join(c))
        for d in st["deferred"]:
            print("function import: " + d)
        for m in st["long"]:
            print("long module: " + m)
    print(f"import_cycles={len(st['cycles'])} function_imports={len(st['deferred'])} "
          f"modules_over_500={len(st['long'])} records_parses={run['parses']:.1f} "
          f"reports_read_back={run['read_back']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
