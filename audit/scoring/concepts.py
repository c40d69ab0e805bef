"""Hand lists the scorer keeps where MeSH cannot serve: evidence-type cues.

What a text is about (diseases, body parts, species, age groups) comes from
MeSH (audit/scoring/mesh.py, audit/scoring/subject.py).  What is left here are
cues about the *kind* of evidence and the *generality* of a claim's wording:
publication types and study-design headings that MeSH files far from each
other, phrases of a case report, and the words that make a claim about a
population rather than one case.  MeSH indexes the topic of a paper, not how
a sentence generalises, so these stay hand-written.
"""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

# Evidence types, from publication types and MeSH, strongest first.
PUBLICATION_TYPES: list[tuple[str, str]] = [
    ("meta-analysis", "meta_analysis"), ("systematic review", "systematic_review"),
    ("randomized controlled trial", "rct"), ("practice guideline", "guideline"), ("guideline", "guideline"),
    ("clinical trial", "trial"), ("controlled clinical trial", "trial"), ("multicenter study", "observational"),
    ("observational study", "observational"), ("comparative study", "observational"),
    ("review", "review"), ("case reports", "case_report"),
    ("editorial", "opinion"), ("comment", "opinion"), ("letter", "opinion"), ("news", "opinion"),
]
MESH_STUDY_TYPES: dict[str, str] = {
    "cohort studies": "observational", "retrospective studies": "observational",
    "prospective studies": "observational", "case-control studies": "observational",
    "cross-sectional studies": "observational", "follow-up studies": "observational",
}
TEXT_STUDY_TYPES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bmeta-?analys[ie]s\b"), "meta_analysis"),
    (re.compile(r"\bsystematic (?:literature )?review\b"), "systematic_review"),
    (re.compile(r"\brandomi[sz]ed (?:controlled |clinical |double-blind |placebo-controlled )*(?:trial|study)\b"),
     "rct"),
    # "case management", "case series", "case-control", "case fatality" are not case reports
    # One or two patients: "we report two cases", "we are presenting a case of", "this article describes the
    # treatment of a teenager", a title "... in an adolescent boy with ...".
    (re.compile(r"\bcase reports?\b|\b(?:we|this (?:article|report|paper))\s+(?:are\s+)?(?:report|describ|present)\w*\s+"
                r"(?:the (?:treatment|management|case|course) of )?(?:a|an|the|two|one) "
                r"(?:(?!(?:series|cohort|group|total|number|sample|population)\b)[a-z-]+ ){0,4}?"
                r"(?:cases?|patients?|man|woman|men|women|boys?|girls?|teenagers?|child|infant|neonate|siblings)\b"
                r"(?![\s-]*(?:management|series|control|study|studies|"
                r"definitions?|fatality|finding|mix|load|detection|notification|reports? form))|"
                r"\ba (?:rare )?case of\b|\b(?:in|of) an? (?:\d+-year-old )?(?:adolescent |young |elderly |pregnant )?"
                r"(?:boy|girl|man|woman|teenager|infant|neonate|patient) (?:with|who)\b"), "case_report"),
    (re.compile(r"\b(?:retrospective|prospective|cohort|population-based|case-control|cross-sectional)\b"),
     "observational"),
    (re.compile(r"\breview\b"), "review"),
]
# Evidence too narrow for a claim about a population.
NARROW_EVIDENCE = {"case_report": "a case report", "animal": "an animal study", "in_vitro": "a laboratory (in vitro) study",
                   "opinion": "an opinion piece"}
EVIDENCE_LABELS = {
    "meta_analysis": "a meta-analysis", "systematic_review": "a systematic review", "rct": "a randomised trial",
    "trial": "a clinical trial", "guideline": "a guideline", "observational": "an observational study",
    "review": "a review", "case_report": "a case report", "animal": "an animal study",
    "in_vitro": "a laboratory (in vitro) study", "opinion": "an opinion piece", "": "a study",
}

# Laboratory work named in a text without MeSH: MeSH's "Cell Line" heading is not written this way in
# abstracts, and an in-process record has no headings to carry it.  Read through the term finder, so the
# longest term decides the sense: "in vitro fertilisation" is a clinical procedure, not laboratory work.
LABORATORY_HEADINGS = ("In Vitro Techniques", "Cell Line", "Cell Line, Tumor", "Cells, Cultured", "Organoids",
                       "Cell Culture Techniques", "Primary Cell Culture")

# Sentences that give a study's exclusion criteria: what they name is who was *not* studied ("patients with
# an allergy to melatonin were excluded" does not make a trial about hypersensitivity).
EXCLUSION = re.compile(r"\bexclu(?:ded|sion|ding)\b|\bwere (?:not eligible|ineligible)\b", re.I)

# Wording that makes a claim about a population, not one case or one model.
GENERAL_CUES = re.compile(
    r"\b(?:patients|people|individuals|adults|children|adolescents|teenagers|infants|women|men|cases|most|majority|"
    r"typically|usually|reliably|always|"
    r"generally|commonly|often|frequently|common|incidence|prevalence|risk|rates?|proportion|"
    r"approximately|about|overall|in general)\b|%|\bpercent\b")
# Wording that makes a claim about a single case or a model (then narrow evidence fits it).
SPECIFIC_CUES = re.compile(r"\bcase reports?\b|\ba (?:rare )?case\b|\bone patient\b|\ba patient\b|\bin mice\b|"
                           r"\bin rats\b|\bmodel\b|\bin vitro\b|\bcell lines?\b")



BACKGROUND_FILE = Path(__file__).resolve().parent / "data" / "background_df.json.gz"


@lru_cache(maxsize=1)
def background_df() -> tuple[dict[str, int], int]:
    """Document frequencies of stemmed words over a background of biomedical abstracts.

    Common words get a low weight in the lexical score, and a word missing here
    counts as rare.  Built by ``python -m bench.evaluation.evaluate build-df``
    from texts that no evaluation reads (see ``evaluate.build_background``).
    """
    with gzip.open(BACKGROUND_FILE, "rt", encoding="utf-8") as f:
        data = json.load(f)
    return data["df"], data["n_docs"]
