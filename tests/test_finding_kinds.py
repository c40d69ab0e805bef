"""The registry of finding kinds (audit/finding_kinds.py) is the one definition of the set of kinds.

A kind that code, a test fixture, a stored history or the README uses and the registry does not
define fails here; so does a registered kind that nothing emits.
"""
from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest

from audit import finding_kinds as fk
from audit.models import Finding

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("audit", "reports", "flows")


def _py_files(*tops: str):
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def _finding_calls(path: Path):
    """(line, kind, severity) of every ``Finding("kind", "severity", ...)`` written with a literal kind; the
    severity is None where the rule set gives it (``severity_of(...)``, checked in tests/test_severity.py)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Finding":
            args = node.args[:2]
            if len(args) == 2 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                if isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
                    yield node.lineno, args[0].value, args[1].value
                elif isinstance(args[1], ast.Call) and getattr(args[1].func, "id", None) == "severity_of":
                    yield node.lineno, args[0].value, None


def test_every_finding_written_in_code_or_tests_has_a_registered_kind_and_severity():
    seen, wrong = set(), []
    for path in _py_files(*PRODUCT, "tests", "bench"):
        if path.name == Path(__file__).name:          # its refusal test writes wrong ones on purpose
            continue
        for line, kind, severity in _finding_calls(path):
            seen.add(kind)
            k = fk.KINDS.get(kind)
            if k is None or severity is not None and severity not in k.allowed():
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {kind} {severity}")
    assert not wrong, wrong
    assert len(seen) >= 15          # the scan found the findings at all


def test_every_registered_kind_is_emitted_by_the_product():
    literals = set()
    for path in _py_files(*PRODUCT):
        if path.name == "finding_kinds.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
    assert sorted(set(fk.KINDS) - literals) == []


def test_a_finding_of_an_unknown_kind_or_severity_is_refused_where_it_is_made():
    with pytest.raises(fk.UnknownKind, match="off_subject"):
        Finding("off_subject", "medium", "Reference 2 is about asthma.")
    with pytest.raises(fk.UnknownKind, match="severity 'high'"):
        Finding("missing_reference", "high", "Marker [5] has no entry.")
    assert Finding("metadata_mismatch", "low", "year one off").severity == "low"


def test_the_stored_history_of_the_previous_release_holds_only_registered_kinds():
    con = sqlite3.connect(ROOT / "tests" / "data" / "legacy" / "history.sqlite")
    try:
        kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM findings")}
    finally:
        con.close()
    assert kinds and kinds <= set(fk.KINDS), kinds - set(fk.KINDS)


def test_the_readme_findings_table_lists_the_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # A findings table row: | `kind` | severity ... |  (the settings tables give numbers there)
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (high|medium|low)", text, flags=re.M))
    assert set(rows) == set(fk.KINDS), (sorted(set(fk.KINDS) - set(rows)), sorted(set(rows) - set(fk.KINDS)))
    assert all(rows[name] == k.severity or rows[name] in k.allowed() for name, k in fk.KINDS.items())


def test_severity_order_and_what_to_do_come_from_the_registry():
    from reports import findings_view
    assert [fk.severity_rank(s) for s in ("high", "medium", "low", None, "bogus")] == [0, 1, 2, 3, 3]
    assert findings_view.REFERENCE_KINDS >= {"retracted", "withdrawn", "identifier_mismatch", "not_found"}
    assert not findings_view.REFERENCE_KINDS & {"off_topic", "contradicted", "weak_support"}
    assert all(k.todo for k in fk.KINDS.values() if k.name != "suggested_sources")
