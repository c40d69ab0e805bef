"""The one rule set that decides severity (audit/severity.py): no other module writes a severity, every
finding takes its severity from the rule for its own kind, and the rules give on real records what the
README's findings table says.

PMIDs used (all in shared/data/pubmed/baseline):
* 10972993  BRCA1/BRCA2 in breast and ovarian cancer (major MeSH: Breast Neoplasms, Ovarian Neoplasms)
* 8655018   retracted (RetractionIn PMID 9867474)
* 9634358   "Retraction: A rabbit model for human cytomegalovirus..." (itself a retraction notice)
"""
from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from audit import finding_kinds as fk
from audit import severity as sv
from audit.config import ScoringConfig
from audit.findings import article_findings, metadata_findings, pair_findings
from audit.models import OFF_TOPIC, Article, Claim, Reference
from audit.notices import notice_findings
from audit.pubmed.records import load_records
from audit.scoring.score import prepare_record, prepare_text, score_article, score_pair

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("audit", "reports", "flows")
RULE_SET = {ROOT / "audit" / "severity.py", ROOT / "audit" / "finding_kinds.py"}
CFG = ScoringConfig()

SUBJECT = ("In ileal (small intestine) cancer, what usually occurs first, metastasis (Mets) to mesenteric "
           "lymph nodes or liver metastasis?")
CLAIM = ("Approximately 60-80% of patients with ileal NETs already have mesenteric lymph node involvement at "
         "diagnosis, while liver metastases are present in about 30-50% of cases at initial presentation")
OVARIAN_CLAIM = ("A study found that mesenteric lymph node involvement was associated with a higher risk of "
                 "liver metastasis in patients with ovarian cancer")


def _product_files():
    for top in PRODUCT:
        yield from sorted((ROOT / top).rglob("*.py"))


def _with_parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def test_no_module_but_the_rule_set_writes_a_severity():
    # A severity literal outside the rule set is a severity decided there.  Reading a count by its
    # name (``summary["high"]``) is not; anything else (an assignment, a call's argument, a
    # comparison, a dict value) is refused.
    wrong, scanned = [], 0
    for path in _product_files():
        if path in RULE_SET:
            continue
        scanned += 1
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        parent = _with_parents(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in fk.SEVERITIES:
                up = parent.get(node)
                if isinstance(up, ast.Subscript) and up.slice is node:
                    continue
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert scanned > 50
    assert not wrong, wrong


def _severity_call_kind(call: ast.Call):
    """The kind argument of ``Finding(kind, severity_of(kind2, ...))`` as (kind, kind2), source text."""
    if len(call.args) < 2:
        return None
    sev = call.args[1]
    if not (isinstance(sev, ast.Call) and getattr(sev.func, "id", getattr(sev.func, "attr", None)) == "severity_of"):
        return ast.unparse(call.args[0]), None
    return ast.unparse(call.args[0]), ast.unparse(sev.args[0]) if sev.args else None


def test_every_finding_the_product_makes_takes_its_severity_from_the_rule_of_its_own_kind():
    made, wrong = 0, []
    for path in _product_files():
        if path in RULE_SET:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Finding":
                pair = _severity_call_kind(node)
                if pair is None:
                    continue
                made += 1
                kind, ruled = pair
                if kind != ruled:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: Finding({kind}, severity_of({ruled}))")
    assert made >= 30
    assert not wrong, wrong


# --------------------------------------------------------------------------- the rules themselves

_FACTS = {
    "off_topic": [{"pair": p} for p in ("", "high", "medium")] +
                 [{"drift_axes": a} for a in ([], ["organism"], ["age"], ["disease"], ["histology", "age"])],
    "retracted": [{}, {"notice_only": True}, {"notice_only": False}],
    "metadata_mismatch": [{"field": "year", "year_gap": g} for g in (-3, -1, 1, 2)] +
                         [{"field": "journal"}, {"field": "title"}],
    "not_in_pubmed": [{}, {"preprint": True}, {"preprint": False}],
}


def test_every_rule_gives_only_what_the_registry_allows_and_every_allowed_severity_is_reachable():
    assert set(_FACTS) == sv.RULED_KINDS
    for name, k in fk.KINDS.items():
        given = {sv.severity_of(name, **facts) for facts in _FACTS.get(name, [{}])}
        assert given <= set(k.allowed()), (name, given)
        assert given == set(k.allowed()), (name, "a severity the registry lists that no rule gives")
        if name not in sv.RULED_KINDS:
            assert given == {k.severity}            # the registry's default is the fallback


def test_a_fact_the_rule_does_not_take_is_refused():
    with pytest.raises(TypeError, match="registry's default"):
        sv.severity_of("not_found", preprint=True)
    with pytest.raises(TypeError):
        sv.severity_of("not_in_pubmed", field="year")
    with pytest.raises(TypeError, match="one of them"):
        sv.severity_of("off_topic")
    with pytest.raises(ValueError, match="unknown metadata field"):
        sv.severity_of("metadata_mismatch", field="volume")
    with pytest.raises(fk.UnknownKind):
        sv.severity_of("off_subject")


def test_pair_severity_by_how_the_source_misses_the_claim():
    combos = list(itertools.product((False, True), repeat=3))
    got = {c: {sv.pair_severity(c, close=a, title_only=b, unrelated=u) for a, b, u in combos} for c in sv.CONFLICTS}
    assert got == {sv.SUBJECT: {"high", "medium"}, sv.HOST: {"high", "medium"},
                   sv.FEW_WORDS: {"high", "medium"}, sv.CHECK: {"medium"}}
    assert sv.pair_severity(sv.SUBJECT, close=True) == sv.pair_severity(sv.HOST, title_only=True) == "medium"
    # Few shared words is high only when both subjects are recognised, far apart, and the source has an abstract.
    assert [sv.pair_severity(sv.FEW_WORDS, unrelated=u, title_only=t) for u, t in
            ((True, False), (True, True), (False, False))] == ["high", "medium", "medium"]
    with pytest.raises(ValueError):
        sv.pair_severity("other")


# --------------------------------------------------------------------------- on real records

@pytest.fixture(scope="module")
def records(data_dir):
    base = data_dir / "pubmed" / "baseline"
    return load_records([base / "pubmedsample19n0001.xml", base / "medline16n0902.xml.gz"])


def test_a_source_on_another_cancer_is_off_topic_high_and_the_finding_keeps_the_pairs_severity(records):
    pair = score_pair("c1", "1", prepare_text(CLAIM), prepare_record(records["10972993"]), prepare_text(SUBJECT), CFG)
    assert pair.verdict == OFF_TOPIC and pair.severity == "high"
    assert "check: " not in pair.explanation         # told as wrong, not asked to be checked
    [f] = [f for f in pair_findings(pair, records["10972993"]) if f.kind == "off_topic"]
    assert f.severity == pair.severity == "high"
    # A pair scored off topic with no severity of its own (an older stored pair) takes the registry's default.
    pair.severity = ""
    assert [f.severity for f in pair_findings(pair, None) if f.kind == "off_topic"] == [fk.KINDS["off_topic"].severity]


def test_a_claim_on_another_disease_drifts_high(records):
    art = Article(id="t", path="t.md", format="markdown", title=SUBJECT, subject=SUBJECT, text="", sha256="",
                  claims=[Claim("c1", CLAIM, ["1"]), Claim("c2", OVARIAN_CLAIM, ["2"])],
                  # c2's marker has no entry: its drift is told on its own, not folded into a pair's finding.
                  references=[Reference("1", "entry 1", pmid="10972993", status="resolved", in_list=True),
                              Reference("2", "", in_list=False)])
    pairs, drifts = score_article(art, records, CFG)
    [drift] = [d for d in drifts if d.claim_id == "c2"]
    assert drift.drifts and "disease" in drift.axes
    told = [f for f in article_findings(art, records, pairs, drifts) if f.kind == "off_topic" and f.claim_id == "c2"]
    assert [f.severity for f in told] == ["high"]
    assert sv.severity_of("off_topic", drift_axes=[a for a in drift.axes if a not in sv.STRONG_DRIFT_AXES]) == "medium"


def test_a_real_records_year_title_and_journal_against_the_reference(records):
    rec = records["10972993"]
    def sev(**cited):
        ref = Reference("1", "entry", pmid=rec.pmid, status="resolved", **cited)
        return [(f.detail, f.severity) for f in metadata_findings(ref, rec)]
    assert sev(cited_year=rec.year + 1) == [("year", "low")]          # online-first against print
    assert sev(cited_year=rec.year - 1) == [("year", "low")]
    assert sev(cited_year=rec.year + 3) == [("year", "medium")]
    assert sev(cited_title=rec.title) == []
    assert sev(cited_title="Aspirin for the prevention of stroke in atrial fibrillation") == [("title", "high")]
    assert sev(cited_journal="Journal of Bone and Joint Surgery") == [("journal", "medium")]


def test_a_retracted_paper_is_high_and_a_retraction_notice_cited_as_a_study_medium(records):
    def told(pmid):
        ref = Reference("1", "entry", pmid=pmid, status="resolved")
        return [(f.kind, f.severity) for f in notice_findings(ref, records[pmid], "c1")]
    assert records["8655018"].retracted and told("8655018") == [("retracted", "high")]
    assert records["9634358"].is_retraction_notice
    assert ("retracted", "medium") in told("9634358")
