"""The MeSH tree as the subject judgement reads it: which axis a descriptor is on (disease, tumour\ntype, body part, species, age group), how deep two descriptors share a branch, and the bridges of\nthe poly-hierarchy (a descriptor filed under several branches).  Pure functions over audit/scoring/mesh.\n"""
from __future__ import annotations

import bisect
import os
import re
from functools import lru_cache

from audit.scoring import mesh as mx


AXES = ("disease", "histology", "anatomy", "organism", "age")
# Axes whose conflict makes a source off topic.  Anatomy named in passing ("liver metastases",
# "blood samples") is too common to decide by itself; it counts for relatedness only.
CONFLICT_AXES = ("disease", "histology", "organism", "age")

HUMANS = "D006801"
ANIMALS = "D000818"          # stands for "some animal" (an animal model, the Animals check tag)
_HUMAN_WORDS = {"D010361", "D014930", "D008571", "D009272"}      # Patients, Women, Men, Persons
_ANIMAL_MODELS = {"D023421", "D004195"}                           # Models, Animal; Disease Models, Animal

# Branches that name a process or a property of disease, not what a text is about: metastasis (where a
# tumour spreads), and C23, pathological conditions, signs and symptoms (fibrosis, inflammation, pain,
# disease progression), which every field shares.  A descriptor filed there and elsewhere (Atrial
# Fibrillation is C14 too) keeps its other places.
_NOT_A_SUBJECT = ("C04.697", "C23", "C26")
# Drugs, by substance (organic, heterocyclic, polycyclic compounds) and by pharmacological action: never a
# subject, but what the subject's own sources treat it with (an antipsychotic's side effects are a psychosis
# article's business).
_DRUGS = ("D02.", "D03.", "D04.", "D27.505.")
# Tops too vague to be a subject by themselves: "infection", "injury" (their kinds are subjects).
_VAGUE_TOPS = ("C01", "C26")
_ANATOMY = tuple(f"A{n:02d}" for n in list(range(1, 11)) + [14])
# Life stages: children against adults conflict, and young adults (MeSH: 19-24 years) against the aged (65 and
# over); "adults" in general meet both, as do middle-aged adults.
_YOUNG = ("M01.060.057", "M01.060.406", "M01.060.703")       # adolescent, child, infant
_GROWN = ("M01.060.116",)                                      # adult, middle aged, aged
_YOUNG_ADULT = "M01.060.116.815"
_AGED = "M01.060.116.100"
_MEETS = {"young": {"young"}, "grown": {"grown", "young_adult", "aged"}, "young_adult": {"grown", "young_adult"},
          "aged": {"grown", "aged"}}


def _stage(tree: str) -> str:
    if tree.startswith(_YOUNG):
        return "young"
    if tree.startswith(_YOUNG_ADULT):
        return "young_adult"
    if tree.startswith(_AGED):
        return "aged"
    if tree.startswith(_GROWN):
        return "grown"
    return "any"


def _axis(tree: str) -> str:
    if tree.startswith("C04.557"):
        return "histology"
    if tree in _VAGUE_TOPS:
        return ""
    if tree.startswith(_NOT_A_SUBJECT) and not tree.startswith("C26."):
        return ""
    if tree.startswith("C") or tree.startswith("F03"):
        return "disease"
    if tree.startswith(_ANATOMY):
        return "anatomy"
    if tree.startswith("B01.050.150"):
        return "organism"
    if tree.startswith("M01.060."):
        return "age"
    if tree.startswith(_DRUGS) and tree.count(".") >= 2:
        return "treatment"
    return ""


def axis_trees(ui: str) -> dict[str, tuple[str, ...]]:
    """The descriptor's tree numbers by axis."""
    return _axis_trees_cached(ui)


_CACHE: dict[str, dict[str, tuple[str, ...]]] = {}


def _axis_trees_cached(ui: str) -> dict[str, tuple[str, ...]]:
    got = _CACHE.get(ui)
    if got is not None:
        return got
    out: dict[str, list[str]] = {}
    if ui in _HUMAN_WORDS:
        ui = HUMANS
    if ui in _ANIMAL_MODELS or ui == ANIMALS:
        out["organism"] = ["B01.050"]
    d = mx.load().get(ui)
    trees = d.trees if d else ()
    # A kind of tumour is not a site: Melanoma is filed under Skin Neoplasms too, but uveal melanoma
    # is not a skin cancer.
    if any(t.startswith("C04.557") for t in trees):
        trees = tuple(t for t in trees if not t.startswith(("C04.588", "C17.800")))
    if any(t.startswith("C04.697") for t in trees):
        trees = tuple(t for t in trees if not t.startswith("C"))      # metastasis is a process wherever filed
    for t in trees:
        ax = _axis(t)
        if ax:
            out.setdefault(ax, []).append(t)
    res = {k: tuple(v) for k, v in out.items()}
    _CACHE[ui] = res
    return res


def _canonical(ui: str) -> str:
    if ui in _HUMAN_WORDS:
        return HUMANS
    if ui in _ANIMAL_MODELS:
        return ANIMALS
    return ui


# --------------------------------------------------------------------------- relations in the tree

def _shared_depth(a: str, b: str) -> int:
    pa, pb = a.split("."), b.split(".")
    n = 0
    for x, y in zip(pa, pb):
        if x != y:
            break
        n += 1
    return n


_BY_PATHOGEN = ("C01.150.", "C01.610.", "C01.925.")     # bacterial, parasitic and viral infections


def _related_trees(a: str, b: str, depth: int, site_depth: int | None = None) -> bool:
    if a == b or a.startswith(b + ".") or b.startswith(a + "."):
        return True
    # Neoplasms by site (C04.588) are filed by organ, level by level: ileal and colonic neoplasms meet
    # five levels down (intestinal neoplasms) and are still different cancers.  They get a depth of
    # their own.
    if site_depth is not None and a.startswith("C04.588.") and b.startswith("C04.588."):
        return _shared_depth(a, b) >= site_depth
    # Infections are filed by the pathogen's taxonomy the same way: strongyloidiasis and enterobiasis meet five
    # levels down (nematode infections of one order) and are still different diseases.
    if site_depth is not None and a.startswith(_BY_PATHOGEN) and b.startswith(_BY_PATHOGEN):
        return _shared_depth(a, b) >= site_depth
    return _shared_depth(a, b) >= depth


# Diseases and kinds of tumour are one hierarchy (C04): "Neoplasms" is an ancestor of "Lymphoma" though one is
# read on the disease axis and the other on the tumour-type axis.  Relations between them use every tree number.
_DISEASE_AXES = ("disease", "histology")


def _relation_trees(ui: str, axis: str) -> tuple[str, ...]:
    trees = axis_trees(ui)
    if axis in _DISEASE_AXES:
        return trees.get(axis, ()) + tuple(t for ax in _DISEASE_AXES if ax != axis for t in trees.get(ax, ()))
    return trees.get(axis, ())


def related(axis: str, a: str, b: str, depth: int, site_depth: int | None = None) -> bool:
    """Are two descriptors on one axis about the same thing, for conflict purposes?"""
    if a == b:
        return True
    if axis in _DISEASE_AXES and bridged(a, b):
        return True
    ta, tb = _relation_trees(a, axis), _relation_trees(b, axis)
    if axis == "age":
        sa, sb = {_stage(t) for t in ta}, {_stage(t) for t in tb}
        return "any" in sa | sb or any(y in _MEETS[x] for x in sa for y in sb)
    if axis == "organism":
        human_a, human_b = a == HUMANS, b == HUMANS
        if human_a != human_b and ANIMALS in (a, b):
            return False            # an animal model is not people
        if ANIMALS in (a, b):
            return True
    if site_depth is not None and axis == "disease":
        # Two neoplasms by site are compared by site only: their copies under organ diseases (C06...)
        # would make ileal and colonic neoplasms neighbours again.
        sa = [t for t in ta if t.startswith("C04.588.")]
        sb = [t for t in tb if t.startswith("C04.588.")]
        if sa and sb:
            ta, tb = sa, sb
    hist = lambda x, y: depth + 1 if x.startswith("C04.557") and y.startswith("C04.557") else depth
    # depth counts below the axis's root: tumour types start at C04.557, a level down
    return any(_related_trees(x, y, hist(x, y), site_depth) for x in ta for y in tb)


def _ancestor(axis: str, a: str, b: str) -> bool:
    """Is a a strict ancestor of b on the axis?"""
    return a != b and any(y.startswith(x + ".") for x in _relation_trees(a, axis) for y in _relation_trees(b, axis))


# --------------------------------------------------------------------------- the poly-hierarchy

@lru_cache(maxsize=1)
def _disease_index() -> tuple[list[str], list[str]]:
    """Every disease tree number (C, F03) in order, with its descriptor: what lies below a tree number is a range."""
    rows = sorted((t, ui) for ui, (_, trees) in mx.load().descriptors.items() for t in (trees.split("|") if trees else ())
                  if _axis(t) in _DISEASE_AXES)
    return [t for t, _ in rows], [u for _, u in rows]


@lru_cache(maxsize=50_000)
def _below_tree(tree: str) -> frozenset[str]:
    """Descriptors filed at or under a tree number."""
    keys, uis = _disease_index()
    out = set()
    i = bisect.bisect_left(keys, tree)
    while i < len(keys) and (keys[i] == tree or keys[i].startswith(tree + ".")):
        out.add(uis[i])
        i += 1
    return frozenset(out)


def _first_word(name: str) -> str:
    return re.findall(r"[a-z]+", name.lower())[0] if re.search(r"[a-z]", name.lower()) else ""


def _name_linked(a: str, b: str) -> bool:
    """Does one heading name the other in its own words?  "Osteoporotic Fractures" are osteoporosis's, "Diabetic
    Foot" diabetes's: MeSH files them elsewhere (fractures, foot diseases), their names say whose they are."""
    m = mx.load()
    da, db = m.get(a), m.get(b)
    if not da or not db:
        return False
    for x, y in ((da, db), (db, da)):
        head = _first_word(y.name)
        if len(head) < 6:
            continue
        for w in re.findall(r"[a-z]+", x.name.lower()):
            n = len(os.path.commonprefix([w, head]))
            if w != head and n >= max(6, len(head) - 3):
                return True
    return False


def bridged(a: str, b: str) -> bool:
    """Does MeSH file some descriptor under both, from two branches?  Diabetic Nephropathies is under Diabetes
    Mellitus and under Kidney Diseases, Hypertension, Renal under Hypertension and Kidney Diseases: a complication
    shared by two branches makes them one subject's business.  Within one branch the tree depth decides; branch
    tops (Neoplasms, Infections) are too wide to bridge anything.  A heading that names the other in its own
    words (osteoporotic fractures) is bridged too."""
    if a == b:
        return True
    key = (a, b) if a < b else (b, a)
    got = _BRIDGES.get(key)
    if got is None:
        ta = {t for ax in _DISEASE_AXES for t in axis_trees(a).get(ax, ())}
        tb = {t for ax in _DISEASE_AXES for t in axis_trees(b).get(ax, ())}
        # Only as filed: lifting either side a level (so that kidney diseases meet type 2 diabetes through
        # diabetes mellitus) was measured and let planted sources through (leishmaniasis met pneumonia).
        got = (min((t.count(".") for t in ta | tb), default=0) >= 1
               and any(x.split(".")[0] != y.split(".")[0] and _below_tree(x) & _below_tree(y) for x in ta for y in tb)) \
            or _name_linked(a, b)
        if len(_BRIDGES) > 200_000:
            _BRIDGES.clear()
        _BRIDGES[key] = got
    return got


_BRIDGES: dict[tuple[str, str], bool] = {}


def similarity(axis: str, a: str, b: str) -> float:
    """0..1 tree closeness: the share of the longer path the two have in common (1 for the same
    descriptor; "Neoplasms" against "Prostatic Neoplasms" only 1/5: a general word is weak evidence)."""
    if a == b:
        return 1.0
    best = 0.0
    for x in axis_trees(a).get(axis, ()):
        for y in axis_trees(b).get(axis, ()):
            # Below "neoplasms by site" (C04.588) only the site counts: lung and colorectal cancer share
            # the two levels of that heading and nothing else.
            skip = 2 if x.startswith("C04.588.") and y.startswith("C04.588.") else 0
            best = max(best, (_shared_depth(x, y) - skip) / (max(x.count(".") + 1, y.count(".") + 1) - skip))
    return best
