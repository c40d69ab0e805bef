"""Vocabularies the scorer recognises: anatomical sites, diseases, populations,
species and evidence types, with their synonyms and MeSH names.

Everything here is data plus one compiled matcher.  The scorer asks three
questions of a text: where in the body is the disease (primary site, as
opposed to a place it spreads to), which disease, and in whom (humans or an
animal model, children or adults).  A site is compared at the organ level,
so "colon" and "ileum" conflict (both intestine, different organs) while
"ileum" and "small intestine" agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Site:
    organ: str                   # conflicts are decided at this level
    label: str                   # adjective for explanations ("ileal")
    terms: tuple[str, ...]       # lower-case phrases; matched on word boundaries
    secondary_only: bool = False  # lymph nodes, mesentery: where disease spreads, never the topic


def _s(organ: str, label: str, *terms: str, secondary_only: bool = False) -> Site:
    return Site(organ, label, terms, secondary_only)


SITES: dict[str, Site] = {
    # Small intestine: one organ, three parts.
    "ileum": _s("small_intestine", "ileal", "ileum", "ileal", "terminal ileum", "ileocecal", "ileocaecal",
                "peri-ileal"),
    "jejunum": _s("small_intestine", "jejunal", "jejunum", "jejunal"),
    "duodenum": _s("small_intestine", "duodenal", "duodenum", "duodenal", "periampullary", "ampullary"),
    "small_intestine": _s("small_intestine", "small-intestinal", "small intestine", "small intestinal",
                          "small bowel", "small-bowel", "midgut", "enteric"),
    # Large intestine: colon and rectum are reported together as colorectal.
    "colon": _s("large_intestine", "colon", "colon", "colonic", "cecum", "caecum", "cecal", "caecal",
                "sigmoid", "right-sided colon", "left-sided colon", "right colon", "left colon"),
    "rectum": _s("large_intestine", "rectal", "rectum", "rectal", "mesorectal", "mesorectum", "anorectal",
                 "rectosigmoid"),
    "colorectal": _s("large_intestine", "colorectal", "colorectal", "colorectum", "large bowel",
                     "large intestine", "large intestinal", "crc"),
    "appendix": _s("appendix", "appendiceal", "appendix", "appendiceal", "appendicular"),
    "anus": _s("anus", "anal", "anus", "anal canal"),
    "stomach": _s("stomach", "gastric", "stomach", "gastric"),
    "esophagus": _s("esophagus", "esophageal", "esophagus", "esophageal", "oesophagus", "oesophageal",
                    "gastroesophageal", "gastro-oesophageal"),
    "pancreas": _s("pancreas", "pancreatic", "pancreas", "pancreatic"),
    "liver": _s("liver", "liver", "liver", "hepatic", "hepatocellular", "hcc"),
    "biliary": _s("biliary", "biliary", "biliary", "bile duct", "bile ducts", "gallbladder",
                  "cholangiocarcinoma"),
    "lung": _s("lung", "lung", "lung", "lungs", "pulmonary", "bronchial", "bronchogenic", "nsclc", "sclc"),
    "breast": _s("breast", "breast", "breast", "mammary"),
    "ovary": _s("ovary", "ovarian", "ovary", "ovaries", "ovarian"),
    "uterus": _s("uterus", "uterine", "uterus", "uterine", "endometrium", "endometrial", "cervix",
                 "cervical cancer", "cervical carcinoma"),
    "prostate": _s("prostate", "prostate", "prostate", "prostatic"),
    "kidney": _s("kidney", "renal", "kidney", "kidneys", "renal"),
    "bladder": _s("bladder", "bladder", "bladder", "urothelial"),
    "testis": _s("testis", "testicular", "testis", "testes", "testicular"),
    "thyroid": _s("thyroid", "thyroid", "thyroid"),
    "brain": _s("brain", "brain", "brain", "cerebral", "intracranial", "glioma", "glioblastoma"),
    "skin": _s("skin", "skin", "skin", "cutaneous", "melanoma"),
    "bone": _s("bone", "bone", "bone", "bones", "osteosarcoma"),
    "head_neck": _s("head_neck", "head and neck", "head and neck", "oral cavity", "oropharyngeal",
                    "oropharynx", "laryngeal", "larynx", "nasopharyngeal", "hnscc"),
    "heart": _s("heart", "cardiac", "heart", "cardiac", "myocardial", "coronary", "cardiovascular"),
    "blood": _s("blood", "haematological", "leukemia", "leukaemia", "myeloma", "hematologic",
                "hematological", "haematologic"),
    # Where disease spreads: mentioned as the place of metastasis, never the topic by itself.
    "lymph_node": _s("lymph_node", "lymph-node", "lymph node", "lymph nodes", "nodal", "lymphatic",
                     secondary_only=True),
    "mesentery": _s("mesentery", "mesenteric", "mesentery", "mesenteric", secondary_only=True),
    "peritoneum": _s("peritoneum", "peritoneal", "peritoneum", "peritoneal", secondary_only=True),
}

# MeSH descriptors whose site words the text matcher would miss.
MESH_SITE_NAMES: dict[str, str] = {
    "intestine, small": "small_intestine", "intestinal neoplasms": "small_intestine",
    "intestine, large": "colorectal", "carcinoma, non-small-cell lung": "lung",
    "small cell lung carcinoma": "lung", "carcinoma, hepatocellular": "liver",
    "neoplasms, plasma cell": "blood",
}


@dataclass(frozen=True)
class Disease:
    parent: str | None           # "neoplasm" for all tumour kinds; None for roots
    label: str
    terms: tuple[str, ...]
    abbrevs: tuple[str, ...] = ()  # case-sensitive ("NET" is not "nets")


DISEASES: dict[str, Disease] = {
    "neoplasm": Disease(None, "cancer", (
        "cancer", "cancers", "tumor", "tumors", "tumour", "tumours", "neoplasm", "neoplasms", "neoplasia",
        "malignancy", "malignancies", "oncology", "metastatic cancer", "carcinogenesis")),
    "carcinoma": Disease("neoplasm", "carcinoma", (
        "carcinoma", "carcinomas", "adenocarcinoma", "adenocarcinomas", "squamous cell carcinoma")),
    "net": Disease("neoplasm", "neuroendocrine tumours", (
        "neuroendocrine tumor", "neuroendocrine tumors", "neuroendocrine tumour", "neuroendocrine tumours",
        "neuroendocrine neoplasm", "neuroendocrine neoplasms", "neuroendocrine carcinoma",
        "neuroendocrine carcinomas", "carcinoid", "carcinoids", "carcinoid tumor", "carcinoid tumors",
        "carcinoid tumour", "carcinoid tumours", "carcinoid syndrome", "enterochromaffin"),
        ("NET", "NETs", "NEN", "NENs", "SI-NET", "SI-NETs", "SINET", "SINETs", "GEP-NET", "GEP-NETs")),
    "lymphoma": Disease("neoplasm", "lymphoma", ("lymphoma", "lymphomas")),
    "sarcoma": Disease("neoplasm", "sarcoma", ("sarcoma", "sarcomas", "osteosarcoma")),
    "gist": Disease("neoplasm", "gastrointestinal stromal tumours", (
        "gastrointestinal stromal tumor", "gastrointestinal stromal tumors", "gastrointestinal stromal tumour",
        "gastrointestinal stromal tumours"), ("GIST", "GISTs")),
    "melanoma": Disease("neoplasm", "melanoma", ("melanoma", "melanomas")),
    "leukemia": Disease("neoplasm", "leukaemia", ("leukemia", "leukaemia", "leukemias")),
    "myeloma": Disease("neoplasm", "myeloma", ("myeloma",)),
    "glioma": Disease("neoplasm", "glioma", ("glioma", "gliomas", "glioblastoma")),
    "diabetes": Disease(None, "diabetes", ("diabetes", "diabetic", "diabetes mellitus")),
    "crohn": Disease(None, "Crohn's disease", ("crohn's disease", "crohn disease", "crohns disease", "ileitis")),
    "colitis": Disease(None, "colitis", ("ulcerative colitis", "colitis")),
    "covid": Disease(None, "COVID-19", ("covid-19", "covid", "sars-cov-2", "coronavirus disease 2019")),
    "hiv": Disease(None, "HIV infection", ("hiv", "aids", "human immunodeficiency virus")),
    "tuberculosis": Disease(None, "tuberculosis", ("tuberculosis",)),
    "malaria": Disease(None, "malaria", ("malaria", "plasmodium")),
    "asthma": Disease(None, "asthma", ("asthma", "asthmatic")),
    "alzheimer": Disease(None, "Alzheimer's disease", ("alzheimer's disease", "alzheimer disease", "alzheimer's")),
    "parkinson": Disease(None, "Parkinson's disease", ("parkinson's disease", "parkinson disease")),
    "obesity": Disease(None, "obesity", ("obesity", "obese")),
    "hypertension": Disease(None, "hypertension", ("hypertension", "hypertensive")),
    "stroke": Disease(None, "stroke", ("stroke", "strokes")),
    "sepsis": Disease(None, "sepsis", ("sepsis", "septic")),
}

# Words after a site that make it the primary site ("ovarian cancer") ...
PRIMARY_AFTER = frozenset("""cancer cancers tumor tumors tumour tumours neoplasm neoplasms neoplasia carcinoma
carcinomas adenocarcinoma adenocarcinomas carcinoid carcinoids malignancy malignancies lymphoma lymphomas sarcoma
sarcomas net nets nen nens neuroendocrine gist gists polyp polyps adenoma adenomas primary crohn disease
squamous""".split())
# ... or a place of spread ("liver metastases", "mesenteric lymph nodes").
SECONDARY_AFTER = frozenset("""metastasis metastases metastatic mets lymph node nodes nodal involvement deposits
deposit spread dissemination recurrence recurrences implants lesions lesion""".split())
# Before a site: "metastasis to the liver", "spread to the mesorectal ... nodes".
SECONDARY_BEFORE = re.compile(r"(?:metasta\w*|mets|spread|spreading|disseminat\w*|invasion|involvement)"
                              r"\W+(?:\w+\W+){0,2}$")
# ... and "cancer of the colon", "tumours arising in the ileum".
PRIMARY_BEFORE = re.compile(r"(?:cancers?|tumou?rs?|carcinomas?|neoplasms?|adenocarcinomas?|primary|"
                            r"originating|arising)\W+(?:of|in|from)\W+(?:the\W+)?(?:\w+\W+)?$")
_WORD = re.compile(r"[a-z0-9']+")

SPECIES_TERMS: dict[str, tuple[str, ...]] = {
    "human": ("patient", "patients", "human", "humans", "people", "persons", "men", "women", "participants",
              "volunteers", "adults", "children", "individuals", "cohort", "clinical", "population",
              "outpatients", "inpatients", "survivors"),
    "mouse": ("mouse", "mice", "murine"),
    "rat": ("rat", "rats"),
    "animal": ("dog", "dogs", "canine", "pig", "pigs", "porcine", "swine", "sheep", "ovine", "bovine",
               "cattle", "zebrafish", "drosophila", "monkey", "monkeys", "macaque", "macaques", "primates",
               "rabbit", "rabbits", "hamster", "hamsters", "guinea pig", "animal", "animals", "xenograft",
               "xenografts", "mouse model", "animal model", "rodent", "rodents", "chick", "chicken",
               "nematode", "elegans", "yeast"),
    "in_vitro": ("in vitro", "cell line", "cell lines", "cultured cells", "cell culture", "organoid",
                 "organoids"),
}
# "a model of metastatic colorectal cancer" is an experimental model; a "prediction model" is not.
EXPERIMENTAL_MODEL = re.compile(
    r"\b(?:(?:mouse|murine|animal|xenograft|experimental|preclinical|rat|orthotopic|transgenic|"
    r"syngeneic)\s+models?|models?\s+of\s+(?:[a-z-]+\s+){0,3}?(?:cancer|carcinoma|tumou?rs?|"
    r"metastas[ie]s|disease|neoplasia))\b")

# "a prediction model of cancer risk" is statistics, not an animal.
_NOT_EXPERIMENTAL = re.compile(r"(?:predict\w*|prognostic|statistical|regression|risk|mathematical|computational|"
                               r"conceptual|economic|markov|simulation)\W+(?:\w+\W+)?$")

MESH_SPECIES: dict[str, str] = {
    "humans": "human", "mice": "mouse", "mice, inbred c57bl": "mouse", "mice, nude": "mouse",
    "mice, inbred balb c": "mouse", "mice, knockout": "mouse", "mice, transgenic": "mouse",
    "mice, scid": "mouse", "rats": "rat", "rats, sprague-dawley": "rat", "rats, wistar": "rat",
    "dogs": "animal", "swine": "animal", "sheep": "animal", "cattle": "animal", "zebrafish": "animal",
    "rabbits": "animal", "cricetinae": "animal", "macaca mulatta": "animal", "drosophila": "animal",
    "disease models, animal": "animal", "xenograft model antitumor assays": "animal",
    "cell line, tumor": "in_vitro", "cells, cultured": "in_vitro", "cell line": "in_vitro",
}
NONHUMAN = ("mouse", "rat", "animal")

AGE_TERMS: dict[str, tuple[str, ...]] = {
    "child": ("child", "children", "childhood", "pediatric", "paediatric", "infant", "infants", "neonate",
              "neonates", "neonatal", "newborn", "newborns", "adolescent", "adolescents", "boys", "girls",
              "juvenile", "toddlers", "schoolchildren"),
    "adult": ("adult", "adults", "adulthood"),
    "elderly": ("elderly", "older adults", "older people", "older patients", "geriatric", "aged 65"),
}
MESH_AGES: dict[str, str] = {
    "child": "child", "child, preschool": "child", "infant": "child", "infant, newborn": "child",
    "adolescent": "child", "adult": "adult", "young adult": "adult", "middle aged": "adult",
    "aged": "elderly", "aged, 80 and over": "elderly",
}
# Adults and the elderly are both grown-ups: only children conflict with either.
AGE_CONFLICTS = {("child", "adult"), ("child", "elderly"), ("adult", "child"), ("elderly", "child")}

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
    (re.compile(r"\bcase reports?\b|\bwe (?:report|describe|present) (?:a|an|the|two|three) (?:\w+ ){0,4}?"
                r"(?:case|patient|man|woman|boy|girl)\b(?![\s-]*(?:management|series|control|study|studies|"
                r"definitions?|fatality|finding|mix|load|detection|notification|reports? form))|"
                r"\ba (?:rare )?case of\b"), "case_report"),
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

# Wording that makes a claim about a population, not one case or one model.
GENERAL_CUES = re.compile(
    r"\b(?:patients|people|individuals|adults|children|women|men|cases|most|majority|typically|usually|"
    r"generally|commonly|often|frequently|common|incidence|prevalence|risk|rates?|proportion|"
    r"approximately|about|overall|in general)\b|%|\bpercent\b")
# Wording that makes a claim about a single case or a model (then narrow evidence fits it).
SPECIFIC_CUES = re.compile(r"\bcase reports?\b|\ba (?:rare )?case\b|\bone patient\b|\ba patient\b|\bin mice\b|"
                           r"\bin rats\b|\bmodel\b|\bin vitro\b|\bcell lines?\b")


def _alternation(terms) -> str:
    return "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))


def _compile_map(mapping: dict[str, tuple[str, ...]]) -> tuple[re.Pattern, dict[str, str]]:
    lookup = {t: key for key, terms in mapping.items() for t in terms}
    return re.compile(r"(?<![\w-])(" + _alternation(lookup) + r")(?![\w-])"), lookup


SITE_RE, SITE_LOOKUP = _compile_map({k: s.terms for k, s in SITES.items()})
DISEASE_RE, DISEASE_LOOKUP = _compile_map({k: d.terms for k, d in DISEASES.items()})
ABBREV_LOOKUP = {a: k for k, d in DISEASES.items() for a in d.abbrevs}
ABBREV_RE = re.compile(r"(?<![\w-])(" + _alternation(ABBREV_LOOKUP) + r")(?![\w-])")
SPECIES_RE, SPECIES_LOOKUP = _compile_map(SPECIES_TERMS)
AGE_RE, AGE_LOOKUP = _compile_map(AGE_TERMS)


def disease_ancestors(d: str) -> set[str]:
    out = {d}
    while DISEASES[d].parent:
        d = DISEASES[d].parent
        out.add(d)
    return out


@dataclass
class Concepts:
    """What a text (or a record's MeSH) says about site, disease and population."""

    primary_sites: set[str] = field(default_factory=set)    # "ovarian cancer" -> ovary
    other_sites: set[str] = field(default_factory=set)      # mentioned, not as a place of spread
    secondary_sites: set[str] = field(default_factory=set)  # "liver metastases" -> liver
    diseases: set[str] = field(default_factory=set)
    species: set[str] = field(default_factory=set)
    ages: set[str] = field(default_factory=set)

    def topic_sites(self) -> set[str]:
        """The organ sites the text is about: its primary sites, else sites it names in passing."""
        s = self.primary_sites or self.other_sites
        return {x for x in s if not SITES[x].secondary_only}

    def conflict_sites(self) -> set[str]:
        """Sites named as where a disease is (the only ones that may conflict); passing mentions do not."""
        return {x for x in self.primary_sites if not SITES[x].secondary_only}

    def update(self, other: "Concepts") -> None:
        for f in ("primary_sites", "other_sites", "secondary_sites", "diseases", "species", "ages"):
            getattr(self, f).update(getattr(other, f))


def extract_concepts(text: str) -> Concepts:
    """Sites (primary, in passing, or where disease spread), diseases, species and ages named in text."""
    c = Concepts()
    low = text.lower()
    for m in SITE_RE.finditer(low):
        site = SITE_LOOKUP[m.group(1)]
        before = low[max(0, m.start() - 50):m.start()]
        # Parentheses are glosses ("ileal (small intestine) cancer"): look past them.
        after = re.sub(r"\([^)]*\)?", " ", low[m.end():m.end() + 60])
        role = "other"
        for w in _WORD.findall(after)[:4]:
            if w in PRIMARY_AFTER:
                role = "primary"
                break
            if w in SECONDARY_AFTER:
                role = "secondary"
                break
        # "metastatic colorectal cancer": the disease word after the site wins over "metastatic" before it.
        if role == "other" and SECONDARY_BEFORE.search(before):
            role = "secondary"
        elif role == "other" and (PRIMARY_BEFORE.search(before) or m.group(1) in _SELF_PRIMARY):
            role = "primary"
        {"primary": c.primary_sites, "secondary": c.secondary_sites, "other": c.other_sites}[role].add(site)
    for m in DISEASE_RE.finditer(low):
        c.diseases.add(DISEASE_LOOKUP[m.group(1)])
    for m in ABBREV_RE.finditer(text):
        c.diseases.add(ABBREV_LOOKUP[m.group(1)])
    for m in SPECIES_RE.finditer(low):
        c.species.add(SPECIES_LOOKUP[m.group(1)])
    for m in EXPERIMENTAL_MODEL.finditer(low):
        if not _NOT_EXPERIMENTAL.search(low[max(0, m.start() - 25):m.start()]):
            c.species.add("animal")
    for m in AGE_RE.finditer(low):
        c.ages.add(AGE_LOOKUP[m.group(1)])
    # Sites named both as a primary and as a place of spread are primary.
    c.secondary_sites -= c.primary_sites
    c.other_sites -= c.primary_sites | c.secondary_sites
    return c


# Site words that name a tumour by themselves.
_SELF_PRIMARY = {"hepatocellular", "cholangiocarcinoma", "nsclc", "sclc", "hcc", "crc", "melanoma", "glioma",
                 "glioblastoma", "osteosarcoma", "hnscc", "leukemia", "leukaemia", "myeloma", "urothelial",
                 "cervical cancer", "cervical carcinoma"}


def mesh_concepts(descriptor: str, qualifiers: list[str] | tuple[str, ...] = ()) -> Concepts:
    """Concepts of one MeSH heading; qualifier 'secondary' marks a place of spread."""
    low = descriptor.lower()
    c = extract_concepts(descriptor)
    if low in MESH_SITE_NAMES:
        c.primary_sites.add(MESH_SITE_NAMES[low])
    if low in MESH_SPECIES:
        c.species.add(MESH_SPECIES[low])
    if low in MESH_AGES:
        c.ages.add(MESH_AGES[low])
    if any(q.lower() == "secondary" for q in qualifiers):
        c.secondary_sites |= c.primary_sites | c.other_sites
        c.primary_sites = set()
        c.other_sites = set()
    elif c.other_sites and low.endswith(("neoplasms", "diseases", "tumor", "carcinoma")):
        c.primary_sites |= c.other_sites
        c.other_sites = set()
    return c


def site_conflicts(a: set[str], b: set[str]) -> tuple[bool, bool]:
    """(conflict, same_organ) for two sets of topic sites.

    Conflict when both name sites and no organ is shared; same_organ when they
    share an organ but no site (duodenum against ileum).
    """
    if not a or not b:
        return False, False
    if a & b:
        return False, False
    oa = {SITES[x].organ for x in a}
    ob = {SITES[x].organ for x in b}
    if oa & ob:
        # "small intestine" against "ileum" is the same place; "duodenum" against "ileum" is not quite.
        generic = {x for x in a | b if SITES[x].organ == x or x in ("colorectal",)}
        if generic & (a | b):
            return False, False
        return False, True
    return True, False


def diseases_conflict(a: set[str], b: set[str]) -> bool:
    """Both name diseases and none is the same as, or a kind of, one in the other."""
    if not a or not b:
        return False
    for x in a:
        ax = disease_ancestors(x)
        for y in b:
            if y in ax or x in disease_ancestors(y):
                return False
    return True


def species_group(species: set[str]) -> str:
    """human, nonhuman, in_vitro, or '' when the text does not say."""
    if "human" in species:
        return "human"
    if species & set(NONHUMAN):
        return "nonhuman"
    if "in_vitro" in species:
        return "in_vitro"
    return ""


def describe(c: Concepts) -> str:
    """A short name of what the text is about: "ovarian cancer", "ileal neuroendocrine tumours"."""
    sites = c.topic_sites()
    # Drop the generic part when a more specific one of the same organ is named.
    specific = {s for s in sites if not (SITES[s].organ == s and any(SITES[o].organ == s and o != s for o in sites))}
    if "colorectal" in specific and specific & {"colon", "rectum"}:
        specific.discard("colorectal")
    dis = {d for d in c.diseases if not any(d != o and d in disease_ancestors(o) for o in c.diseases)}
    site_words = " / ".join(sorted(SITES[s].label for s in specific))
    dis_words = " / ".join(sorted(DISEASES[d].label for d in dis))
    if not dis_words and specific:
        dis_words = "disease"
    text = " ".join(x for x in (site_words, dis_words) if x)
    g = species_group(c.species)
    if g == "nonhuman":
        kinds = sorted(c.species & set(NONHUMAN))
        text = (text + " " if text else "") + ("in an animal model" if kinds == ["animal"] else
                                                "in " + " and ".join("mice" if k == "mouse" else k + "s" for k in kinds))
    elif g == "in_vitro":
        text = (text + " " if text else "") + "in cell lines"
    if c.ages & {"child"} and not c.ages & {"adult", "elderly"}:
        text += " in children"
    return text.strip()



def background_df() -> tuple[dict[str, int], int]:
    """Document frequencies of stemmed words over a background of biomedical abstracts.

    Common words get a low weight in the lexical score, and a word missing here
    counts as rare.  Built by ``python -m audit.evaluation.evaluate build-df`` from the PubMed
    records and the Citation-Integrity corpus in shared/data (SciFact is left out
    so that the SciFact evaluation does not see its own corpus); words in fewer
    than 5 of the 3751 documents are left out.
    """
    df = {}
    for item in _BACKGROUND_DF.split():
        word, count = item.rsplit(":", 1)
        df[word] = int(count)
    return df, _BACKGROUND_N


_BACKGROUND_N = 3751
_BACKGROUND_DF = """
0001:64 00032:7 00097:7 000:64 001:165 002:13 003:17 0048:7 004:6 005:21 006:5 0074:7 007:9 0082:7 008:5 00:16
011:8 013:11 015:5 019:6 01:90 023:17 027:8 02:60 03:41 049:6 04:42 057:5 05:101 064:8 06:25 07:34 084:6 08:59
098:7 09:56 0:752 1000:22 100:118 1011:7 101:13 102:22 103:27 104:29 105:45 1062:6 106:12 107:20 108:14 109:19
10:490 110:17 111:5 112:18 113:12 114:7 115:7 116:27 117:12 119:10 11:262 120:6 122:5 123:7 124:5 125:6
1273:31 127:6 12:324 130:20 132:6 134:5 135:8 138:6 139:5 13:235 1400:7 140:16 141:9 145:16 146:7 148:5 14:271
1500:6 150:26 155:8 159:8 15:246 160:10 162:19 16:198 16s:6 171:6 173:12 175:10 177:11 178:10 179:17 17:268
1800:7 180:6 181:5 184:9 185:13 187:7 189:5 18:313 190:7 1916:11 1918:5 191:5 193:9 196:10 1980:8 1983:6
1984:7 1985:7 1988:12 1990:22 1993:6 1994:18 1995:8 1996:8 1997:13 1998:24 1999:32 199:10 19:851 1:1361 1a:92
1b:52 1c:31 1d:42 1e:26 1f:32 1h:8 1i:6 1l:5 1r:5 2000:49 2001:23 2002:56 2003:33 2004:49 2005:69 2006:83
2006a:9 2007:102 2008:83 2009:149 200:66 2010:142 2011:55 2012:104 2013:75 2014:57 2014a:10 2015:47 2016:39
2017:34 2018:44 2019:96 201:5 2020:204 2020a:18 2020b:7 2021:8 2022:7 2025:8 203:5 207:9 208:12 209:9 20:325
211:12 212:5 217:5 219:6 21:224 222:15 224:5 22:191 231:22 235:5 237:5 23:178 240:6 241:5 244:14 248:6 24:217
250:9 251:5 256:10 257:5 25:244 260:5 267:5 269:6 26:122 27:202 280:11 282:13 285:6 28:163 293t:10 29:172
2:1593 2a:55 2b:38 2c:36 2d:35 2e:17 2f:8 3000:6 300:14 309:8 30:232 31:117 32:120 33:122 345:10 349:8 34:133
350:7 359:5 35:128 366:9 369:9 36:131 37:114 383:14 386:10 38:84 395:5 39:91 3:895 3a:47 3b:26 3bnc117:6 3c:11
3d:35 3e:9 3f:9 3g:7 400:17 40:147 411:12 41:96 42:95 430:5 435:7 43:65 444:7 447:9 44:89 45:84 46:92 473:9
47:80 488:7 48:109 49:81 4:694 4a:59 4b:27 4c:37 4d:16 4e:20 4f:11 4g:13 4h:24 500:33 50:185 51:79 521:11
524:11 52:88 530:11 533:7 53:76 53bp1:30 541:8 54:66 55:80 56:89 5734:18 57:59 58:72 591:5 59:78 5:769 5a:7
5b:12 5c:10 5d:10 5e:6 5f:5 5xfad:9 600:11 60:104 61:51 6216:5 621:5 627:12 62:59 63:52 64:84 655:7 65:133
66:62 67:37 68:50 699:11 69:44 6:668 6a:9 6b:10 6c:6 6d:5 6pl:14 6vsb:17 700:7 70:83 71:66 72:52 73:64 745:5
74:54 753:5 75:72 761:8 767:7 76:43 77:52 78:67 79:56 7:558 7a:11 7b:6 7c:10 7d:8 800:11 80:89 81:64 82:41
83:93 84:44 85:79 860:6 866:5 86:32 87:45 88:68 89:56 8:514 8q24:9 900:10 9025:7 903:5 90:69 91:39 925:13
926:9 92:31 93:47 94:48 95:284 96:56 97:43 98:43 997:11 99:24 9:438 a1:5 a1c:27 a2a:5 a2bp1:9 a549:18 aaa:16
abbott:6 abc:20 abca7:10 abdominal:17 aberrant:22 aberration:7 ability:156 abl2:5 ablat:5 ablation:11 able:60
abnormal:60 abnormality:66 abolish:18 abrogat:26 abrupt:12 abs:8 absenc:87 absent:30 absolut:17 absorption:6
abstain:7 abstract:15 abundanc:32 abundant:28 abus:20 academ:15 accelerat:68 accept:19 acceptanc:5 access:147
accessibility:7 accessibl:28 accession:5 accessory:6 accompani:23 accompany:8 accomplish:8 accord:117
accordanc:15 according:20 account:97 accumulat:67 accumulation:127 accuracy:30 accurat:35 ace2:164 ace:14
acetat:7 acetonid:10 acetyl:5 acetylation:5 acetylglucosamin:14 achard:12 achiev:144 acid:135 acknowledg:18
aclf:5 acquir:47 acquisition:15 across:201 acs:7 act:78 actin:9 action:100 activ:123 activat:215
activation14:7 activation:245 activator:14 activity:461 actt:10 actual:23 acuity:12 acut:224 ad26:61 ad:71
ada:15 adam17:5 adam:11 adapt:33 adaptability:6 adaptation:17 adaptiv:72 adaptor:14 adc:10 adcd:10 add:44
addict:11 addiction:21 addition:228 additional:238 additiv:16 address:82 ade:5 adenosin:8 adenoviral:6
adenovirus:31 adequat:31 adgc:10 adher:6 adherenc:29 adherent:7 adhesion:23 adipocyt:24 adipogenes:9 adipos:42
adiposity:7 adjacent:13 adjust:102 adjustment:49 adjuvant:7 administer:57 administration:95 admission:46
admitt:46 adnka:8 adnp:9 adolescent:39 adopt:22 adoption:7 adoptiv:20 adp:7 adrenal:8 adrenerg:5 adult:275
advanc:91 advancement:5 advantag:32 advers:183 adversity:12 aerob:7 af:7 affect:237 affinity:46 affirm:12
afford:6 affymetrix:5 africa:22 african:90 afucosylat:5 ag:22 age:349 aged:122 agency:17 agent:111 aggregat:23
aggregation:20 aggressiv:24 aging:86 ago:7 agonist:17 agosta:10 agre:28 agreement:51 ags:19 ahead:10 ahs:6
aid:52 aim:149 air:5 airborn:19 airway:29 akt:12 alanin:13 albeit:16 albert:5 albumin:6 alcohol:70 alcon:5
algorithm:25 ali:8 align:24 alignment:7 allel:51 allerg:7 allergy:8 alleviat:20 allocat:8 allocation:11
alloster:7 allow:131 almost:46 alon:89 along:38 alongsid:17 alpha:29 already:41 alter:93 alteration:57
alternativ:75 alveolar:34 alveoli:11 alway:15 alzheimer:53 ameliorat:12 amelioration:6 america:12 american:153
amino:49 amount:83 amp:8 ampk:10 amplicap:5 amplifi:25 amplification:14 amplify:5 amplitud:5 amputation:8
amyloid:26 analges:7 analgesia:10 analog:10 analogu:8 analogy:6 analys:738 analysis4:6 analytical:12
analyz:126 anatom:5 anatomical:16 anatomy:5 anchor:13 anchorag:7 ancient:6 anesthes:8 anesthesia:18
anesthesiologist:9 anesthetiz:5 angel:6 angiogenes:17 angiotensin:39 angl:10 animal:337 anion:9 anneal:6
annotat:9 annotation:12 annual:32 anomaly:12 another:72 anova:6 answer:15 antagonis:12 antagonist:68 antenn:5
anterior:22 anti:124 antibios:11 antibiot:14 antibody:197 anticipat:20 anticoagulant:14 anticoagulation:20
antidepressant:15 antigen:55 antigenicity:5 antihypertensiv:11 antimicrobial:14 antioxidant:20 antiplatelet:8
antipsychot:5 antiretroviral:60 antithrombos:6 antiviral:102 anxiety:42 aom:9 aor:31 aort:8 ap:22 apart:6
ape:10 apical:7 apico:5 apnea:23 apoptos:70 app:73 apparatus:17 apparent:36 appear:170 appearanc:8 appendix:47
appli:57 applicabl:19 application:51 apply:18 appointment:5 appps1:9 appraisal:5 appreciat:5 approach:175
appropriat:50 approv:28 approval:8 approximat:77 april:29 arabia:6 arb:14 architectur:27 ard:18 area:110
argu:20 arguab:8 argument:32 aris:46 arm:28 around:91 array:44 arrest:27 arrhythmia:19 art:77 arterial:21
artery:15 arthralgia:6 arthrit:23 articl:58 artifact:5 artificial:6 arumugam:6 asc:11 ascertain:8 ascit:9
asd:72 asia:20 asian:41 ask:40 aspect:71 assay1:7 assay:97 assemb:37 assembl:22 assertion:15 assess:348
assessment:88 assign:33 assignment:8 assist:34 associat:856 association:299 assum:34 assumption:14 asthma:40
astigmatism:7 astrazeneca:15 astrocyt:12 asymmetr:5 asymptomas:34 at1:8 atg4:5 atheroscleros:15 athym:6
atmospher:7 atom:6 atp:21 atpas:23 atrial:15 atrium:7 attachment:19 attack:19 attain:9 attempt:40 attend:15
attende:5 attention:50 attenuat:60 attractiv:15 attribut:45 attributabl:24 atypical:6 auc:5 auditory:9
augment:36 augmentation:7 august:7 australia:10 author:70 authority:23 authoriz:9 autis:18 autism:63
autoimmun:13 automas:5 automat:13 autonomous:13 autophag:28 autophagosom:15 autophagosomal:6 autophagy:72
autophosphorylation:5 autosomal:11 autumn:12 availability:42 availabl:152 avenu:5 averag:88 avidity:20
avium:10 avoid:44 avoidanc:11 awar:14 awareness:6 axis6:8 axis:46 azoxymethan:8 b6c3f1:8 b:271 back:27
background:121 bacteria:31 bacterial:67 bacteroid:12 baggio:10 bal:26 balanc:29 balb:6 bank:14 bao:6 bar:15
barcod:11 barrier:61 basal:59 base:23 baselin:149 basement:5 basic:28 basis:99 bat:9 bauza:7 bayesian:5 bead:9
beal:16 bear:15 beat:8 becam:21 beck:5 becom:84 bed:10 bedridden:12 began:23 begin:15 beginn:23 begun:6
behavior:236 behavioral:86 behaviors16:7 behind:10 belief:22 believ:21 belong:18 benchmark:18 beneficial:57
benefit:122 benign:6 bereav:7 besid:16 best:69 beta:32 betacoronavirus:22 better:79 beverag:14 beyond:48
bia:37 bias:13 biennial:6 bifurcation:5 biguanid:5 bilateral:18 billion:8 bin1:9 bin:10 binary:7 bind:239
bio:6 bioactiv:5 bioavailability:5 biochemical:50 biodiversity:5 biogenes:5 bioinformat:9 biolog:6
biological:92 biology:40 biomarker:43 biomechanical:5 biomedical:5 biontech:14 biopsy:17 biopython:6
biosynthes:13 biotechnology:6 birsoy:13 birth:29 bivariat:5 biweek:5 black:87 bladder:7 blastocyst:5 bleed:30
blind:31 blindness:5 block:83 blockad:27 blocker:27 blood39:6 blood:144 bloodstream:16 bloom:8 blot:12 blott:5
blue:22 blunt:13 bmi:50 bnt162b2:57 board:8 body:183 bolus:5 bond:10 bone:61 boost:21 borderlin:6 born:22
bottleneck:5 bottom:5 bound:56 boundary:14 bouvier:10 bowel:34 box:6 bp:31 brain:191 branch:21 brazil:16 brc:6
brca1:32 brca1sco:8 brca2:26 break:13 breakfast:12 breast:105 breath:20 bred:6 breslow:8 brh2:7 bridg:7
brief:25 bring:9 british:6 broad:64 broader:11 bronchial:8 bronchoalveolar:16 brook:9 brown:13 bsr:9
buckner:14 buffer:21 build:11 built:10 bulk:19 bullmor:14 bunt:7 bupivacain:6 burden:67 burgoa:15 burn:5
bypass:7 c12:5 c432d:9 c57bl:15 c:273 ca:17 cac:21 cadherin:39 cafeteria:5 calcium:31 calculat:41
calculation:11 calendar:5 calibration:8 california:11 call:48 calor:8 calu:9 came:8 camouflag:10 camp:5
campaign:13 campisi:5 canada:29 cancer:302 cancers21:6 candidat:59 canin:6 cannot:74 canonical:5 capability:15
capabl:22 capacity:65 capsid:34 capsul:5 captur:52 car:11 carbohydrat:24 carbon:8 carcinoma:25 cardiac:48
cardiomyocyt:22 cardiomyopathy:6 cardiovascular:154 care:273 careful:20 caregiver:7 carnitin:19 caroni:7
carri:19 carrier:8 carry:25 cartwright:9 cascad:16 case:335 cases6:8 casp1:15 casp8:10 caspas:61 catalog:16
catalys:9 catalyz:18 cataract:15 categoriz:13 category:52 catenin:5 catheter:17 cation:9 caucasian:33 caus:360
causal:28 causality:6 causation:11 causativ:14 caution:5 cc12:17 cc6:15 cc:8 ccat2:26 cccp:25 ccl20:9 ccl2:28
ccl8:21 cd11b:7 cd11c:6 cd24:10 cd24low:6 cd28:5 cd2ap:10 cd33:12 cd3:6 cd44:15 cd44high:6 cd45:7 cd49f:6
cd4:57 cd8:41 cd8b255r1:8 cd:21 cdc:22 cdna:20 cdr:8 cdva:5 cecal:5 cefficient:21 cell:1047 cells42:7 cells7:6
cellscript:5 cellular:168 censor:12 census:5 center:94 centr:21 central:83 centrality:6 century:5
cerebellum:13 cerebral:18 cerevisi:6 certain:62 cervical:5 cesarean:6 cessation:8 ceu:5 cexist:9 chadox1:53
chain:70 challeng:216 challenge1:12 chamber:10 chan:6 chanc:8 chang:363 channel:10 character:24 characteris:42
characterist:123 characteriz:185 charg:9 chart:8 chd:10 cheaper:7 check:8 checkpoint:5 chemical:30 chemistry:5
chemoattractant:15 chemokin:70 chemoresistanc:18 chemoresistant:7 chemotacs:9 chemotherapy:36 chen:14 chest:9
chi:6 child:40 childhood:8 children:110 china:60 chines:14 chip:10 choic:20 cholesterol:45 cholin:5 chosen:7
chromatin:21 chromatography:8 chromosom:9 chromosomal:26 chron:205 chronical:22 chronological:8 chs:12
chymotrypsin:15 ci:221 cidi:8 circuit:14 circuitry:21 circular:5 circulat:61 circulation:27 circumstanc:25
circumvent:7 cirrhos:63 cis:28 cisplatin:8 citation:7 city:15 ck:5 clad:16 claim:8 clarify:6 class:80
classical:16 classifi:32 classification:14 classify:5 claudin:22 cld:28 clear:115 clearanc:36 cleav:17
cleavag:35 climat:6 clin:30 clinical:476 clinicaltrial:8 clinician:30 clock:5 clon:36 clonal:7 clopidogrel:5
clos:80 closur:21 cloud:14 clu:9 cluster:54 cm:25 cms:25 cmv:13 cne:8 cns:7 cnv:6 co:101 coagulation:14
coat:18 cocain:10 cochran:5 cocktail:21 cod:44 code:9 codon:5 cofactor:8 cognat:8 cognition:13 cognitiv:77
cohort:164 coincid:5 coincident:9 coli:17 colit:36 collaboration:33 collaborativ:15 collagen:10 collaps:5
colleagu:15 collect:83 collection:40 collectiv:82 colleg:11 colon:74 coloniz:50 colony:12 color:18
colorectal:27 column:7 com:15 combat:13 combin:85 combination:150 come:28 commensal:17 comment:9 commentary:9
commercial:13 committe:5 common:277 communicabl:9 communicat:5 communication:24 community:128 comorbid:29
comorbidity:94 compact:5 companion:5 company:6 compar:621 comparabl:42 comparativ:26 comparison:78
compartment:29 compartmental:23 compassionat:5 compatibl:10 compensat:11 compensation:8 compet:31
competition:13 competitiv:7 complain:5 complaint:5 complement:17 complementary:9 complet:153 completeness:5
completion:17 complex:236 complexity:12 complianc:9 complicat:9 complication:116 component:121 compos:17
composit:19 composition:71 compound:37 compr:32 comprehensiv:33 compression:14 comprom:14 compulsiv:26
comput:19 computat:18 computer:6 conceiv:6 concentrat:15 concentration:117 concept:23 conceptualiz:5
concern:80 conclud:97 conclusion:334 concomitant:22 concordanc:6 concurrent:18 condition:232 conditional:16
conduct:150 cone:7 confer:20 conferenc:7 conferr:18 confidenc:69 confin:26 confinement:13 confirm:208
confirmation:14 conflict:32 conformation:19 confound:17 confounder:9 congenital:16 conjugat:11 connaughton:6
connect:32 connection:21 connectom:12 consecutiv:21 consensus:27 consent:8 consequenc:71 consequent:40
conserv:48 conservation:9 conservativ:5 consider:160 considerab:11 considerabl:36 consideration:47 consist:56
consistency:7 consistent:416 consortium:25 conspiracy:6 constant:37 constellation:8 constitut:16
constitutiv:31 constrain:11 constraint:18 construct:42 construction:9 consultant:11 consum:42 consumption:92
contact:113 contain:142 containment:13 contamination:5 contemporary:11 content:45 context:144 continu:102
continuation:8 continuous:54 continuum:22 contract:6 contradict:8 contradictory:6 contraindicat:10
contraindication:9 contrary:14 contrast:173 contraversiv:5 contribut:381 contribution:77 contributor:25
control:521 controll:140 controller:5 controversial:9 controversy:8 convalescent:35 conven:5 convenienc:15
conventional:48 converg:11 convergenc:9 convergent:7 convers:26 conversion:13 convert:44 convey:7 cook:16
cooperat:8 cooperativ:18 coordinat:46 cop:13 copd:8 copp:5 copri:18 copy:49 cordain:5 core:22 corneal:15
coronary:93 coronavirus:224 correct:28 correction:17 correlat:233 correlation:82 correlativ:7 correspond:47
correspondenc:7 corresponding:11 corroborat:22 cortex:24 cortical:31 corticosteroid:54 cost:47 cough:14
council:5 count:55 countermeasur:23 counterpart:8 country:135 county:32 coupl:71 cours:90 cov2:8 cov:625
covariat:15 cover:18 coverag:9 covid:692 cox:10 cp:14 cr1:9 cr:13 cra:5 crc:14 cre:28 creat:69 creatinin:8
creation:5 crest:5 cripto:9 cris:36 criteria:72 criterion:5 critical:208 crl4dcaf1:17 crohn:18 cross:90 crs:5
crucial:40 crud:5 cryo:27 cryopreserv:5 cryopreservation:9 crystal:14 csf:11 ct:13 culminat:9 cultur:59
cultural:10 cumulativ:28 cure:12 current:264 curv:46 customiz:5 cut:5 cutaneous:7 cvd:50 cx3cr1gfp:5 cxcl10:6
cxcl16:26 cxcl1:7 cxcl2:23 cxcl3:5 cxcl5:5 cxcl6:5 cxcl8:17 cxcl9:18 cxcr6:18 cycl:66 cyclophilin:5 cylinder:6
cyst:8 cystein:17 cytochrom:7 cytokeratin:25 cytokin:136 cytomegalovirus:9 cytometr:6 cytometry:5 cytoplasm1:5
cytoplasm:29 cytosol:30 cytotox:12 cytotoxicity:7 d1:6 d2:14 d2r:22 d3:5 d:177 dai:43 daly:9 damag:115 dash:8
data10:6 data:1097 databas:70 dataset:44 date:32 day:301 dbp:5 dc:19 dcaf1:12 dct:7 ddit4:5 de:71 deal:7
death:264 debat:13 debilitat:5 debr:8 decad:34 decay:5 december:24 decision:56 declin:141 decompensat:11
decompensation:32 decreas:336 deem:6 deep:58 defect:39 defectiv:24 defenc:14 defens:36 defensin:5
deficiency:52 deficient:83 deficit:66 defin:190 definit:11 definition:26 definitiv:14 degeneration:6 degrad:21
degradation:85 degre:86 dehydrogenas:15 delay:59 delet:13 deleterious:26 deletion:44 deliver:39 delivery:39
demand:31 dementia:28 demograph:63 demonstrat:536 demonstration:12 den:11 dendris:14 dens:32 density:53
dental:6 dentat:12 department:20 depend:109 dependenc:10 dependency:5 dependent:249 depict:5 deplet:28
depleted14:11 depletion:58 deploy:13 deployment:9 depolariz:48 deposit:12 deposition:35 depot:17 depress:7
depression:75 depressiv:37 deprivation:6 depth:13 derangement:8 deregulat:11 deregulation:5 deriv:179
derivativ:6 describ:201 described30:5 described9:10 descriptiv:7 design:190 designat:11 desir:5 despit:142
dessert:6 destabiliz:5 destruction:5 detail:76 detect:169 detectabl:48 detection:59 deterioration:15
determin:334 determinant:48 determination:17 deterr:5 detrimental:10 devastat:13 develop:338 development:309
developmental:41 deviation:22 devic:25 dexamethason:13 dextran:10 dharmasena:18 dhillon:5 di:5 diabes:32
diabet:263 diagnos:231 diagnost:6 diameter:5 diarrhea:11 diarrheal:7 diastol:16 dic:17 dichotomous:5 dictat:15
die:8 died:36 diet:106 dietary:68 dietz:15 differ:120 differenc:225 different:287 differential:76
differentiat:38 differentiation:62 differentiativ:5 difficult:30 difficulty:28 diffus:6 diffusion:12 digest:14
digestiv:5 digital:17 dilat:6 dilution:10 dimension:8 dimensional:23 dimer:23 diminish:74 din:9 dinis:5 dio:5
diopter:14 diptera:6 direct:374 direction:30 directional:9 disability:50 disadvantag:5 disappear:7 disaster:7
discharg:33 disclosur:32 discontinu:24 discontinuation:21 discordant:5 discover:42 discovery:75 discrepancy:19
discret:20 discriminat:12 discrimination:9 discuss:66 discussion:19 diseas:912 disintegration:5 dislocation:5
disorder:157 disparat:9 disparity:54 dispens:8 dispersion:12 displac:11 displacement:8 display:77
disproportional:14 disproportionat:37 disrupt:33 disruption:38 dissect:5 disseminat:8 dissemination:18
dissociation:5 distal:23 distanc:92 distant:27 distinct:92 distinctiv:6 distinguish:34 distress:69
distribut:18 distribution:95 distrust:11 disturbanc:6 disulfid:5 diverg:6 divergenc:8 divergent:18 divers:101
diversity:41 divid:23 division:6 dl:26 dme:25 dms:6 dmso:5 dna:136 dock:7 doctor:6 document:26 documentation:6
dog:6 domain:128 dominant:22 dominat:30 donor:23 dopamin:17 dopaminerg:15 dormant:5 dorsal:8 dos:12 dosag:11
dose:233 doubl:69 download:10 downregulat:23 downregulation:13 downstream:57 dpc:23 dpi:62 dr:44 dramas:10
dramatical:17 draw:5 drawn:10 drb1:5 drift:5 drink:30 drinker:7 drinking106:5 driv:55 driven:101 driver:32
dropp:12 drosophila:27 drug:239 dry:11 ds1:7 dsb:13 dsdna:8 dsm:11 dss:29 dti:14 dtm:7 duah:5 dual:12 due:258
duodenum:8 duplex:5 durabl:8 duration:111 dying:14 dynam:134 dynamical:8 dysbios:13 dysfunction:137
dysfunctional:23 dyslipidemia:8 dysplasia:6 dysregulation:42 e1:10 e2:15 e3:58 ear:199 earlier:62 earliest:7
earth:5 easi:14 easier:8 east:35 easy:9 eat:100 ebola:11 ebov:8 ec50:15 ecg:6 echocardiograph:6
echocardiography:8 ecm:27 ecmo:14 ecological:18 econom:51 economy:10 ectodomain:8 ectop:20 edema:15 edge:18
edit:12 edition:6 edu:5 educat:10 education:57 effect:676 effectiv:195 effectiveness:55 effector:40
efficacious:14 efficacy4:6 efficacy:201 efficiency:65 efficient:56 effort:76 egfr:7 egg:6 ehr:11 eight:57
eighteen:6 eighty:8 el:24 elder:31 electiv:9 electrical:16 electrocardiogram:8 electrocardiograph:8 electrod:7
electromechanical:5 electron:66 electrophores:6 electrophysiological:5 elegan:14 element:52 elevat:122
elevation:31 eleven:5 elicit:56 elicitation:12 eligibility:19 eligibl:27 eliminat:21 elimination:44 elisa:30
elispot:6 elit:5 elsewher:6 elucidat:21 elusiv:7 em:28 embas:5 embedd:6 embryo:11 embryon:37 emerg:99
emergenc:62 emergency:19 emotional:15 emphas:11 emphasiz:19 empirical:22 employ:38 employe:5 employment:10
emt:70 enabl:45 encapsulat:8 encephalopathy:8 encod:87 encompass:25 encounter:5 encourag:20 encumber:6 end:131
endem:11 endocrin:8 endogenous:60 endometrial:6 endometrios:11 endoplasm:9 endors:14 endoscop:6 endoscopy:9
endothelial:31 endothelium:11 endpoint:7 energy:62 enforc:7 engag:27 engagement:27 engineer:10 england:9
engraft:14 engraftment:16 engulf:5 enhanc:230 enhancement:29 enhancer:25 enlargement:5 enough:23 enrich:58
enrichment:44 enroll:41 enrollment:26 enrolment:9 ensembl:7 ensu:17 ensur:80 enter:28 enterocyt:5 entir:30
entity:8 entrapment:10 entry:47 env:28 envelop:14 environment:65 environmental:55 enzym:105 enzymas:6 eosin:7
epcam:6 epha1:11 epicenter:5 epidem:81 epidemiolog:16 epidemiological:47 epidemiology:30 epidermal:7
epididymal:12 epidural:5 epigenes:23 epilepsy:16 episod:52 epithelial:151 epithelium:36 epitop:49 eqtl:8
equal:31 equation:13 equipment:5 equivalent:25 er:25 era:34 erk1:7 erk:8 erler:5 error:31 es:17 escap:29
escherichia:9 esophageal:6 especial:128 essential:82 est:8 establish:151 establishment:27 estimat:215
estimation:12 estrogen:8 ethn:43 ethnicity:23 etiology:35 europ:8 european:20 evad:10 evaluat:315
evaluation:73 evasion:15 even:189 event:181 events3:8 eventual:11 ever:21 every:46 evidenc:431 evident:19
evok:6 evolution:32 evolutionari:9 evolutionary:35 evolv:30 ex:7 exacerbat:54 exacerbation:9 exact:10
examin:223 examination:38 exampl:109 exce:9 exceed:29 exceeding:5 excellent:18 except:25 exception:28
excess:58 excessiv:33 exchang:25 excitatory:6 exclud:45 exclusion:24 exclusiv:14 exemplifi:8 exerc:27 exert:35
exhibit:148 exist:101 existenc:14 exit:6 exogenous:44 exon:29 exonucleas:11 expand:33 expansion:33 expect:124
expectancy:43 expectation:18 expenditur:7 experienc:136 experiment:133 experimental:160 expert:13 explain:95
explanation:35 exploit:15 explor:83 exponential:5 expos:43 exposur:123 express:294 expression:573 expulsion:6
extend:241 extension:20 extensiv:51 extent:52 external:27 extinction:8 extra:8 extracellular:38
extracorporeal:5 extract:30 extraction:13 extrapolat:17 extrapolation:7 extravasation:7 extrem:41 extremity:17
exuberant:7 eye:59 ezh2:7 f:63 fa4:5 fac:12 face:25 facet:13 facial:5 facilitat:141 facility:15 fact:42
factor:587 fail:44 failur:102 falciparum:6 fall:11 fals:12 fami:43 familial:10 family:17 far:58 fashion:26
fast:45 faster:25 fat:107 fatal:28 fatality:36 fate:9 fatigu:25 fatty:30 favor:11 favorabl:25 fc:24 fcgbp:5
fda:21 fdr:6 fear:9 feasibility:7 feasibl:22 featur:186 february:21 fecal:39 fece:10 fed:14 federal:6 feed:27
feedback:7 feel:10 fell:9 felt:5 femal:85 femtosecond:7 ferret:66 fertility:10 fertiliz:13 fetal:12 fever:16
fewer:34 fgf21:20 fiber:32 fibrillation:11 fibrin:7 fibroblast:28 fibronectin:6 fibros:12 fidelity:7 field:37
fifty:8 fig:634 figur:355 filament:17 file:23 fill:10 film:5 filter:19 final:103 financial:48 find:559 fine:13
firm:10 firmicut:8 first:423 fission:13 fit:28 fitness:24 fitt:7 five:75 fix:7 fixation:24 flank:10 flat:7
flegal:11 flexibility:6 flie:17 float:5 flow:52 flox:9 fluctuation:8 fluid:30 fluorescenc:24 fluorescent:8
flux:13 fly:8 fndc5:7 focal:12 foci:11 focus:114 fold:113 foldon:5 follow:430 food:107 footprint:5 forc:46
foreign:5 form:167 format:5 formation:138 former:30 formula:9 formulat:6 formulation:9 forty:11 forward:19
found:419 foundation:14 four:109 fourfold:5 fourth:22 fowler:7 fox1:6 foxp3:20 fpkm:7 fraction:45 fractur:7
fragment:17 fragmentation:9 frail:6 frailty:6 fram:22 framework:28 franc:6 frank:5 free:110 frequency:121
frequent:102 fresh:16 fri:13 friedrich:6 friend:7 frontal:10 frontlin:11 frontotemporal:10 fruit:21 fsp1:9
fto:24 fucosylat:20 fucosylation:6 fuel:7 ful:84 fulfill:6 full:105 function:498 functional:246
functionality:10 fund:23 fundamental:47 furin:7 furthermor:154 fusion:48 futur:97 g502:6 g502d:9 gain:118
gamma:19 gammaproteobacteria:5 ganglia:14 gap:23 garibaldi:10 gas:6 gastr:12 gastrointestinal:41 gateway:15
gave:9 gbd:6 gcamp3:16 gd:7 geci:8 gehan:8 geisler:9 gel:19 genbank:7 gender:26 gene:443 genera:6 general:240
generaliz:37 generat:147 generation:80 genes:176 genet:33 genetical:58 genom:166 genotyp:30 genuin:5 genus:6
geo:7 geograph:8 geographical:9 germ:8 germany:9 germinal:7 germlin:6 ges:7 gestat:6 get:16 gett:5 gfap:10
gfp:36 gh:10 gi:21 giavrid:5 gill:13 girl:10 gisaid:7 giv:10 give:18 given:220 gland:10 glandular:5 glass:19
glcnac:15 glcnact:14 glia:8 glial:18 glob:10 global:125 glucocorticoid:18 glucocorticoids3:7 glucos:62
glutamin:9 glutathion:5 glycan:80 glycem:46 glycemia:20 glycoform:13 glycolipid:5 glycolys:7 glycopeptid:19
glycoprotein:64 glycosylat:28 glycosylation:67 gnotobios:6 go:15 goal:61 goblet:25 gohil:11 gold:6 golgi:21
gonadotropin:7 gong:6 good:43 gov:16 govern:8 government:58 governmental:8 gpc:16 grad:19 gradient:12
gradual:17 graft:25 grain:8 gram:10 grant:10 granul:10 granular:6 granulocyt:8 graph:23 gray:10 great:41
greater:168 greatest:31 green:26 grey:7 gross:5 group:492 grow:22 grown:14 growth:149 gs:23 gsea:5 gsh:11
gtpas:18 guid:63 guidanc:15 guidelin:37 guinea:11 gut:55 gwa:53 gyrus:14 h1n1:13 h2:7 h2o2:10 h3k27ac:5
h3k4me1:5 h3n1:5 h:99 ha:9 haan:5 habit:24 habitat:8 habitual:15 hace2:86 hai:6 half:47 hallmark:11 halt:6
hamster:14 hancock:8 hand:30 handl:7 haploinsufficiency:5 haplotyp:5 hapten:18 harbor:10 hard:8 harm:20
harmful:25 harr:5 harvest:8 hazard:21 hba1c:16 hcov:28 hct:14 hd:10 hdl:20 hdpp4:21 hdr:5 head:21 headach:22
heal:9 health:404 healthcar:56 healthful:5 healthier:24 healthspan:21 healthy:128 hear:5 heart:178 heat:13
heatmap:7 heavi:8 heavier:9 heavy:11 hebel:7 hedon:9 height:8 heighten:20 hek293t:8 hek:11 hela:19 held:11
helix:6 helminth:6 help:86 helpful:8 hemagglutinin:10 hematopoies:15 hematoxylin:7 heme:5 hemodynam:14
hemoglobin:8 hemorrhag:24 hemostas:17 henc:27 henchcliff:16 hendra:7 hepas:76 hepatit:6 hepatocyt:7 her2:9
herbicid:8 herein:18 heritability:21 heritabl:8 herp:10 hesc:25 hesitancy:25 heterodimer:10 heterogeneity:23
heterogeneous:12 heterologous:10 heterosexual:7 heterozygous:11 heuvel:10 hfd:16 hfh4:6 hierarchical:5
hierarchy:9 hif1:21 hif:17 high:829 higher:457 highest:93 highlight:119 hinder:28 hippocampal:26 hippocampi:6
hippocampus:17 hispan:32 histolog:5 histological:10 histon:9 histopathological:23 histopathology:19
historical:8 history:59 hit:7 hiv:288 hku1:29 hoc:5 hold:11 hollingsworth:7 hollingworth:6 holm:12 home:79
homebound:5 homeostas:39 homogenat:6 homogeneous:8 homolog:12 homologous:37 homologu:8 homology:15 hong:5
hormon:47 hormonal:5 hospital:111 hospitaliz:104 hospitalization:17 host:181 hot:8 hotair:23 hour:35 hous:10
household:16 hpa:16 hpiv3:9 hr:41 hrs:6 hs578t:7 hsc:22 html:6 http:18 hu:5 hub:28 human:586 humaniz:11
humans10:5 humans25:7 humoral:19 hundr:13 hybrid:22 hybridiz:15 hydrogen:6 hydrolys:7 hydroxychloroquin:6
hyper:6 hyperglycemia:10 hyperplasia:8 hypersecretion:6 hypersensitivity:12 hypertension:77 hypertrophy:6
hypofunctionality:11 hypoglycem:19 hypoglycemia:37 hypomorph:5 hypopnea:5 hyposensitivity:9 hypotension:7
hypothalam:10 hypothalamus:6 hypothes:132 hypothesis2:8 hypothesiz:86 hypothetical:10 hypox:9 hypoxia:30
iav:21 ibd:72 ic50:25 ic:23 icd:16 ics:21 icu:47 id:20 ide:6 idea:24 ideal:12 identical:30 identifi:277
identification:60 identify:167 identity:11 idiopath:6 idu:12 iec:15 ifn:120 ifnb:30 iga:7 igf:16 igfbp4:15
igg1:15 igg:19 ihc:6 ii:99 iii:72 il1ra:17 il:97 ileit:11 ileum:19 ill:31 illness:96 illumina:7 illustrat:37
ils:7 imag:67 imbalanc:22 immatur:6 immediat:63 immobility:7 immun:337 immunity:110 immuniz:41
immunodeficiency:13 immunofluorescenc:9 immunogen:48 immunogenicity:24 immunohistochemical:7
immunohistochemistry:10 immunolog:20 immunomodulat:8 immunomodulation:5 immunomodulator:9 immunomodulatory:16
immunoprecipitat:6 immunoprecipitation:6 immunosenescenc:12 immunosorbent:10 immunosuppression:11
immunosuppressiv:16 imp:27 impact:258 impair:106 impairment:77 impart:15 imped:6 impediment:5 implant:14
implantation:19 implement:27 implementation:28 implicat:111 implication:58 imply:24 import:11 importanc:103
important:395 impos:6 impressiv:5 improper:8 improv:208 improvement:168 imput:8 inability:9 inactiv:21
inactivat:26 inactivation:7 inadequat:13 inappropriat:17 inc:14 incidenc:135 incident:48 incision:9 incisor:5
includ:847 inclusion:23 incom:60 incomplet:13 incongruous:7 inconsistency:5 inconsistent:29 incorporat:19
incorporation:9 increas:1156 increasing:40 incremental:5 incubat:10 incubation:5 inde:55 independent:174
index:63 india:31 indian:7 indic:9 indicat:432 indication:18 indicator:20 indigenous:6 indirect:88
indisputabl:5 indistinguishabl:10 individual:524 individualiz:21 induc:517 inducer:14 inducibl:14
induction:108 ineffectiv:7 inequality:18 inequity:13 inevitabl:14 infancy:5 infant:32 infarct:12 infarction:41
infect:239 infection11:5 infection9:14 infection:720 infectious:88 infectiousness:11 infectiv:5 infectivity:14
infer:5 inferenc:14 inferior:8 inferr:7 infertility:9 infiltrat:14 infiltration:40 inflam:10 inflammag:12
inflammasom:47 inflammation:162 inflammatory:235 influenc:126 influenza:104 inform:48 information:128
informativ:5 infrequent:5 infusion:34 ingestion:6 inguinal:6 inhal:22 inherent:18 inherit:9 inhibit:232
inhibition:174 inhibitor:120 inhibitory:36 initial:150 initiat:86 initiation:86 initiativ:11 inject:12
injection:81 injur:7 injury:99 innat:91 inner:22 innovation:5 inoculat:17 inoculation:20 inoculum:7
inpatient:6 input:19 insect:5 insecticid:5 insert:14 insertion:7 insid:6 insight:51 instability:34 instanc:29
instead:43 institut:33 institution:20 institutional:10 institutionaliz:5 instruction:7 instrument:19
insufficiency:9 insufficient:27 insulin:78 insuranc:16 intact:47 intak:48 integrat:37 integration:12
integrativ:10 integrin:12 integrity:24 intellectual:7 intend:9 intens:21 intensity:48 intensiv:60 intention:9
inter:7 interact:58 interaction:154 interdisciplinary:5 interest:72 interesting:65 interfac:31 interfer:31
interferenc:14 interferometry:5 interferon:47 intergen:23 interim:9 interleukin:13 intermediat:42
intermittent:23 internal:10 internaliz:7 internat:107 international:6 internet:5 interpersonal:9 interplay:7
interpret:17 interpretation:26 intersect:5 interval:113 interven:9 intervention:205 interventional:6
interview:23 intestin:26 intestinal:78 intimat:5 intoleranc:9 intra:17 intracellular:25 intracytoplasm:6
intragastr:5 intrahepas:6 intranasal:38 intraocular:19 intraoperativ:8 intratracheal:5 intrauterin:6
intravasation:10 intravenous:34 intrigu:16 intrins:43 introduc:35 introduction:79 intron:15 intuitiv:5
invad:26 invasion19:7 invasion:81 invasiv:43 invasiveness:6 invers:17 investigat:212 investigation:42
investigator:20 involv:190 involvement:45 iol:12 ion:12 iqr:15 ir:16 irf3:13 irisin:7 iron:8 irradiat:5
irradiation12:6 irradiation:20 irrespectiv:17 irreversib:5 irx3:25 ischem:18 ischemia:19 isg:21 islet:6
isoform:25 isogen:9 isolat:101 isolation:44 isothermal:8 isotop:5 isrel:14 issu:57 ita:45 italian:7 item:25
iterativ:5 iu:11 iv:35 ivf:9 ix:5 j:40 jam2:6 january:22 japan:12 jersey:8 job:35 john:6 join:8 joint:18
journal:5 judg:6 july:25 junction:26 june:28 justify:11 juvenil:5 k18:64 k63:21 k:29 kadambari:6 kamel:7
kanki:5 kaplan:7 kb:9 kd:14 kda:9 keep:10 kenya:5 keratin:5 key:178 keyword:6 kg:63 kidney:50 kifunensin:13
kill:7 killer:13 kim:11 kinas:98 kind:5 kinet:32 king:5 kingdom:19 kit:13 knock:6 knockdown:45 knockout:20
know:10 knowledg:83 known:207 ko:5 kondapalli:5 kong:5 korea:14 kra:5 krtolica:5 kuter:5 l3:15 l455y:6 l:58
la:14 lab:8 label:50 laboratory:74 lack:149 lacking4:9 lactat:14 lamb3:5 lamc2:5 lamina:12 lamp:8 landmark:5
landscap:16 lane:5 langston:7 languag:8 laparoscop:5 larg:375 larger:91 largest:27 larv:7 larval:5 laser:13
last:58 lasv:16 late:55 latency:12 latent:23 later:72 lateral:20 latino:18 latt:25 latter:49 lattice3:10
launch:13 lavag:18 layer:36 lc3:10 ld:7 ldl:26 lead:366 leader:5 lean:15 learn:28 least:223 leav:18 led:101
lee:5 left:45 leishmania:7 leishmanias:7 leisur:10 len:16 lend:12 length:86 lengthen:7 lentiviral:6
lentivirus:25 lesion:70 less:234 lessen:6 lesser:8 lethal:27 leukocyt:13 level:737 levental:10 lever:7 li:28
liability:17 library:24 licens:9 lie:17 life:162 lifespan:48 lifestyl:88 lifetim:23 lift:8 ligand:23 ligas:44
light:60 like:544 likelihood:18 likew:11 limb:9 limit:213 limitation:74 lincrna:39 line:151 lineag:23
linear:33 lineariz:5 link:257 linkag:35 lip:10 lipid:62 lipodystrophy:5 lipoprotein:5 lipotox:7
lipotoxicity:11 liquid:12 list:36 literatur:99 littermat:17 littl:59 liu:13 liv:104 live:56 liver:143 lmwh:12
lncrna:35 load:88 lobe:18 loc285194:13 local:130 localiz:46 locat:38 location:35 loci1:5 loci:39 lock:5
lockdown:45 locomotor:15 locus:29 lod:16 log10:28 log2:6 log:25 logg:13 logis:28 london:10 loneliness:9
long:250 longer:79 longevity:29 longitudinal:70 look:31 loop:36 loos:6 lopinavir:16 los:14 lose:16 loss:209
lost:32 lot:7 louisiana:7 low:364 lower:438 lowest:36 lox:8 lps:24 lpv:22 lt:7 luc:9 luciferas:23 lumen:9
luminal:29 lung:221 lupus:6 ly49h:6 lying:7 lymph:19 lymphocyt:17 lymphoid:36 lymphopenia:8 lynch:6 lysat:6
lysin:8 lysosom:8 lysosomal:7 lytic:17 m12:8 m1:5 m2:20 m5:5 m9:5 m:80 ma:13 mab:55 mac:5 macaqu:84
macaques9:6 macroautophagy:5 macrophag:72 macroscop:5 macular:11 made:71 magazin:5 magnes:18 magnitud:68
main:129 maintain:109 maintenanc:32 major:226 majority:77 mak:33 make:53 maker:10 maladaptiv:7 malaria:18
male:142 malignancy:7 malignant:14 mammal:17 mammalian:40 mammary:28 mammospher:9 man5glcnac2:15 man9glcnac2:7
man:23 manag:30 management:65 mandat:13 mandibular:5 manifest:22 manifestation:18 manipulat:6 manipulation:13
mann:23 manner:84 mannos:18 mannosidas:14 manual:17 manufactur:5 manufacturer:11 manuscript:5 many:287
map3k7:5 map:39 mapk:12 mapp:57 marburg:7 march:48 margin:11 marginal:14 mark:111 marker:93 market:5 marrow:52
mask:16 mass:85 massachusett:10 massbiolog:8 massiv:14 master:15 match:30 material:116 maternal:10
mathematical:8 matrix:26 matsuda:9 mattapan:8 matter:17 matur:16 maturation:27 max:8 maxillary:10 maximal:8
maximum:32 mayd:7 mb:19 mccormack:5 mcginty:10 mcherry:9 mci:7 mcmv:5 md:18 mda:20 mde:17 mdm:18 meal:25
mean:212 meaningful:23 measur:284 measurement:82 meat:15 mechanical:47 mechanis:16 mechanism:344
mechanistical:9 mecp2:20 media:30 median:96 mediat:327 mediator:51 medical:142 medication:63 medicin:26
medium:11 medlin:8 medullary:5 meet:40 mef:25 megabas:9 meier:7 mellitus:45 melt:8 member:38 membran:142
memory:48 men106:8 men:76 menon:6 mental:108 mention:36 mer:92 merit:6 mesalamin:30 mesenchymal:59 mesh:9
messag:30 messenger:6 met:51 meta:111 metabochip:7 metabol:121 metabolical:15 metabolism:81 metabolit:18
metaboliz:10 metadata:6 metagenom:13 metal:8 metastas:112 metastasis34:7 metformin:61 method:342
methodological:6 methodology:26 methyl:13 methylation:8 metr:12 mfn1:24 mfn2:21 mfn:17 mg132:5 mg:83 mhc:8
mi:28 miapaca2:6 mice10:5 mice9:19 mice:432 michigan:7 micrenvironment:23 micro:8 microarray:39 microb:23
microbial:51 microbiom:30 microbiota:51 microglia:63 microglial:55 microglios:9 microorganism:7 microrna:25
microsatellit:17 microscop:8 microscopy:31 microtubul:5 microvascular:17 mid:20 middl:64 migrain:12 migrat:13
migration:49 migratory:5 mild:96 milieu:6 miller:11 million:50 mimes:16 mimic:16 mimick:6 min:56 minamino:6
mind:8 mindful:9 mineral:6 minimal:59 minimiz:12 minimum:12 minor:27 minority:58 minut:29 mir:66 mirna:13
mirror:12 miscarriag:5 misconception:7 misdiagnos:5 misinformation:10 misperception:8 miss:21 missens:9
mistrust:36 mitigat:35 mitochondria:92 mitochondrial:184 mitofusin:26 mitogen:8 mitoneet:5 mitophagy:46 mix:34
mixtur:16 ml:105 mlv:6 mm3:7 mm:40 mmhg:31 mmol:18 mmtv:10 mobil:7 mobility:33 mobiliz:21 mock:20 modality:14
mode:15 model:649 modell:12 moderat:130 moderation:7 modern:6 moderna:8 modest:77 modifi:25 modifiabl:6
modification:46 modifier:11 modify:20 modul:36 modular:6 modulat:58 modulation:16 modulator:16 moi:30 moiety:5
mol:19 molar:7 molecul:61 molecular:137 moment:5 monitor:89 monkey1:5 monkey:24 monoclonal:15 monocyt:34
monogen:7 monomer:11 monotherapy:32 month:154 mood:5 morbid:5 morbidity:87 moreover:123 morgan:8 morphogenes:7
morphological:16 morphology:22 mortality:299 mortem:6 mosquit:7 mosquito:6 moss:6 most:37 mother:8 motif:22
motil:7 motility:12 motivat:16 motivation:6 motor:29 mount:5 mous:167 mouse9:10 mouth:9 mov:30 move:7
movement1:5 movement:41 mptp:7 mr:5 mri:26 mrna:103 ms4a4a:8 ms4a:9 ms:28 msm:26 mss:6 mt807r1:8 mtor:43
muc17:5 muc1:7 muc2:21 muc3:6 mucin:28 mucosa:8 mucosal:22 mucus:28 multi:25 multicenter:13 multicentr:5
multidisciplinary:7 multifactorial:7 multimeriz:15 multipl:228 multiplex:10 multisystem:5 multivariabl:15
multivariat:30 murin:18 murray:7 muscl:40 mutagenes:8 mutant:75 mutat:48 mutation:180 mutual:7 myalgia:6
myc:25 myeloid:30 myocardial:50 myocardit:16 myocardium:12 myop:6 n1074:7 n122:7 n165:8 n234:23 n343:12
n439k:8 n501d:7 n501f:14 n501t:9 n603:7 n61:7 n717:7 n801:7 n:262 na:37 nab:103 nacc:8 nadh:10 naiv:42 nam:11
name:17 nanoluciferas:7 nanoparticl:12 narendra:8 narrow:19 nasal:64 nation:19 national:113 nativ:32 natur:41
natural:67 nausea:7 navigat:5 ncbi:9 ncov02:25 ncov:54 ncrad:8 ncrna:16 ndi1:6 near:106 nearby:9 nearest:8
necessari:13 necessary:63 necessitat:5 neck:8 necroptos:20 necroptosis14:5 necroptosis20:6 necros:44 need:216
nefa:5 negativ:164 neighbor:12 neither:32 nematod:11 neoadjuvant:7 neonatal:12 nep:6 neprilysin:6 nerv:5
nervous:19 net:18 netherland:13 network:93 neu:14 neural:32 neuroadaptiv:9 neurobiological:5 neuroblastoma:8
neurodegenerativ:24 neurodevelopmental:6 neurogenes:29 neuroimag:12 neuroinflammatory:6 neurolog:8
neurological:11 neuron:93 neuronal:49 neuropathology:5 neurophysiological:6 neuropsychiatr:5 neutral:9
neutraliz:120 neutrophil:34 never:8 nevertheless:42 new:308 newborn:6 newer:5 next:97 nf:34 ng:28 nhan:7
nhbe:12 nhp:13 nia:8 niaid:6 nich:13 nicoli:6 night:7 nigral:17 nih:9 nine:39 ninth:9 nipah:7 nitr:6
nitrativ:6 nitrogen:9 niv:7 nk:33 nlm:6 nlr:12 nlrc4:15 nlrp3:44 nluc:9 nm:24 nmc2019:5 nmc:24 nmr:5 node:40
nois:6 nominal:7 nomogram:5 non:265 nonadherenc:7 noncod:42 nondiabes:7 none:34 nonetheless:21 nonhuman:30
noninvasiv:13 nonschool:20 nonsignificant:8 nonspecif:5 nora:13 normal:214 normaliz:26 normativ:15 north:21
northern:6 not:69 notab:30 notabl:24 note:60 noteworthy:9 notic:5 notion:40 novel:167 november:6 novo:34
nowikovsky:5 ns1:11 ns:35 nsclc:5 nsp14:7 ntd:9 nucle:17 nuclear:20 nuclei:6 nucleocapsid:7 nucleoprotein:11
nucleotid:41 nucleus:21 nude:9 null:44 number:330 numerous:78 nurs:5 nutrient:28 nutrition:38 nutritional:15
o2:8 o:27 ob:5 obes:99 obesity:227 object:7 objectiv:132 observ:635 observabl:6 observat:78 observation:140
obstructiv:11 obtain:135 obvious:13 oc43:29 occasional:12 occlud:10 occupancy:9 occupat:13 occur:119
occurr:185 occurrenc:35 oct:5 october:17 ocular:8 odd:83 ode:6 offer:53 official:10 often:108 old:93 older:171
olfactory:7 oligomannos:32 oligomeriz:9 oligosaccharid:8 oliveira:5 omm:15 ommad:5 omnibus:6 omnivor:10
oncogen:46 one:472 ongo:57 onlin:39 onset:92 onto:59 ontology:14 onwards2:11 oocyt:6 open:67 operant:12
operat:28 operation:14 ophthalm:6 ophthalmolog:11 ophthalmology:7 opioid:21 opportunity:20 oppos:17 opposit:10
optic:18 optical:17 optimal:45 optimiz:30 option:33 optogenes:11 oral:36 orchestrator:14 order:132 ordinal:28
ordinary:6 org:10 organ:95 organell:16 organisation:19 organism:25 organismal:5 organiz:34 organization:7
orient:6 orientation:9 origin:30 original:48 originat:20 orm:6 ors:11 orthodons:8 orthogonal:7 orthologu:5
orthotop:7 os:7 ota:13 other:84 others25:5 otherw:22 oud:33 ounc:6 outbreak:74 outcom:332 outer:23
outgrowth:12 outlin:6 outpatient:6 output:14 outsid:28 ovarian:16 overall:263 overcom:26 overconsumption:5
overeat:10 overestimat:7 overexpress:48 overexpression:47 overlap:16 overlapp:20 overly:6 overt:17 overtaken:5
overutiliz:5 overview:11 overweight:75 overwhelm:21 owen:13 owing:24 owl:5 oxford:15 oxid:15 oxidas:8
oxidation:16 oxidativ:78 oxidiz:11 oxygen:86 oxygenation:8 p300:5 p53:43 p97:26 p97qq:7 p:521 pa:5 pac:9
pace:6 pack:6 packag:14 page:14 paid:6 pain:46 pair:39 palat:7 palatabl:27 palatal:5 panc1:11 panc28:6
pancreas:31 pandem:241 panel:31 paneth:22 pangolin:7 paper:49 paradigm:19 paradoxical:9 parallel:36
parameter:52 paraquat:28 parasit:21 parenchyma:26 parenchymal:5 parent:21 parental:6 parenteral:11 park:19
parkin:77 parkinson:22 parkinsonism:9 parp:5 parrinello:5 parsimonious:7 part:156 partial:85 participant:272
participat:41 participation:31 particl:23 particular:285 partner:28 pass:7 passiv:15 past:72 paszek:7 patch:8
path:9 pathobiology:8 pathogen:60 pathogenes:113 patholog:7 pathological:62 pathology:78 pathophysiological:10
pathophysiology:34 pathway:258 patient:876 pattern:144 paucity:11 pbs:12 pcdh10:6 pcdhb5:6 pcdna3:9 pcr:84
pd:31 pdapp:27 pdb:18 pdk1:6 pdr:25 pe:9 peak:89 pearson:13 pediatr:10 peer:10 penetrat:6 pennsylvania:9
peopl:196 peptid:39 perceiv:17 percent:21 percentag:59 perception:26 percutaneous:5 perform:228 performanc:49
perhap:9 period:159 periodontal:6 peripheral:37 peritonit:7 permanent:6 permeability:12 permeabiliz:12
permeabl:8 permit:21 permitt:8 permutation:8 peroxisom:16 persist:46 persistenc:17 persistent:43 person:54
personal:16 personality:7 personnel:6 perspectiv:14 pertain:7 perturbation:13 pervasiv:17 pesticid:34
pfizer:17 pfu:15 pgc1:8 pgk:6 pgt121:12 ph:10 phagocys:17 phagocyt:6 phagocytos:15 pharmaceutical:9
pharmacokines:5 pharmacokinet:15 pharmacolog:7 pharmacological:42 phas:87 phenformin:5 phenomena:10
phenomenon:13 phenotyp:213 phenyl:7 phon:10 phosphat:19 phosphatas:9 phospho:9 phosphorylat:23
phosphorylation:46 photometry:6 photon:12 phylogenes:11 phylogenetical:7 physical:115 physician:16 physiolog:8
physiological:41 physiology:6 pi3k:6 picalm:9 pictur:6 pig:11 pigment:7 pilot:7 pink1:55 pink:6 pio:14
pioglitazon:6 pipelin:17 pituitary:10 pivotal:12 pj:6 plac:60 placebo:84 placement:10 plan:13 plann:22
plant:18 plaqu:21 plasma:69 plasmid:16 plasmodium:7 plasticity:23 plat:10 plateau:8 platelet:16 platform:42
platinum:5 plausibl:19 play:224 player:12 pleiotrop:10 plot:10 pluripotency:5 pluripotent:7 plus:24 pm:11
pneumas:10 pneumocyt:5 pneumonia:24 pocket:5 point:177 polar:9 polarity:14 polariz:7 policy:24 poly:12
polyclonal:11 polycomb:8 polymer:8 polymeras:32 polymorphism:20 polyp:8 polypeptid:12 pomerantz:9 pool:57
poor:123 poorer:13 popular:6 populariz:5 population:510 portion:7 pos:9 pose:23 posit:28 position:34
positiv:225 possess:21 possib:55 possibility:88 possibl:176 post:99 posterior:22 postnatal:6 postoperativ:45
postprandial:5 posttreatment:9 postulat:25 potency:19 potent:80 potential:394 potentiat:10 poverty:30 power:27
powerful:8 pp:55 ppar:30 pparg:17 pr:10 pract:34 practical:10 practitioner:8 prc2:11 pre:72 preadipocyt:18
prec:65 preced:48 precipitat:11 precipitous:8 precision:13 preclinical:7 precursor:24 predefin:11 predict:101
prediction:28 predictiv:18 predictor:57 predispos:15 predisposition:6 predominanc:7 predominant:66
predominat:6 preexist:11 preferenc:14 preferential:24 preferr:15 prefrontal:7 prefusion:26 pregnancy:17
pregnant:6 preliminary:40 prematur:14 preoperativ:17 prepar:37 preparation:8 preprepar:8 preprint:9
prerequisit:6 prescrib:12 presenc:133 present:352 presentation:27 preserv:15 prespecifi:7 press:8 pressur:94
presumab:16 preterm:6 pretreatment:9 prevail:12 prevalenc:178 prevalent:49 prevent:147 preventativ:16
prevention:88 preventiv:11 previous:490 previously17:7 previously9:6 prevotella:16 prim:16 primari:69
primary:198 primat:64 primer:15 principal:17 principl:15 prior:188 priori:5 prioritiz:5 priority:18 privat:13
pro:61 prob:28 probab:34 probability:31 problem:75 procedur:46 process:292 prodrug:13 produc:146 producer:6
product:66 production:147 productiv:11 professional:9 proficient:7 profil:117 profound1:13 profound:39
progenitor:36 progeny:7 progesteron:5 prognos:57 program:108 programm:22 progress:24 progression:145
progressiv:24 proinflammatory:24 project:56 projection:12 proliferat:8 proliferation:82 proliferativ:32
proliferator:14 prolin:7 prolong:40 prom:38 prominent:42 promot:250 promoter10:6 promoter11:6 promoter13:14
promoter:75 promoters9:6 promotion:8 prompt:10 pron:19 pronounc:13 proof:9 propagat:10 propensity:14 proper:23
properties4:5 property:97 prophylacs:38 prophylax:21 proportion:125 proportional:10 propos:117 propria:11
proprietary:28 prospectiv:127 proteas:48 proteasom:36 proteasomal:17 protect:81 protection4:11 protection:127
protectiv:155 protein:503 proteolys:16 proteolytical:9 proteom:14 protocol:46 proton:10 protrud:6 proudfoot:8
prov:28 proven:8 provenzano:5 provid:460 provider:26 provinc:6 provincial:14 provision:19 provok:6 proximal:31
proximity:8 prr:11 prudent:6 ps1:14 psa:7 pseudotyp:11 pseudovirus:50 psv:15 psychiatr:31 psychological:42
psychometr:5 psychos:7 psychosocial:15 pt:6 publ:136 publication:25 publish:149 pubm:8 pugh:17 pull:7
pulmonary:77 puls:6 pump:12 pure:8 purifi:57 purification:6 purity:5 purpl:5 purport:6 purpos:64 pursu:5
push:5 put:15 putativ:26 pycard:25 pymt:15 pyruvat:11 python:6 q498y:14 q76:6 q:11 qin:23 qpcr:15 qrt:10
qualitativ:16 quality:109 quantifi:24 quantification:18 quantify:27 quantitativ:58 quantity:5 quarantin:12
quarter:6 quartil:6 quasispecy:20 question:78 questionnair:44 quick:8 quiescent:9 quit:12 r0:15 r26creert2:8
r2:7 r47h:7 r:63 ra:17 race:56 racial:53 racism:7 rad51:30 rad52:7 radial:5 radiation:10 radical:7
radiograph:10 rag1:5 rais:40 random:81 randomiz:85 rang:180 rank:35 rapamycin:36 rapid:218 rare:52 ras:15
rash:6 rat:63 rate:472 ratg13:9 ratio:151 rational:20 raw:10 ray:7 rb:5 rbd:91 rct:7 rdv:23 re:53 reach:79
reaction:44 reactiv:37 reactivation:6 reactivity:10 reactogenicity:8 read:38 readi:14 reagent:7 real:47
realis:5 reality:8 realiz:6 reap:5 rearrangement:5 reason:72 reasonabl:26 reassuranc:10 rebound:7 recall:19
recapitulat:72 receiv:215 receiver:14 recent:414 receptor:247 recess:12 recipient:29 recogn:8 recognition:50
recogniz:45 recombinant:52 recombinas:9 recombinat:15 recombination:20 recommend:72 recommendation:43
reconstruct:16 reconstruction:11 record:95 recover:56 recovery:85 recruit:74 recruitment:58 recurr:17
recurrenc:21 recurrent:29 red:38 redistribution:11 redox:17 reduc:438 reductas:8 reduction:176 reductiv:5
refer:8 referenc:39 referr:19 referral:8 refill:21 refin:24 reflect:82 refraction:6 refractiv:16 refractory:16
refrain:11 refs1:8 refseq:6 refusion:5 regard:106 regardless:37 regenerat:18 regeneration:11 regimen:56
region:204 regional:28 register:26 registration:13 registry:66 regression:85 regular:26 regulat:190
regulation:150 regulator:44 regulatory:75 rehabilitation:6 relaps:17 relat:428 relation:46 relationship:92
relativ:237 relax:13 releas:67 relevanc:31 relevant:92 reliab:7 reliability:9 reliabl:12 relief:7 reliev:9
religious:5 relm:6 rely:13 remain:211 remarkab:14 remarkabl:13 remdesivir:66 reminiscent:8 remission:7
remodel:20 remot:9 remov:43 removal:24 remusculariz:12 renal:29 render:25 renewal:6 renin:14 reopen:8
repair:42 repeat:71 reperfusion:13 repertoir:12 repetitiv:6 replac:10 replacement:17 replenish:26 replicat:64
replication:172 replicativ:11 replicator:6 repopulat:10 repopulation:5 report:846 reporter:27 repository:11
represent:125 representation:12 representativ:34 repress:8 repression:10 repressiv:13 repressor:9 reproduc:14
reproducib:7 reproducibl:6 reproduction:16 reproductiv:17 request:5 requir:309 requirement:37 rescu:48
research:160 researcher:23 resection:18 resembl:22 reserv:11 reservoir:30 resid:37 resident:25 residu:89
residual:7 resilienc:22 resistanc:107 resistance18:6 resistant:50 resolution:26 resolv:28 resonanc:14
resourc:82 respect:35 respectiv:250 respiration:12 respiratory:291 respond:58 respondent:22 respons:579
responsibility:6 responsibl:54 responsiv:8 responsiveness:17 rest:32 restaurant:25 restor:35 restoration:20
restrict:50 restriction:67 result:1083 resultant:9 resurgenc:11 resuscitation:5 retain:17 retention:37
reticulum:9 retinopathy:15 retrelement:8 retrospectiv:55 retroviral:33 retrovirion:10 retrovirus:27 rett:19
return:38 reveal:220 revers:62 reversal:5 reversib:15 reversibl:10 reversion:6 revert:8 review:139 reviewer:5
revis:9 revision:6 reward:35 rfp:8 rhesus:88 rheumatoid:17 rhythm:6 ribavirin:8 rice:6 rich:28 right:37
rigorous:12 ring0:5 ring:16 rinn:9 rip1:11 rip3:17 rip:7 ris:17 rise:58 risk7:7 risk:729 ritonavir:16 rna:256
rnai:12 rns:11 robust:128 roch:6 rodent:18 role:515 rollout:6 room:10 root:18 ros:30 rose:9 rotation:6
rotenon:34 roth:7 rough:16 round:13 rout:43 routin:61 rpa:14 rr:8 rs4938933:5 rs6983267:21 rsv:16 rt:31 rtv:22
rubinov:14 rule:10 run:7 rundl:12 runn:5 ruptur:6 rural:9 ruxolitinib:11 s10:6 s11:11 s13:12 s16:7 s1:36 s1a:7
s1d:6 s2:60 s2c:5 s3:37 s3d:5 s4:62 s4a:6 s4b:9 s4h:6 s5:13 s5a:5 s65:10 s65a:5 s6:17 s6c:5 s7:17 s8:18 s9:7
s:426 sa:5 saccharomyc:5 sacrif:7 safe:43 safety:51 saharan:15 said:8 salin:11 saliva:19 salt:6 sam:10
samhd1:22 sampl:353 sanctuary:20 sandwich:8 santo:15 saponin:11 sar:626 sarbecovirus:7 sarraf:6 satisfaction:7
saturat:17 saturation:8 saudi:6 saw:5 saxena:7 sbp:8 scaffold:11 scal:120 scan:13 scann:31 scarc:20 scarcity:5
scatter:6 scen:5 scenario:43 schedul:15 schem:9 scher:7 schizophrenia:24 school:46 scienc:22 scientif:24
scleros:5 scop:10 scor:117 scotland:10 screen:132 sd1:10 sd:75 sdi:8 sds:5 se:41 search:47 season:10
seasonal:29 seasonality:7 seattl:7 sec23a:21 second:159 secondary:113 secret:33 secretion:43 secretom:18
secretory:22 section:38 sectional:22 sector:6 secur:27 sedation:5 sedentary:37 see:71 seed:7 seek:25 seem:52
seen:108 segment:14 segregat:5 seir:7 seizur:10 select:128 selection:86 selectiv:88 selectivity:11 self:130
sem:18 semiquantitativ:11 senescenc:21 senescent:16 senior:7 sens:40 sensitiv:63 sensitivity:126 sensitiz:22
sensor:24 sensory:16 sentinel:10 separat:39 seps:7 september:5 septum:5 seq:64 sequenc:178 sequences8:5
sequential:8 sequester:7 sequon:9 ser:11 sera:8 serial:14 serin:21 serious:46 seroconvert:12 seronegativ:7
serotyp:22 serum:90 serv:120 sery:78 session:10 set:115 sett:188 seven:49 sever:429 several:288 severity:114
sex:94 sexe:5 sexual:20 sf162p3:12 sfb:8 sgmrna:6 sgrna:19 sham:28 shang:7 shap:30 shar:55 sharp:13 shed:32
shedd:10 sheet:5 shevlin:8 shield:42 shift:49 shiv:16 shock:11 short:86 shortcom:7 shorten:27 shorter:47
shot:7 show:886 shown:343 shrna:22 si:5 sial:12 sibl:10 sick:6 sid:30 side:90 sigclust:5 sight:6 sign:17
signal:258 signall:19 signatur:69 significanc:57 significant:813 silenc:12 silico:6 similar:429 similarity:26
simp:14 simpl:20 simpler:10 simplex:16 simplifi:6 simulat:8 simulation:21 simultaneous:28 singl:198 sinus:7
sirna:23 sirt1:5 sit:8 site:252 situ:9 situation:15 siv:5 sivmac:6 sivsm:5 six1:9 six:43 siz:6 size:115
skeletal:18 skew:6 skill:13 skin:22 skipp:12 sle:5 sleep:67 slight:31 slop:5 slow:40 slower:11 slug:8
small:185 smaller:43 smok:37 smooth:7 snack:5 snail1:7 snail:13 snp:78 social:155 socieconom:49 society:31
sociodemograph:8 sodium:18 softwar:12 sole:12 solicit:7 solid:18 solubility:5 solubl:31 solution:44 solv:5
solvent:7 somas:6 sometim:5 somewhat:12 soon:9 sort:22 sought:23 sound:8 sourc:77 south:29 spac:45 span:23
spann:20 spar:5 spars:5 spatial:28 spe:32 spearman:18 special:8 specialist:6 specif:437 specifi:5 specific6:5
specific8:5 specifical:118 specificity:34 specimen:57 speck:5 spectra:9 spectrometr:11 spectrometry:18
spectroscopy:7 spectrum:52 speculat:32 speculation:9 specy:91 spent:23 sperm:12 spherical:13 spik:119
spillover:6 spin:7 spinal:6 spiny:5 spleen:22 splen:6 splic:33 splin:5 spn:27 sponsor:6 spontaneous:26
sporad:9 sporn:8 sport:16 spot:5 spous:8 spp:7 spread:107 sputum:29 squamous:5 squar:18 ssb:8 ssdna:27 st:12
stab:14 stability:44 stabiliz:44 stabl:72 staff:11 stag:171 stain:37 stand:7 standard:151 standardiz:28
starr:5 start:96 starvation:10 stas:7 stat1:12 stat:275 statement:10 statin:11 station:5 statist:13
statistical:104 status:141 stay:43 steady:16 stem:74 stenos:5 step:86 stepw:19 ster:5 steroid:22 sterol:6
stiffness:8 stigma:14 still:97 stimulat:119 stimulation:35 stimuli:26 stimulus:9 sting:10 stochas:7 stock:11
stomach:8 stomatit:8 stop:9 stopp:5 stor:16 storag:7 storm:6 str:5 strain:110 strand:32 strata:20 strategy:137
stratifi:29 stratification:19 stratum:6 strength:37 strengthen:9 stress12:12 stress:165 stressful:5
stressor:23 striatal:37 striatum5:5 striatum:23 strict:16 strik:20 striking:6 stringent:17 strok:57 stroma:6
stromal:26 strong:208 stronger:23 strongest:29 structur:191 structural:56 student:9 studi:72 study:1393 sub:27
subarachnoid:7 subcellular:10 subcutaneous:30 subdomain:10 subgenom:7 subgroup:67 subject:139 subjectiv:7
suboptimal:39 subprotectiv:15 subsampl:6 subsequent:107 subset:97 substanc:14 substantial:165 substantiat:7
substantiv:5 substitut:6 substitution:11 substrat:58 subtyp:48 subunit:15 success33:7 success:21 successful:50
succumb:5 sucros:5 sud:37 sudden:7 suffer:29 sufficient:132 sugar:27 suggest:993 suggestion:21 suggestiv:6
suicid:27 suicidal:17 suit:6 suitabl:18 sulfasalazin:29 sulfat:13 sum:27 summ:9 summar:12 summariz:18
summary:159 summer:24 summertim:5 superficial:5 superior:39 supernatant:9 superoxid:6 supp:5 suppl:19
supplement:26 supplemental:29 supplementary:167 supplementation:20 support:390 suppress:97 suppression:40
suppressiv:30 suppressor:29 surfac:88 surgeon:6 surgery:71 surgical:43 surpr:12 surprising:13 surrogat:10
surround:23 surveillanc:40 survey:89 surviv:17 survival:112 survivor:5 susceptibility:144 susceptibl:73
suspect:28 suspension:6 suspicion:5 sustain:59 swab:17 swarm:7 swarms15:5 sweden:23 swedish:16 sweet:11
sweeten:10 swell:10 swim:6 switch:12 symptom:141 symptomas:57 synaps:32 syncytial:13 syndrom:181 synthas:6
synthes:66 synthesiz:35 synuclein:13 syrian:10 system:367 systemas:50 systematical:8 systol:17 t2d:26 t2dm:11
t3:5 t4:5 t7:8 t:176 tab211:16 tab2:5 tabl:314 tablet:5 tag:7 tagg:8 tail:25 tailor:16 tak1:23 tak:59 take:29
taken:91 takeout:6 talk:9 tandem:18 tanner:6 target:357 task:31 taxa:10 taxonom:8 tbk1:10 tcf7l2:11
tchkonia:13 tcid50:17 tcpink1:6 tcspc:11 td:9 teach:5 team:7 technical:8 techniqu:73 technology:40 telephon:8
temperat:6 temperatur:28 templat:10 temporal:56 temporary:11 ten:18 tend:20 tendency:7 tenderness:5 term:210
terminal:69 terminology:5 terminus:10 territory:9 tertiary:10 test:392 testament:6 texa:5 text:17 tff3:8 tg:5
tgf:15 th17:24 th1:16 th2:9 thank:6 them:10 theoretical:26 theory:34 therapeus:171 therapeut:25 therapy:248
thereafter:7 thereby:51 therefor:184 thermal:8 thiazolidinedion:7 thicken:7 thickness:7 thin:7 think:8 thiol:6
thiopurin:28 third:58 thirty:14 thorac:5 thorough:7 though:52 thought:39 thousand:21 thp:5 thr:8 thre:228
threat:10 threaten:34 threefold:7 threonin:14 threshold:64 thrombembol:5 thrombocytopenia:8 thrombos:35
throughout:68 throughput:34 thymidin:10 thyroid:7 tic:12 tight:21 til:13 tim:29 time:487 tinagl1:15 tip:6
tissu:282 tissue18:15 tissular:5 titanium:5 titer:151 titration:8 tk:10 tma:8 tmao:15 tmprss2:39 tnbc:21
tnf:80 tobacco:21 tocilizumab:5 today:16 together:208 toleranc:21 tolerat:29 toll:13 tomography:15 tone:10
took:6 tool:58 top:33 topic:12 topical:6 topography:6 topological:16 total:220 tourett:10 toward:110 toxic:40
toxicant:17 toxicity:17 tpa:9 trac:30 tracer:6 trachea:16 track:35 tract:97 trad:7 traditional:28 traff:19
traffick:11 train:30 trait:46 trajectory:15 tran:5 transactivation:8 transcrib:24 transcript:92
transcription:111 transcriptional:93 transcriptom:32 transduc:17 transduction5:10 transduction:11 transfect:17
transfection:7 transfer:41 transferr:5 transform:19 transformation:17 transgen:136 transient:56 transition:41
translat:24 translation:5 translocation:23 transmembran:30 transmissibility:17 transmission:128 transmitt:40
transplant:7 transplantation:42 transport:39 transportation:5 transporter:11 transvers:5 trauma:12 traumas:10
travel:8 treat:223 treatment:507 tree:7 trefoil:6 treg:32 trem2:22 trend:84 tress:5 trex1:27 tri:15 trial:222
triamcinolon:10 trigger:47 triglycerid:26 trim5:35 trim5cyp:5 trimer:36 trimeriz:9 trimethylamin:10 tripl:21
tropism:6 troponin:7 tru:7 true:11 truncat:5 trust:13 trypsin:15 tube:7 tuberculos:8 tubulin:6 tud:12
tumor:295 tumorigen:10 tumorigenes:46 tumorigenicity:7 tumors4:6 turbinat:10 turn:62 turnaround:9 turnover:24
twelv:6 twenty:12 twic:23 twig:5 twin:6 twist:15 two:536 type:438 typical:69 typifi:5 tyrosin:8 tzd:9 u:85
ub:45 ubc13:26 ubiquitin:44 ubiquitinat:15 ubiquitination:29 ubl:9 uc:13 ucp1:6 ud:6 uev1a:26 ufh:12 ui:8
uk:59 ukpd:6 ulcer:5 ulcerativ:10 ulrich:8 ultimat:29 ultrasound:20 unabl:14 unaffect:7 unaid:8 unattach:5
unavoidabl:12 unawar:5 unbias:8 unc337:6 uncertainty:17 unchang:10 unclear:35 uncontroll:10 unconventional:7
uncorrect:6 uncoupl:15 uncover:23 underestimat:11 undergo:52 undergon:9 underli:32 underlin:9 underly:103
undermin:6 underrepresent:9 underscor:15 understand:155 understood:24 undertaken:11 underwent:32
undetectabl:33 undiagnos:7 undifferentiat:9 unexpect:29 unexplain:7 unexplor:7 unfavorabl:31 unfold:9
unfortunat:8 unhealthy:30 unidentifi:11 uniform:19 uninfect:6 uniqu:114 unit:128 universal:17 university:45
unknown8:10 unknown:85 unlabell:10 unless:23 unlik:35 unmistakabl:9 unpublish:23 unrelat:7 unsaturat:9
unstabl:6 untreat:26 unusual:7 unvaccinat:7 unveil:10 unwant:5 updat:21 upper:84 upr:14 upregulat:34
upregulation:29 ups:6 upstream:37 uptak:41 urban:13 urbaniz:6 urgent:17 urin:35 urinary:8 us:172 usa:38 usag:5
use:27 useful:60 user:50 usual:24 uterin:5 utility:23 utiliz:69 utr:8 uv:9 v1:6 v367f:17 v:35 vacation:5
vaccin:254 vaccinat:61 vaccination:70 vaccine7:12 vaccines10:5 valid:11 validat:48 validation:17 validity:10
valu:149 valuabl:18 valv:6 van:11 vari:22 variability:35 variabl:70 varianc:27 variant:137 variation:78
variceal:6 variety:36 various:101 vary:44 vas:6 vascular:14 vasculatur:10 vast:20 vat:31 vbm:11 ve:28
vector:79 vectors8:6 vegetabl:16 vegfa:7 vehicl:10 vein:7 velocity:9 venous:20 ventilat:6 ventilation:33
ventilator:17 ventricular:20 vero:9 verona:14 version:17 vertebrat:6 vertical:6 vesicl:6 vesicular:9 vessel:15
vi:5 viability:8 viabl:13 vicinity:10 vicious:10 video:17 view:38 vigorous:7 vii:5 vim:12 vimentin:15
violenc:7 viral:372 viremia:16 virolog:14 virological:5 virtual:7 virulenc:13 virulent:5 virus16:7 virus:377
visceral:21 viscosity:5 viscous:6 vision:22 visit:16 visual:49 visualiz:24 vital:9 vitamin:11 vitro:173 vive:7
vivo:168 vlp:5 voltag:6 volum:39 voluntari:5 voluntary:7 volunteer:14 von:12 vpx:18 vpxq76a:8 vsv:13 vtdr:25
vte:30 vulnerability:63 vulnerabl:59 vwf:10 w:21 wa1:6 wait:6 wall:20 wan:30 wane:5 wang:9 want:16 warfarin:5
warm:6 warn:8 warrant:54 wash:55 washington:9 wast:6 wat:12 watch:5 water:21 wave:45 way:49 wd:17 weak:10
weaken:10 weaker:6 weakness:5 wear:8 web:8 websit:9 week:157 weekday:6 weekend:6 weigh:12 weight:200 weil:7
weinberg:6 welfar:5 well:431 welt:5 west:8 western:49 westerniz:10 whatever:8 whereby:28 whilst:12 whit:69
whitney:23 whol:47 whos:33 wide:136 wider:14 widespread:37 width:6 wild:66 wildtyp:10 will:5 willebrand:7
willingness:7 window:11 winter:11 wintertim:14 wire:6 withheld:5 wiv1:5 wk:13 wmh:8 wnt:28 wolfel:9 woman:11
women:109 woo:5 worb:10 word:11 work:185 worker:28 world:92 worldwid:62 worm:7 worry:11 wors:45 worsen:51
wound:9 wrapp:5 writ:24 wt:57 wu:36 wuhan:14 www:22 x:42 xbp1:25 xenograft:17 xu:19 xue:6 y:26 yang:6 year:435
yeast:36 yfp:12 yield:46 yll:10 york:14 young:35 younger:63 youngest:6 youth:15 zc45:5 zealand:11 zeb1:17
zeb2:11 zeb:14 zebrafish:6 zhou:15 zhu:9 zone:7 zoonos:12 zxc21:5
"""
