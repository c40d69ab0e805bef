"""Scoring on the seed case (ileal NETs) and on real PubMed records from shared/data.

PMIDs used (all in shared/data/pubmed/baseline):
* 10972993  BRCA1/BRCA2 in breast and ovarian cancer (major MeSH: Breast Neoplasms, Ovarian Neoplasms)
* 11748856  MLH1/MSH2 mutations in hereditary non-polyposis colorectal cancer
* 20501835  pulmonary metastasis of sarcoma 180 in inbred mice (MeSH Animals, Mice; no Humans)
* 10854512  inflammatory fibroid polyp of the duodenum (publication type Case Reports)
* 21933749  crizotinib and overall survival in ALK-positive NSCLC (retrospective study)
* 26335131  endometriosis and ovarian cancer screening (in-process: no MeSH headings)
"""
from __future__ import annotations

import pytest

from audit.config import ScoringConfig
from audit.models import Article, Claim, Reference
from audit.pubmed.records import load_records
from audit.scoring.score import (claim_numbers, prepare_record, prepare_text, score_article, score_pair,
                         subject_conflicts, support_score, unsupported_numbers)

CFG = ScoringConfig()

# The seed answer (shared/seeds/ileal-net-answer.txt): its question and the sentences behind markers 1-5.
SUBJECT = ("In ileal (small intestine) cancer, what usually occurs first, metastasis (Mets) to mesenteric "
           "lymph nodes or liver metastasis?")
SEED_CLAIMS = [
    "Approximately 60-80% of patients with ileal NETs already have mesenteric lymph node involvement at "
    "diagnosis, while liver metastases are present in about 30-50% of cases at initial presentation, as seen "
    "in a study published in the Journal of surgical oncology",
    "A study published in the Annals of surgical oncology found that mesenteric lymph node involvement was "
    "associated with a higher risk of liver metastasis in patients with ovarian cancer",
    "Another study published in Diseases of the colon and rectum found that peri-ileal lymph node metastasis "
    "was rare in patients with right-sided colon cancer, but occurred mainly in stage IV disease",
    "However, a study published in Nature communications found that liver metastases can manifest without "
    "prior lymph node involvement in a model of metastatic colorectal cancer",
    "A recent case report published in the International journal of surgery case reports described a rare "
    "case of upper rectal cancer with atypical lymphatic spread to the mesorectal and common iliac lymph nodes",
]


@pytest.fixture(scope="module")
def records(data_dir):
    base = data_dir / "pubmed" / "baseline"
    return load_records([base / "pubmedsample19n0001.xml", base / "medline16n0902.xml.gz"])


def _article(subject: str, claims: list[str], pmids: list[str | None], statuses: list[str] | None = None):
    statuses = statuses or ["resolved"] * len(pmids)
    cs = [Claim(f"c{i + 1}", t, [str(i + 1)]) for i, t in enumerate(claims)]
    refs = [Reference(str(i + 1), f"entry {i + 1}", pmid=p, status=s) for i, (p, s) in enumerate(zip(pmids, statuses))]
    return Article(id="t", path="t.md", format="markdown", title=subject, subject=subject, text="",
                   sha256="", claims=cs, references=refs)


def _pair(records, subject: str, claim: str, pmid: str):
    return score_pair("c1", "1", prepare_text(claim), prepare_record(records[pmid]), prepare_text(subject), CFG)


# --------------------------------------------------------------------------- the seed case

def test_seed_claims_drift_from_ileal_subject_except_the_first():
    subject = prepare_text(SUBJECT)
    from audit.scoring.score import claim_drift
    drifts = [claim_drift(f"c{i + 1}", prepare_text(t), subject, CFG) for i, t in enumerate(SEED_CLAIMS)]
    assert [d.drifts for d in drifts] == [False, True, True, True, True]
    assert drifts[0].score >= 0.9
    # Explained in MeSH terms, with tree numbers.
    assert "Ovarian Neoplasms (C04.588.322.455)" in drifts[1].explanation
    assert "Ileal Neoplasms (C04.588.274.476.411.501)" in drifts[1].explanation
    assert "Colonic Neoplasms" in drifts[2].explanation          # not the peri-ileal lymph nodes
    assert "Colorectal Neoplasms" in drifts[3].explanation
    assert "Rectal Neoplasms" in drifts[4].explanation
    assert all("(disease differs)" in d.explanation for d in drifts[1:])


def test_metastatic_sites_are_not_the_topic():
    # "liver metastases", "mesenteric lymph node involvement": places of spread, not what the claim is about.
    p = prepare_text(SEED_CLAIMS[0]).profile
    assert p.describe(("disease",)) == "Ileal Neoplasms (C04.588.274.476.411.501)"
    assert prepare_text("liver metastases from colorectal cancer").profile.describe(("disease",)) == \
        "Colorectal Neoplasms (C04.588.274.476.411.307)"
    # "iliac" nodes are not the ileum.
    assert "Ileal" not in prepare_text(SEED_CLAIMS[4]).topic


def test_small_intestine_family_and_tumour_types():
    subject = prepare_text("Carcinoid tumours of the small bowel")
    claim = prepare_text("Ileal neuroendocrine tumors metastasize to mesenteric lymph nodes")
    assert subject_conflicts(claim, subject) == []
    # ...but a stromal tumour is another kind of tumour, and a mouse model another species.
    assert [c.axis for c in subject_conflicts(prepare_text("Gastrointestinal stromal tumours of the small bowel"),
                                              subject)] == ["histology"]
    assert [c.axis for c in subject_conflicts(prepare_text("Carcinoid tumours of the small bowel in mice"),
                                              prepare_text("Carcinoid tumours of the small bowel in patients"))
            ] == ["organism"]


def test_seed_article_with_real_off_subject_records(records):
    # Claim 1 cited to real records about ovarian and colorectal cancer: both off the article's subject.
    art = _article(SUBJECT, [SEED_CLAIMS[0], SEED_CLAIMS[0]], ["10972993", "11748856"])
    pairs, drifts = score_article(art, records, CFG)
    assert [p.verdict for p in pairs] == ["off_topic", "off_topic"]
    assert "Ovarian Neoplasms (C04.588.322.455)" in pairs[0].explanation
    assert "Colorectal Neoplasms" in pairs[1].explanation
    assert "Ileal Neoplasms" in pairs[0].explanation
    assert [p.severity for p in pairs] == ["high", "high"]
    assert all(p.source_subject < 0.2 and p.relevance < CFG.relevant_threshold for p in pairs)
    # The claim's numbers are in neither abstract.
    assert pairs[0].unsupported_numbers == ["60-80%", "30-50%"]
    assert [d.drifts for d in drifts] == [False, False]


def test_unresolved_and_missing_references(records):
    art = _article(SUBJECT, SEED_CLAIMS[:3], ["99999999", None, "10972993"], ["not_found", "unresolved", "resolved"])
    art.references[1].reason = "no PMID or DOI in the entry"
    art.claims[2].citations = ["3", "7"]          # marker 7 has no entry at all
    art.references.append(Reference("7", "", in_list=False))
    pairs, drifts = score_article(art, records, CFG)
    assert [(p.reference_id, p.verdict) for p in pairs] == [("1", "unverifiable"), ("2", "unverifiable"),
                                                            ("3", "off_topic")]
    assert "not found" in pairs[0].explanation and pairs[0].relevance == 0
    assert "no PMID or DOI" in pairs[1].explanation
    assert len(drifts) == 3


# --------------------------------------------------------------------------- real records

def test_animal_model_record_is_weak_evidence_for_a_population_claim(records):
    p = _pair(records, "Pulmonary metastasis of sarcoma",
              "Most cancer deaths in patients are a result of pulmonary metastasis of sarcoma", "20501835")
    assert p.evidence_type == "animal"
    assert p.weak_evidence
    assert p.verdict == "weak"
    assert "animal study" in p.explanation
    # A claim about the mouse model itself is what the record shows.
    q = _pair(records, "Pulmonary metastasis of sarcoma 180 in inbred mice",
              "In a mouse model, resistance to pulmonary metastasis of sarcoma 180 cells varied among inbred "
              "mouse strains", "20501835")
    assert not q.weak_evidence and q.verdict == "relevant"


def test_case_report_cited_for_population_claim(records):
    subject = "Inflammatory fibroid polyps of the duodenum"
    p = _pair(records, subject, "Duodenal inflammatory fibroid polyps typically cause gastrointestinal bleeding "
                                "in most patients", "10854512")
    assert p.evidence_type == "case_report"
    assert p.weak_evidence and p.verdict == "weak"
    assert "case report" in p.explanation
    q = _pair(records, subject, "A case report described a duodenal inflammatory fibroid polyp evaluated by "
                                "endoscopic ultrasound before surgical removal", "10854512")
    assert q.evidence_type == "case_report" and not q.weak_evidence
    assert q.verdict == "relevant"


def test_faithful_citation_is_not_flagged(records):
    subject = "Crizotinib and overall survival in ALK-positive non-small-cell lung cancer"
    claim = ("In patients with advanced ALK-positive non-small-cell lung cancer, crizotinib was associated with "
             "improved overall survival compared with crizotinib-naive controls, with a 1-year overall "
             "survival of 74%.")
    art = _article(subject, [claim], ["21933749"])
    pairs, drifts = score_article(art, records, CFG)
    p = pairs[0]
    assert p.verdict == "relevant", p.explanation
    assert p.relevance >= 0.8 and p.source_subject >= 0.8
    assert not p.weak_evidence and p.evidence_type == "observational"
    assert p.unsupported_numbers == []
    assert {"crizotinib", "alk"} <= {t.lower() for t in p.shared_terms}
    assert not drifts[0].drifts and drifts[0].score == 1.0


def test_number_absent_from_abstract(records):
    claim = ("Crizotinib raised 1-year overall survival to 91% in ALK-positive non-small-cell lung cancer, "
             "against 74% with other treatments.")
    p = _pair(records, "Crizotinib in ALK-positive non-small-cell lung cancer", claim, "21933749")
    assert p.unsupported_numbers == ["91%"]
    assert "91%" in p.explanation
    # The Lancet's "0·36" and ranges written "63-82" are found.
    c = prepare_text("hazard ratio 0.36 (95% CI 63–82 %)")
    assert unsupported_numbers(c, prepare_record(records["21933749"])) == []


def test_record_without_mesh_is_judged_from_title_and_abstract(records):
    rec = records["26335131"]
    assert not rec.mesh and rec.abstract
    p = _pair(records, SUBJECT, SEED_CLAIMS[0], "26335131")
    assert p.verdict == "off_topic"
    assert "ovarian" in p.explanation and "no MeSH headings" in p.explanation
    # On its own subject it is a relevant source.
    q = _pair(records, "Screening for ovarian cancer in women with endometriosis",
              "Women with endometriosis have an increased risk of ovarian cancer, and screening and "
              "risk-reducing surgery have potential benefits and harms.", "26335131")
    assert q.verdict in ("relevant", "weak") and q.relevance > 0.5


def test_support_score_ranks_the_right_record_first(records):
    rf = {p: prepare_record(records[p]) for p in ("21933749", "10854512", "20501835", "10972993", "11748856")}
    claim = prepare_text("BRCA2 exon 12 deletion variants are expressed in breast and ovarian cancer")
    scores = {p: support_score(claim, r, CFG) for p, r in rf.items()}
    assert max(scores, key=scores.get) == "10972993"


def test_number_forms():
    assert [n.text for n in claim_numbers("60-80%, 30–50 %, COVID-19, stage 4 disease in 2010")] == ["60-80%", "30–50 %"]
    from audit.scoring.score import source_numbers
    vals, ranges = source_numbers("between 60% to 80% of patients and 1,200 controls")
    assert (60.0, 80.0) in ranges and 1200.0 in vals


def test_xenograft_study_of_human_cells_is_animal_evidence(records):
    # PMID 25368326: human lung cancer cells grown in nude mice; MeSH carries Humans as well as Mice.
    rec = records["25368326"]
    assert {"Humans", "Mice", "Xenograft Model Antitumor Assays"} <= set(rec.mesh_terms)
    p = _pair(records, "Treatment of advanced non-small-cell lung cancer",
              "Patients with EGFR T790M-mutant lung cancer generally benefit from isoliquiritigenin treatment",
              "25368326")
    assert p.evidence_type == "animal" and p.weak_evidence and p.verdict == "weak"
