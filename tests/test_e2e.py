"""End to end on real data: articles in, findings and reports out (offline records)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from audit.config import load_config
from audit.pubmed.fetch import OfflineSource
from audit.pipeline import audit_file, audit_paths
from audit.pubmed.records import load_records


@pytest.fixture(scope="module")
def shared_source(data_dir):
    return OfflineSource(load_records([data_dir / "pubmed"]), origin="shared/data/pubmed")


@pytest.fixture(scope="module")
def cfg():
    return load_config(None, env={})


def _kinds(audit, claim_id=None, ref=None):
    return {f.kind for f in audit.findings
            if (claim_id is None or f.claim_id == claim_id) and (ref is None or f.reference_id == ref)}


def _claim_for(audit, label):
    claims = [c for c in audit.article.claims if label in c.citations]
    assert len(claims) == 1, (label, [c.text for c in claims])
    return claims[0]


def test_seed_ileal_net_answer(shared_dir, shared_source, cfg):
    audit = audit_file(shared_dir / "seeds/ileal-net-answer.txt", shared_source, cfg)
    assert audit.error is None
    assert "ileal" in audit.article.subject.lower() or "ileum" in audit.article.subject.lower()
    chrome = ["Review Status", "Under Review", "Last updated", "Personalize", "tailor your experience",
              "Which best describes you", "Disclaimer", "follow-up question", "Medical A.I.",
              "assumes no liability", "Educational purpose"]
    for c in audit.article.claims:
        assert not any(p.lower() in c.text.lower() for p in chrome), c.text
    drifting = {d.claim_id for d in audit.drifts if d.drifts}
    for label in "2345":
        claim = _claim_for(audit, label)
        assert claim.id in drifting, (label, claim.text)
        kinds = _kinds(audit, claim.id)
        assert "off_topic" in kinds and "missing_reference" in kinds, (label, kinds)
    first = _claim_for(audit, "1")
    assert "60-80%" in first.text
    assert first.id not in drifting
    assert "off_topic" not in _kinds(audit, first.id)
    assert "missing_reference" in _kinds(audit, first.id)
    missing = [f for f in audit.findings if f.kind == "missing_reference"]
    assert sorted(f.reference_id for f in missing) == ["1", "2", "3", "4", "5"]
    assert all(r.status == "unresolved" and not r.in_list for r in audit.article.references)


LUNG_ARTICLE = """# Targeted treatment of advanced non-small-cell lung cancer

Targeted therapies have changed the treatment of advanced non-small-cell lung cancer (NSCLC).
Crizotinib improved overall survival in patients with ALK-positive advanced NSCLC [1].
Entinostat combined with erlotinib was tested in a randomised phase II trial of previously treated advanced NSCLC [2].
Pemetrexed was studied in patients with bronchioloalveolar carcinoma subtypes of advanced lung adenocarcinoma [3].
Inhibiting MERTK with a small molecule is efficacious in non-small cell lung cancer models regardless of driver oncogene [4].
MEK inhibition with TAK-733 is active against advanced lung cancer [5].
BRCA1 and BRCA2 expression is altered in lung cancer [6].
Short leucocyte telomeres predict the risk of lung cancer [7].
Lung cancer commonly presents with inflammatory fibroid polyps [8].

## References

1. PMID: 21933749
2. PMID: 22508830
3. PMID: 23415808
4. PMID: 26162689
5. PMID: 26439693
6. PMID: 10972993
7. PMID: 27797938
8. PMID: 10854512
"""


def test_article_citing_real_records_on_and_off_its_subject(tmp_path, shared_source, cfg):
    path = tmp_path / "lung.md"
    path.write_text(LUNG_ARTICLE)
    audit = audit_file(path, shared_source, cfg)
    verdict = {p.reference_id: p.verdict for p in audit.pairs}
    assert len(audit.pairs) == 8
    # On the subject: relevant, including 26162689, an in-process citation with no MeSH headings.
    assert not audit.records["26162689"].mesh
    for ref in "1234":
        assert verdict[ref] == "relevant", (ref, [p.explanation for p in audit.pairs if p.reference_id == ref])
        assert "off_topic" not in _kinds(audit, ref=ref)
    # Colorectal (no MeSH either), ovarian/breast/prostate, pancreatic, duodenal: off the subject.
    assert not audit.records["26439693"].mesh
    for ref in "678":
        assert verdict[ref] == "off_topic", (ref, [p.explanation for p in audit.pairs if p.reference_id == ref])
        assert "off_topic" in _kinds(audit, ref=ref)
    # The same drug (TAK-733) in colorectal cancer, a record without MeSH whose words match the claim:
    # a medium "check" naming both sites, not a confident verdict.
    five = next(p for p in audit.pairs if p.reference_id == "5")
    assert five.verdict == "weak" and five.explanation.startswith("check: "), five.explanation
    assert "Colorectal Neoplasms" in five.explanation and "Lung" in five.explanation
    assert [f.severity for f in audit.findings if f.kind == "off_topic" and f.reference_id == "5"] == ["medium"]
    explanation = next(p.explanation for p in audit.pairs if p.reference_id == "6")
    assert "Ovarian" in explanation or "ovar" in explanation.lower()
    assert all(0.0 <= p.relevance <= 1.0 for p in audit.pairs)


def test_offline_missing_pmid_is_unresolved_not_not_found(tmp_path, shared_source, cfg):
    path = tmp_path / "a.md"
    path.write_text("# Lung cancer\n\nCrizotinib helps ALK-positive lung cancer [1]. Another claim [2].\n\n"
                    "## References\n\n1. PMID: 21933749\n2. PMID: 39999998\n")
    audit = audit_file(path, shared_source, cfg)
    refs = {r.id: r for r in audit.article.references}
    assert refs["1"].status == "resolved"
    assert refs["2"].status == "unresolved" and "may exist in PubMed" in refs["2"].reason
    assert "not_found" not in _kinds(audit)
    assert "unresolved_reference" in _kinds(audit, ref="2")


def test_retracted_and_metadata_mismatch(tmp_path, shared_source, cfg):
    path = tmp_path / "b.md"
    path.write_text("# Fetal growth and adult disease\n\n"
                    "Reduced fetal growth is followed by more cardiovascular disease in adult life [1].\n"
                    "Crizotinib improved survival in ALK-positive lung cancer [2].\n\n"
                    "## References\n\n"
                    "1. Effect of fetal and neonatal growth on the occurrence of some diseases in adults. "
                    "Ginekol Pol. 1996. PMID: 8655018\n"
                    "2. Effect of crizotinib on overall survival in patients with advanced non-small-cell lung "
                    "cancer harbouring ALK gene rearrangement. N Engl J Med. 2009. PMID: 21933749\n")
    audit = audit_file(path, shared_source, cfg)
    assert "retracted" in _kinds(audit, ref="1")
    retracted = next(f for f in audit.findings if f.kind == "retracted")
    assert retracted.severity == "high" and "9867474" in retracted.message
    mismatch = [f for f in audit.findings if f.kind == "metadata_mismatch" and f.reference_id == "2"]
    messages = " ".join(f.message for f in mismatch)
    assert "2009" in messages and "2011" in messages and "Lancet" in messages
    assert "metadata_mismatch" not in _kinds(audit, ref="1")


def test_run_goes_on_past_bad_input_and_reports_each(tmp_path, root_dir, shared_source, cfg):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(root_dir / "examples/articles/nsclc-targeted-therapy.md", corpus)
    (corpus / "empty.md").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    (corpus / "broken.xml").write_text("<article>\n<front>\n<article-meta>\n</front>\n")
    (corpus / "plain.md").write_text("# A note\n\nThis article states things without citing anything.\n")
    audits = {a.article.id: a for a in audit_paths([corpus], shared_source, cfg)}
    assert set(audits) == {"nsclc-targeted-therapy", "empty", "binary", "broken", "plain"}
    assert "empty.md" in audits["empty"].error
    assert "binary.txt" in audits["binary"].error
    assert "broken.xml:4" in audits["broken"].error
    assert audits["plain"].error is None and _kinds(audits["plain"]) == {"no_citations"}
    good = audits["nsclc-targeted-therapy"]
    assert good.error is None and good.pairs


def test_cli_on_the_bundled_examples(tmp_path, root_dir):
    """The README's run command, in-process (no Prefect API server)."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "audit.cli", "audit", str(root_dir / "examples/articles"),
         "--out", str(out), "--offline-records", str(root_dir / "examples/records")],
        capture_output=True, text=True, timeout=300, cwd=root_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "index.html").is_file()
    ids = sorted(p.name for p in (out / "articles").iterdir() if p.is_dir())
    assert ids == ["colorectal-cancer-genetics", "nsclc-targeted-therapy"]
    report = json.loads((out / "articles/nsclc-targeted-therapy/report.json").read_text())
    for key in ("article", "claims", "references", "pairs", "findings", "summary"):
        assert key in report
    assert set(report["article"]) >= {"id", "title", "subject", "sha256"}
    statuses = {r["id"]: r["status"] for r in report["references"]}
    assert statuses["9"] == "unresolved" and statuses["1"] == "resolved"
    assert statuses["3"] == "resolved"      # free citation text matched by title
    assert statuses["4"] == "resolved"      # DOI only
    kinds = {f["kind"] for f in report["findings"]}
    assert {"retracted", "off_topic", "metadata_mismatch", "unsupported_number",
            "unresolved_reference"} <= kinds
    findings = pd.read_csv(out / "articles/nsclc-targeted-therapy/findings.csv")
    assert len(findings) == len(report["findings"])
    run = pd.read_csv(out / "findings.csv")
    assert set(run["article_id"]) == set(ids)


def test_free_text_citations_with_the_same_label_in_two_articles(tmp_path, shared_source, cfg):
    # Both articles call their free-text reference "1"; each must get its own record.
    (tmp_path / "a.md").write_text(
        "# Lung cancer\n\nCrizotinib improved survival in ALK-positive lung cancer [1].\n\n## References\n\n"
        "1. Effect of crizotinib on overall survival in patients with advanced non-small-cell lung cancer "
        "harbouring ALK gene rearrangement: a retrospective analysis. Lancet Oncol. 2011.\n")
    (tmp_path / "b.md").write_text(
        "# Colorectal cancer\n\nMLH1 and MSH2 mutations explain most HNPCC families [1].\n\n## References\n\n"
        "1. Eight novel germline MLH1 and MSH2 mutations in hereditary non-polyposis colorectal cancer "
        "families from Spain. Hum Mutat. 2001.\n")
    audits = {a.article.id: a for a in audit_paths([tmp_path], shared_source, cfg)}
    assert audits["a"].article.references[0].pmid == "21933749"
    assert audits["b"].article.references[0].pmid == "11748856"


@pytest.mark.parametrize("cited,pmid,same", [
    ("Lancet Oncol", "21933749", True),                       # ISO abbreviation
    ("The Lancet. Oncology", "21933749", True),
    ("Lancet", "21933749", False),                            # the family, not the journal
    ("J Clin Oncol", "22508830", True),
    ("Journal of clinical oncology", "22508830", True),
    ("Clinical Lung Cancer", "22508830", False),
    ("Science", "21900593", False),                           # Science Translational Medicine
    ("Sci Transl Med", "21900593", True),
])
def test_journal_names_match_only_the_same_journal(shared_source, cited, pmid, same):
    from audit.findings import journal_matches

    assert journal_matches(cited, shared_source.records[pmid]) is same


def test_same_named_files_get_distinct_ids(tmp_path, shared_source, cfg):
    for folder, name in (("x", "a.md"), ("y", "a.md"), ("z", "a-2.md")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text("# Note\n\nA claim without citations.\n")
    ids = [a.article.id for a in audit_paths([tmp_path], shared_source, cfg)]
    assert len(set(ids)) == 3 and "a" in ids and "a-2" in ids


def test_a_mistyped_doi_does_not_hide_a_good_pmcid(tmp_path, shared_source, cfg):
    rec = next(r for r in shared_source.records.values() if r.pmcid)
    path = tmp_path / "p.md"
    path.write_text(f"# Telomeres\n\nA claim about the cited study [1].\n\n## References\n\n"
                    f"1. doi:10.1000/not-a-real-doi {rec.pmcid}\n")
    audit = audit_file(path, shared_source, cfg)
    assert audit.article.references[0].pmid == rec.pmid
