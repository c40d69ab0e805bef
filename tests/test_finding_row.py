"""One finding type from the audit to the outputs (audit/finding_row.py): the history's rows and
report.json's findings are two views of the same ``FindingRow``s, on the seed audited from real records."""
from __future__ import annotations

import pytest

from audit import finding_row as fr
from audit.audit_rows import finding_rows as history_rows
from audit.config import load_config
from audit.pipeline import audit_file
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.records import load_records
from reports.writer import article_report


@pytest.fixture(scope="module")
def seed(shared_dir, data_dir):
    source = OfflineSource(load_records([data_dir / "pubmed"]), origin="shared/data/pubmed")
    return audit_file(shared_dir / "seeds/ileal-net-answer.txt", source, load_config(None, env={}))


def test_the_history_rows_and_the_report_findings_are_one_finding_each(seed):
    told = fr.finding_rows(seed)
    assert len(told) == len(seed.findings) >= 10
    report = article_report(seed)
    aid = report["article"]["id"]
    by_identity = {r["identity"]: r for r in history_rows(seed)}
    assert len(by_identity) == len(told)                       # identities are distinct within an article
    for row, f, entry in zip(told, seed.findings, report["findings"]):
        assert (row.kind, row.severity, row.message, row.detail) == (f.kind, f.severity, f.message, f.detail)
        # The report's entry is the row in report.json's columns, with what the report adds after it.
        assert {k: entry[k] for k in fr.REPORT_FIELDS} == row.to_dict(fr.REPORT_FIELDS)
        assert set(entry) - set(fr.REPORT_FIELDS) <= {"status", "problem", "review"}
        # Read back from either file, it is the same finding (the history keeps no ``detail``).
        assert fr.FindingRow.from_dict(entry, article_id=aid) == row
        assert fr.FindingRow.from_dict(by_identity[row.identity]) == fr.FindingRow(**row.to_dict(fr.HISTORY_FIELDS))
    # The claim's text is shown with each of its findings; a finding on no claim has none.
    assert all(bool(r.claim_text) == bool(r.claim_id) for r in told)
    assert {r.severity for r in told} >= {"high", "medium"}


def test_each_output_names_its_columns_once_and_all_are_fields_of_the_row():
    names = {f for f in fr.FindingRow.__dataclass_fields__}
    assert set(fr.HISTORY_FIELDS) <= names and set(fr.REPORT_FIELDS) <= names
    assert set(fr.CHANGE_FIELDS) - names == {"status"}          # a history row with its status
    assert fr.HISTORY_FIELDS[:2] == ("article_id", "identity")  # the history table's key first
