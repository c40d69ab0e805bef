"""MeSH 2024 as the vocabulary: the shipped data file, and entry terms found in text."""
from __future__ import annotations

import subprocess
import sys

import pytest

from audit.scoring import mesh


def _names(text: str) -> list[str]:
    m = mesh.load()
    return [m.get(x.ui).name for x in mesh.find_terms(text)]


def test_shipped_file_holds_all_of_mesh_2024(root_dir):
    # Load time is measured by bench/bench_topic.py (mesh_load_s), not here: a timed test fails on a busy machine.
    code = ("from audit.scoring import mesh; m = mesh.load(); "
            "print(len(m.descriptors), len(m.terms), m.year, mesh.DATA_FILE.is_relative_to(mesh.Path(mesh.__file__).parent))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root_dir, capture_output=True, text=True, check=True)
    n_desc, n_terms, year, inside = out.stdout.split()
    assert int(n_desc) == 30764 and int(n_terms) > 150_000 and year == "2024"
    assert inside == "True"          # shipped in the package: nothing from ../shared at run time
    assert mesh.DATA_FILE.stat().st_size < 4_000_000
    m = mesh.load()
    assert m.get("D007078").trees == ("C04.588.274.476.411.501", "C06.301.371.411.501", "C06.405.249.411.501",
                                      "C06.405.469.420.501", "C06.405.469.491.501")
    assert m.named("Neoplasms").trees == ("C04",)          # tops of branches get their tree number too


def test_entry_terms_longest_match_plural_spelling_and_hyphens():
    assert _names("Heart attack in women") == ["Myocardial Infarction", "Women"]
    assert _names("tumours of the oesophagus") == ["Neoplasms", "Esophagus"]
    assert _names("non small cell lung carcinomas") == ["Carcinoma, Non-Small-Cell Lung"]
    assert _names("Non-Small-Cell Lung Cancer") == ["Carcinoma, Non-Small-Cell Lung"]
    assert _names("Crohn's disease") == ["Crohn Disease"]
    # Inverted headings are found in reading order.
    assert _names("acute myeloid leukemia") == ["Leukemia, Myeloid, Acute"]


@pytest.mark.parametrize("text, want, not_want", [
    ("Hearing aids improve speech understanding", "Hearing Aids", "Acquired Immunodeficiency Syndrome"),
    ("Stroke volume fell after the infusion", "Stroke Volume", "Stroke"),
    ("Swine flu vaccination of health workers", "Influenza, Human", "Swine"),
    ("Recurrent yeast infection in women", "Candidiasis", "Saccharomyces cerevisiae"),
    ("Dog bites in children are common", "Bites and Stings", "Dogs"),
    ("Uveal melanoma spreads to the liver", "Uveal Neoplasms", "Skin Neoplasms"),
    ("AIDS-defining illnesses", "Acquired Immunodeficiency Syndrome", "Hearing Aids"),
])
def test_ambiguous_phrases(text, want, not_want):
    names = _names(text)
    assert want in names and not_want not in names, names


def test_model_of_care_is_not_an_animal_model():
    assert "Models, Animal" not in _names("The chronic care model improved diabetes outcomes")
    assert "Models, Animal" not in _names("a prediction model of cancer risk")
    assert "Models, Animal" in _names("in a model of metastatic colorectal cancer")
    assert "Models, Animal" in _names("in a mouse model of sepsis")


def test_cardiovascular_is_not_a_heart_cancer_site():
    assert not any("Neoplasm" in n or n == "Heart" for n in _names("cardiovascular events in cancer survivors"))


def test_abbreviations_defined_and_common():
    text = "In advanced non-small-cell lung cancer (NSCLC), crizotinib helps. NSCLC patients ..."
    names = _names(text)
    assert names.count("Carcinoma, Non-Small-Cell Lung") == 3
    # Defined by the text, not in the common list.
    assert "Pulmonary Arterial Hypertension" in _names("pulmonary arterial hypertension (PAH) ... in PAH")[1:]
    assert _names("patients with ileal NETs") == ["Patients", "Ileal Neoplasms"]
    # A lower-case word that spells an abbreviation is not one.
    assert "Atrial Fibrillation" not in _names("as far as we know")


def test_gloss_in_parentheses_does_not_split_a_term():
    assert "Ileal Neoplasms" in _names("In ileal (small intestine) cancer, what occurs first?")


def test_age_in_years_is_not_the_aged():
    assert "Aged" not in _names("patients aged 45 years")
    assert "Aged" in _names("falls in older adults")


def test_every_abstract_of_a_real_baseline_file_names_descriptors(data_dir):
    from audit.pubmed.records import load_records
    recs = load_records([data_dir / "pubmed" / "baseline" / "pubmedsample19n0001.xml"])
    with_abstract = [r for r in recs.values() if r.abstract]
    found = [mesh.find_terms(r.title + " " + r.abstract) for r in with_abstract]
    assert sum(1 for f in found if f) >= 0.95 * len(with_abstract)
    # Where the record has MeSH, text and headings mostly meet.
    meet = [bool({x.ui for x in f} & {h.ui for h in r.mesh}) for f, r in zip(found, with_abstract) if r.mesh]
    assert sum(meet) >= 0.8 * len(meet)
