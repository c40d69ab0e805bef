"""MeSH 2024 as the vocabulary: descriptors, their tree numbers, and their entry terms found in text.

The data file ``audit/scoring/data/mesh2024.tsv.gz`` is built by
``scripts/build_mesh.py`` from NLM's MeSH 2024 (descriptors with their entry
terms and tree numbers).  It ships in the package, so nothing outside the
installed tool is read at run time.

``find_terms`` is the one matcher: longest match of entry terms over word
tokens (case, plural, British spelling and hyphen tolerant), acronyms and
abbreviations matched case-sensitively ("AIDS" is a disease, "hearing aids"
are devices), abbreviations the text defines ("non-small-cell lung cancer
(NSCLC)") and a short list of common ones.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "mesh2024.tsv.gz"
MAX_TERM_TOKENS = 8

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def spelling(word: str) -> str:
    """British and American spellings meet: tumour/tumor, oesophagus/esophagus, haem/hem, caecum/cecum,
    fertilisation/fertilization."""
    if "isation" in word:                                    # fertilisation, immunisation, hospitalisation
        word = word.replace("isation", "ization")
    if "our" in word:
        word = word.replace("tumour", "tumor").replace("colour", "color").replace("behaviour", "behavior")
    if word.startswith(("oe", "ae")) and len(word) > 4:     # oesophagus, aetiology, oestrogen
        word = word[1:]
    if "ae" in word[1:] or "oe" in word[1:]:
        word = word[0] + word[1:].replace("ae", "e").replace("oe", "e")
    return word


@lru_cache(maxsize=100_000)
def norm_token(word: str) -> str:
    """Lower case, one spelling, singular: the same function reads MeSH terms and the text."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    w = spelling(w)
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous", "ys")):
        return w[:-1]
    return w


def term_key(term: str) -> str:
    """The look-up key of a term: normalised tokens joined by spaces (hyphens and commas are spaces)."""
    return " ".join(norm_token(t) for t in _TOKEN.findall(term))


@dataclass(frozen=True)
class Descriptor:
    ui: str
    name: str
    trees: tuple[str, ...]

    def label(self) -> str:
        """ "Cataract (C11.510.245)": the heading and its first tree number, for explanations."""
        return f"{self.name} ({self.trees[0]})" if self.trees else self.name


class Mesh:
    """The loaded vocabulary (one per process, see ``load``)."""

    def __init__(self, year: int, rows: dict[str, tuple[str, str]], terms: dict[str, str], exact: dict[str, str]):
        self.year = year
        self._rows = rows                                    # UI -> (name, "tree|tree")
        self._made: dict[str, Descriptor] = {}
        self.terms = terms                                   # normalised key -> descriptor UI
        self.exact = exact                                   # acronyms, matched as written
        self._by_name: dict[str, str] | None = None

    @property
    def descriptors(self) -> dict[str, tuple[str, str]]:
        return self._rows

    def get(self, ui: str) -> Descriptor | None:
        d = self._made.get(ui)
        if d is None:
            row = self._rows.get(ui)
            if row is None:
                return None
            d = self._made[ui] = Descriptor(ui, row[0], tuple(row[1].split("|")) if row[1] else ())
        return d

    def named(self, name: str) -> Descriptor | None:
        if self._by_name is None:
            self._by_name = {n.lower(): ui for ui, (n, _) in self._rows.items()}
        ui = self._by_name.get(name.lower())
        return self.get(ui) if ui else None


@lru_cache(maxsize=1)
def load() -> Mesh:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as f:
        text = f.read()
    head, rest = text.split("\n#descriptors\n", 1)
    desc, rest = rest.split("\n#terms\n", 1)
    terms, exact = rest.split("\n#exact\n", 1)
    rows = {}
    for line in desc.split("\n"):
        ui, name, trees = line.split("\t")
        rows[ui] = (name, trees)
    return Mesh(json.loads(head)["year"], rows, dict(x.split("\t") for x in terms.split("\n")),
                dict(x.split("\t") for x in exact.rstrip("\n").split("\n")))


# --------------------------------------------------------------------------- text -> descriptors

@dataclass(frozen=True)
class Mention:
    ui: str
    start: int                   # character offsets in the text
    end: int
    text: str


# Common abbreviations that MeSH does not list as entry terms (matched as written, upper case).
# MeSH lists few abbreviations ("Abbreviations such as NSCLC are mostly not entry terms"), and these are
# the ones medical writing uses without defining them.
COMMON_ABBREVIATIONS: dict[str, str] = {
    "NSCLC": "Carcinoma, Non-Small-Cell Lung", "SCLC": "Small Cell Lung Carcinoma",
    "CRC": "Colorectal Neoplasms", "HCC": "Carcinoma, Hepatocellular", "NET": "Neuroendocrine Tumors",
    "NETs": "Neuroendocrine Tumors", "NEN": "Neuroendocrine Tumors", "NENs": "Neuroendocrine Tumors",
    "SI-NET": "Ileal Neoplasms", "SI-NETs": "Ileal Neoplasms", "GIST": "Gastrointestinal Stromal Tumors",
    "GISTs": "Gastrointestinal Stromal Tumors", "AF": "Atrial Fibrillation", "COPD": "Pulmonary Disease, Chronic Obstructive",
    "T2DM": "Diabetes Mellitus, Type 2", "T1DM": "Diabetes Mellitus, Type 1", "CKD": "Renal Insufficiency, Chronic",
    "MI": "Myocardial Infarction", "HF": "Heart Failure", "CHD": "Coronary Disease", "CAD": "Coronary Artery Disease",
    "IBD": "Inflammatory Bowel Diseases", "RA": "Arthritis, Rheumatoid", "MS": "Multiple Sclerosis",
    "ADHD": "Attention Deficit Disorder with Hyperactivity", "ASD": "Autism Spectrum Disorder",
    "PTSD": "Stress Disorders, Post-Traumatic", "OSA": "Sleep Apnea, Obstructive", "TB": "Tuberculosis",
    "HIV": "HIV Infections", "COVID-19": "COVID-19", "ALS": "Amyotrophic Lateral Sclerosis",
    "HNSCC": "Squamous Cell Carcinoma of Head and Neck", "AML": "Leukemia, Myeloid, Acute",
    "CLL": "Leukemia, Lymphocytic, Chronic, B-Cell", "ALL": "Precursor Cell Lymphoblastic Leukemia-Lymphoma",
    "IVF": "Fertilization in Vitro", "PCOS": "Polycystic Ovary Syndrome", "IOL": "Lenses, Intraocular",
}

# Everyday phrases MeSH has no entry term for, or whose words MeSH reads otherwise: "swine flu" is
# influenza in people, not a study of pigs; a "yeast infection" is candidiasis; "dog bites" are
# injuries, not a canine study; "older adults" are the aged.  Longest match lets these win.
PHRASES: dict[str, str] = {
    "swine flu": "Influenza, Human", "swine influenza pandemic": "Influenza, Human",
    "yeast infection": "Candidiasis", "vaginal yeast infection": "Candidiasis, Vulvovaginal",
    "dog bite": "Bites and Stings", "dog bites": "Bites and Stings", "animal bite": "Bites and Stings",
    "older adult": "Aged", "older people": "Aged", "older patient": "Aged", "elderly patient": "Aged",
    "older person": "Aged", "old people": "Aged", "young men": "Young Adult", "young women": "Young Adult",
    "uveal melanoma": "Uveal Neoplasms", "ocular melanoma": "Eye Neoplasms", "choroidal melanoma": "Choroid Neoplasms",
    "liver metastase": "Neoplasm Metastasis", "liver metastasis": "Neoplasm Metastasis",
    "hepatic metastase": "Neoplasm Metastasis", "lymph node metastase": "Lymphatic Metastasis",
    "lymph node metastasis": "Lymphatic Metastasis",
    "ileal net": "Ileal Neoplasms", "small intestinal net": "Ileal Neoplasms",
    "small bowel net": "Intestinal Neoplasms", "ileal cancer": "Ileal Neoplasms", "ileal tumor": "Ileal Neoplasms",
    "mouse model": "Models, Animal", "murine model": "Models, Animal", "rat model": "Models, Animal",
    "xenograft model": "Models, Animal", "preclinical model": "Models, Animal",
    "schoolchildren": "Child", "paediatric": "Child", "pediatric": "Child", "children": "Child",
    # MeSH files "Cirrhosis" under Fibrosis; in clinical writing it is the liver's.
    "cirrhosis": "Liver Cirrhosis",
    # MeSH lists no bare "diabetes": in clinical writing it is diabetes mellitus (the insipidus is named).
    "diabetes": "Diabetes Mellitus", "diabetic": "Diabetes Mellitus",
    "adults": "Adult", "patient": "Patients", "participant": "Humans", "people": "Humans", "volunteer": "Humans",
}

# "aged 45 years" gives an age, not the elderly; "cancer model" words that MeSH would read as a subject
# in most sentences are left to the phrases above.
_NOT_A_SUBJECT = {"aged"}

# "a model of metastatic colorectal cancer" is an experimental (animal) model; a "prediction model", a
# "chronic care model" or a "model of care" is not.
EXPERIMENTAL_MODEL = re.compile(
    r"\b(?:(?:animal|experimental|orthotopic|transgenic|syngeneic|knockout)\s+models?|"
    r"models?\s+of\s+(?:[a-z-]+\s+){0,3}?(?:cancer|carcinoma|tumou?rs?|metastas[ie]s|neoplasia))\b", re.I)
_NOT_EXPERIMENTAL = re.compile(r"(?:predict\w*|prognostic|statistical|regression|risk|mathematical|computational|"
                               r"conceptual|economic|markov|simulation|care|chronic care|service|delivery)"
                               r"\W+(?:\w+\W+)?$", re.I)

_COORDINATED = re.compile(
    r"(?P<items>(?:[A-Za-z-]+(?: [A-Za-z-]+)?,\s*)+(?:[A-Za-z-]+(?: [A-Za-z-]+)?,?\s+)?(?:and|or)\s+"
    r"[A-Za-z-]+(?: [A-Za-z-]+)?)\s+(?P<head>cancers?|tumou?rs?|neoplasms?|carcinomas?|diseases?|disorders?)\b",
    re.I)
_DEFINED = re.compile(r"\(\s*([A-Z][A-Za-z0-9-]{1,9}s?)\s*\)")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(norm_token(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=1)
def _phrase_ui() -> dict[str, str]:
    m = load()
    out = {}
    for phrase, name in PHRASES.items():
        d = m.named(name)
        if d is not None:
            out[term_key(phrase)] = d.ui
    return out


@lru_cache(maxsize=1)
def _abbrev_ui() -> dict[str, str]:
    m = load()
    out = dict(m.exact)
    for ab, name in COMMON_ABBREVIATIONS.items():
        d = m.named(name)
        if d is not None:
            out[ab] = d.ui
    return out


def _longest(toks: list[tuple[str, int, int]], terms: dict[str, str], phrases: dict[str, str]
             ) -> list[tuple[int, int, str]]:
    """(first token, last token + 1, ui) of the longest entry term starting at each free position."""
    out = []
    i = 0
    n = len(toks)
    while i < n:
        best = None
        key = ""
        for j in range(i, min(n, i + MAX_TERM_TOKENS)):
            key = toks[j][0] if j == i else key + " " + toks[j][0]
            ui = phrases.get(key) or terms.get(key)
            if ui is not None:
                best = (i, j + 1, ui)
        if best:
            out.append(best)
            i = best[1]
        else:
            i += 1
    return out


def defined_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations the text defines: "non-small-cell lung cancer (NSCLC)" -> {"NSCLC": UI}."""
    out: dict[str, str] = {}
    for m in _DEFINED.finditer(text):
        ab = m.group(1)
        letters = [c for c in ab.rstrip("s") if c.isalpha()]
        if len(letters) < 2:
            continue
        before = text[max(0, m.start() - 120):m.start()]
        mentions = find_terms(before, abbreviations=False)
        if not mentions:
            continue
        last = mentions[-1]
        # The long form ends just before the parenthesis and starts with the abbreviation's first letter.
        if before[last.end:].strip(" ,;-") == "":
            words = before[:last.end].split()
            window = " ".join(words[-(len(letters) + 3):]).lower()
            if letters[0].lower() in {w[0] for w in re.findall(r"[a-z]+", window)}:
                out[ab] = last.ui
                if not ab.endswith("s"):
                    out[ab + "s"] = last.ui
    return out


def _shouted(text: str, start: int, end: int) -> bool:
    """Is the abbreviation at start..end one word of a stretch written in capitals?"""
    around = text[max(0, start - 40):start] + " " + text[end:end + 40]
    letters = [c for c in around if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def initialisms(text: str) -> dict[str, str]:
    """Abbreviations an article uses without defining them, read from the terms it writes out elsewhere:
    "diffuse large B-cell lymphoma" in one paragraph makes "DLBCL" in another that lymphoma.  Only initials of
    three letters or more, and only where the abbreviation itself occurs in the text as written."""
    out: dict[str, str] = {}
    for mt in find_terms(text, abbreviations=False):
        words = [w for w in re.split(r"[\s-]+", mt.text) if w]
        ab = "".join(w[0] for w in words).upper()
        # Initials of words only: a term written with a bracket or digit makes no abbreviation.
        if len(ab) >= 3 and ab.isalpha() and re.search(rf"(?<![\w-]){re.escape(ab)}s?(?![\w])", text):
            out.setdefault(ab, mt.ui)
            out.setdefault(ab + "s", mt.ui)
    return out


def find_terms(text: str, abbreviations: bool = True, known: dict[str, str] | None = None) -> list[Mention]:
    """MeSH descriptors named in the text, longest match first, in text order; ``known``: abbreviations the
    surrounding article gives (``initialisms``)."""
    m = load()
    toks = _tokens(text)
    found = _longest(toks, m.terms, _phrase_ui())
    out = []
    covered = []
    for a, b, ui in found:
        s, e = toks[a][1], toks[b - 1][2]
        written = text[s:e]
        if written.lower() in _NOT_A_SUBJECT:
            continue
        out.append(Mention(ui, s, e, written))
        covered.append((s, e))
    if abbreviations:
        defined = defined_abbreviations(text)
        abbrevs = {**_abbrev_ui(), **(known or {}), **defined}
        defined = {**(known or {}), **defined}
        for mt in re.finditer(r"(?<![\w-])[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w])", text):
            # The longest hyphenated form the table holds: "SARS-CoV-2", and "COVID-19" in "COVID-19-related".
            parts = mt.group(0).split("-")
            word, ui = next(((w, abbrevs[w]) for w in ("-".join(parts[:k]) for k in range(len(parts), 0, -1))
                             if w in abbrevs), ("", None))
            end = mt.start() + len(word)
            # In a line written in capitals ("PERIODONTAL CLINIC - NEW PATIENT ASSESSMENT") every word looks
            # like an acronym: there only an abbreviation the text defines counts.
            if ui and word not in defined and _shouted(text, mt.start(), end):
                continue
            if ui and not any(s <= mt.start() < e for s, e in covered):
                out.append(Mention(ui, mt.start(), end, word))
    for mt in EXPERIMENTAL_MODEL.finditer(text):
        if not _NOT_EXPERIMENTAL.search(text[max(0, mt.start() - 30):mt.start()]):
            d = m.named("Models, Animal")
            if d and not any(x.ui == d.ui and x.start <= mt.start() < x.end for x in out):
                out.append(Mention(d.ui, mt.start(), mt.end(), mt.group(0)))
    # A list sharing one head noun names each: "breast, lung, colon and endometrial cancer" is four cancers.
    for lm in _COORDINATED.finditer(text):
        head = lm.group("head")
        for e in re.split(r",\s*|\s+(?:and|or)\s+", lm.group("items")):
            e = e.strip()
            if not e or e.lower() in ("and", "or"):
                continue
            ui = m.terms.get(term_key(f"{e} {head}")) or m.terms.get(term_key(f"{e.split()[-1]} {head}"))
            if ui and not any(x.ui == ui for x in out):
                s = lm.start("items") + lm.group("items").find(e)
                out.append(Mention(ui, s, s + len(e), e))
    # A gloss in parentheses may split a term: "ileal (small intestine) cancer" is ileal cancer too.
    if "(" in text:
        glosses = [g.span() for g in re.finditer(r"\([^()]{1,60}\)", text)]
        kept = [t for t in toks if not any(s <= t[1] < e for s, e in glosses)]
        for a, b, ui in _longest(kept, m.terms, _phrase_ui()):
            s, e = kept[a][1], kept[b - 1][2]
            if any(s < gs and ge < e for gs, ge in glosses) and not any(x.ui == ui for x in out):
                out.append(Mention(ui, s, e, text[s:e]))
    out.sort(key=lambda x: x.start)
    return out
