"""What a text, a source or an article is about, in MeSH terms, and when two subjects conflict.

A subject profile holds MeSH descriptors on five axes, read from their tree numbers:
* disease: diseases (C) and mental disorders (F03), including neoplasms by site (C04.588);
* histology: kinds of tumour (C04.557), a separate axis because a neuroendocrine tumour of the
  ileum is both "Neuroendocrine Tumors" and "Ileal Neoplasms";
* anatomy: body parts (A01-A10, A14);
* organism: vertebrates (B01.050.150), the study population: humans, mice, sheep;
* age: age groups (M01.060): children against adults.

Two subjects conflict on an axis when both name something there and no pair of their descriptors
is related in the tree: one an ancestor of the other, or sharing a branch at least ``depth`` levels
deep (a depth chosen on the training pairs of ``citeaudit eval topic``).  Tree distance also gives a
relatedness signal (``relatedness``) for the relevance score.
"""
from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from audit.scoring import concepts as cx
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


# --------------------------------------------------------------------------- profiles

@dataclass
class Profile:
    """Descriptors by axis: what it is ``about`` (its topic) and everything it ``names``."""

    about: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)   # major MeSH topics weigh 1, others less
    companions: dict[str, set[str]] = field(default_factory=dict)   # an article's: what its sources name beside it
    origin: str = "text"             # text | mesh | title (a record with no abstract and no MeSH)

    def on(self, axis: str) -> set[str]:
        return self.about.get(axis, set())

    def named(self, axis: str) -> set[str]:
        return self.names.get(axis, set()) | self.on(axis)

    def recognised(self) -> bool:
        return any(self.on(a) for a in ("disease", "histology", "anatomy", "organism"))

    def add(self, ui: str, about: bool = True, weight: float = 1.0) -> None:
        ui = _canonical(ui)
        for ax in axis_trees(ui):
            (self.about if about else self.names).setdefault(ax, set()).add(ui)
        self.weight[ui] = max(self.weight.get(ui, 0.0), weight)

    def merge(self, other: "Profile", about: bool = True) -> None:
        for ax, uis in other.about.items():
            (self.about if about else self.names).setdefault(ax, set()).update(uis)
        for ax, uis in other.names.items():
            self.names.setdefault(ax, set()).update(uis)
        for k, v in other.weight.items():
            self.weight[k] = max(self.weight.get(k, 0.0), v)

    def most_specific(self) -> "Profile":
        """Drop descriptors that are ancestors of another on the same axis ("cancer" beside "ovarian cancer")."""
        out = Profile(names={k: set(v) for k, v in self.names.items()}, weight=dict(self.weight), origin=self.origin)
        for ax, uis in self.about.items():
            keep = set()
            # "Neoplasms" beside a squamous cell carcinoma of the head and neck says nothing more, though one is
            # read as a disease and the other as a tumour type.
            peers = uis | (set().union(*(self.about.get(a, set()) for a in _DISEASE_AXES)) if ax in _DISEASE_AXES
                           else set())
            for u in uis:
                tu = _relation_trees(u, ax)
                if ax == "organism" and u == ANIMALS and len(uis - {ANIMALS, HUMANS}) > 0:
                    continue        # the Animals tag beside Mice says nothing more
                if any(v != u and any(y.startswith(x + ".") for x in tu for y in _relation_trees(v, ax))
                       for v in peers):
                    out.names.setdefault(ax, set()).add(u)     # still named: it counts for relatedness
                    continue
                keep.add(u)
            out.about[ax] = keep
        return out

    def describe(self, axes=("disease", "histology", "organism", "age"), limit: int = 4) -> str:
        m = mx.load()
        parts = []
        for ax in axes:
            for ui in sorted(self.on(ax), key=lambda u: (-self.weight.get(u, 0), u))[:limit]:
                d = m.get(ui)
                if d:
                    parts.append(d.label())
        return ", ".join(parts)


@lru_cache(maxsize=20_000)
def _infection_of(written: str, name: str) -> str:
    """The disease a pathogen's name points to, from the vocabulary: "<organism> infection" as MeSH lists it
    ("HIV-1" by its genus HIV), the genus named as a disease the way MeSH names them (Strongyloides ->
    strongyloidiasis, Echinococcus -> echinococcosis, Leishmania -> leishmaniasis), else the disease its name
    begins with ("Middle East Respiratory Syndrome Coronavirus" -> the syndrome, dengue virus -> dengue)."""
    m = mx.load()
    names = [written, name]
    d = m.named(name)
    for t in (d.trees if d else ()):
        parts = t.split(".")
        names += [m.get(_UI_AT.get(".".join(parts[:k]), "")).name for k in range(len(parts) - 1, 2, -1)
                  if m.get(_UI_AT.get(".".join(parts[:k]), ""))][:2]
    disease = lambda ui: ui if ui and any(t.startswith("C") for t in m.get(ui).trees) else ""
    for cand in names:
        ui = disease(m.terms.get(mx.term_key(cand + " infection")))
        if ui:
            return ui
    for cand in names:
        genus = mx.term_key(cand).split()[:1]
        for stem in {genus[0][:len(genus[0]) - k] for k in (0, 1, 2)} if genus and len(genus[0]) > 5 else ():
            for suffix in ("iasis", "osis", "sis", "iosis"):
                ui = disease(m.terms.get(stem + suffix))
                if ui:
                    return ui
    words = mx.term_key(name).split()
    for k in range(len(words) - 1, 0, -1):
        ui = disease(m.terms.get(" ".join(words[:k])))
        if ui:
            return ui
    return ""


class _TreeIndex(dict):
    """Tree number -> descriptor UI, built on first use."""

    def get(self, key, default=None):
        if not self:
            self.update({t: ui for ui, (_, trees) in mx.load().descriptors.items() for t in (trees.split("|") if trees else ())})
        return super().get(key, default)


_UI_AT = _TreeIndex()


@lru_cache(maxsize=1)
def _organism_words() -> frozenset[str]:
    """Words of the organisms' entry terms ("Mice, Inbred Strains", "Bacterial Strains")."""
    m = mx.load()
    out: set[str] = set()
    for key, ui in m.terms.items():
        d = m.get(ui)
        if d and any(t.startswith("B") for t in d.trees):
            out.update(key.split())
    return frozenset(out)


def _other_sense(mt, mentions, m) -> bool:
    """An injury named by one word that the vocabulary also uses for organisms ("strains") is an injury only
    beside a body part ("a hamstring strain"); "bacterial strains", "CF-1 mouse strains" or a material's strain
    are not Sprains and Strains."""
    d = m.get(mt.ui)
    if not d or not d.trees or not all(t.startswith("C26") for t in d.trees):
        return False
    word = mx.term_key(mt.text)
    if " " in word or word not in _organism_words():
        return False
    return not any("anatomy" in axis_trees(o.ui) and abs(o.start - mt.start) <= 60 for o in mentions if o is not mt)


def text_profile(text: str, known: dict[str, str] | None = None) -> Profile:
    """Descriptors named in a text (a title, question, claim or abstract); ``known``: the article's abbreviations."""
    p = Profile()
    m = mx.load()
    species: dict[str, int] = {}
    mentions = mx.find_terms(text, known=known)
    for mt in mentions:
        if _other_sense(mt, mentions, m):
            continue
        if "organism" in axis_trees(_canonical(mt.ui)) and _canonical(mt.ui) != ANIMALS:
            species[_canonical(mt.ui)] = species.get(_canonical(mt.ui), 0) + 1
        p.add(mt.ui)
        d = m.get(mt.ui)
        # A pathogen names its infection: "Enterobius vermicularis eggs" is about enterobiasis, "Plasmodium"
        # about malaria (MeSH lists "<organism> infection" as an entry term of the disease).
        if d and any(t.startswith(("B01", "B02", "B03", "B04")) and not t.startswith("B01.050.150") for t in d.trees):
            ui = _infection_of(mt.text, d.name)
            if ui:
                p.add(ui)
    # The study population is the species a text keeps naming: an abstract on mice deficient in MDA5 that once
    # mentions "human disease" is about mice (MeSH would tag it Mice, not Humans).
    if species:
        top = max(species.values())
        # ("animals" names no species: it neither outnumbers one nor is outnumbered.)
        p.about["organism"] = {u for u in p.about.get("organism", set()) if 2 * species.get(u, top) > top}
    return p.most_specific()


def _ui_of(descriptor: str) -> str:
    """Older MEDLINE files name a heading without its UI: the vocabulary gives it."""
    d = mx.load().named(descriptor) if descriptor else None
    return d.ui if d else ""


def record_profile(mesh_headings, title: str, abstract: str) -> Profile:
    """A source's profile: its major MeSH topics and title make its topic, every heading and the
    abstract what it names.  With no MeSH, the title and abstract (and with no abstract, the title)."""
    p = Profile(origin="mesh" if mesh_headings else ("text" if abstract else "title"))
    abstract = " ".join(x for x in re.split(r"(?<=[.;])\s+", abstract) if not cx.EXCLUSION.search(x)) if abstract \
        else abstract
    majors = [h for h in mesh_headings if h.major]
    for h in mesh_headings:
        ui = h.ui or _ui_of(h.descriptor)
        if not ui:
            continue
        # Species and age groups are check tags, never major: they say whom the study is about.
        tag = set(axis_trees(_canonical(ui))) & {"organism", "age"}
        p.add(ui, about=h.major or not majors or bool(tag), weight=1.0 if h.major else 0.5)
        p.add(ui, about=False)
    title_p = text_profile(title)
    if mesh_headings:
        # The title adds to the topic only on axes the headings leave empty ("in sheep" with no tag).
        for ax, uis in title_p.about.items():
            if not p.on(ax) and not p.names.get(ax):
                p.about.setdefault(ax, set()).update(uis)
            if ax not in ("organism", "age") or not p.on(ax):
                p.names.setdefault(ax, set()).update(uis)
    else:
        p.merge(title_p)
        if abstract:
            body = text_profile(abstract)
            for ax, uis in body.about.items():
                # The abstract names many things in passing: it makes the topic only where the title is silent.
                if not p.on(ax):
                    p.about.setdefault(ax, set()).update(uis)
                p.names.setdefault(ax, set()).update(uis)
    for ax, uis in text_profile(abstract).about.items() if (abstract and mesh_headings) else ():
        # Species and age are check tags, complete where the headings give them: a rat study whose abstract
        # speaks of "humans" is not a human study in passing.
        if ax in ("organism", "age") and p.on(ax):
            continue
        p.names.setdefault(ax, set()).update(uis)
    return p.most_specific()


def consensus(profiles: list[Profile], min_count: int = 2, share: float = 0.5, of_all: bool = False) -> Profile:
    """What most of several profiles agree on: per axis, descriptors related to at least ``share`` of the
    profiles that name anything (``of_all``: of all of them), and to at least ``min_count``.  Counting only those
    naming the axis would let two sources of ten, or one claim's side term, become the subject."""
    out = Profile()
    speaking = profiles if of_all else [p for p in profiles if p.recognised() or p.on("age")]
    for ax in AXES:
        naming = [p for p in profiles if p.on(ax)]
        if len(naming) < min_count:
            continue
        counts: dict[str, int] = {}
        for p in naming:
            for u in p.on(ax):
                counts[u] = counts.get(u, 0) + 1
        for u, n in counts.items():
            agree = sum(1 for p in naming if any(related(ax, u, v, 99) for v in p.on(ax)))
            if agree >= max(min_count, share * len(speaking)):
                out.about.setdefault(ax, set()).add(u)
                out.weight[u] = n / len(naming)
    return out.most_specific()


# --------------------------------------------------------------------------- conflicts

@dataclass
class Conflict:
    axis: str
    mine: list[str]              # descriptor UIs of the first profile on that axis
    theirs: list[str]            # ... of the second

    def text(self, my_name: str, their_name: str) -> str:
        m = mx.load()
        lab = lambda uis: " / ".join(m.get(u).label() if m.get(u) else u for u in uis[:3])
        word = {"disease": "disease", "histology": "tumour type", "anatomy": "site", "organism": "species",
                "age": "age group"}[self.axis]
        return f"{their_name} is about {lab(self.theirs)}; {my_name} is about {lab(self.mine)} ({word} differs)"


def conflicts(a: Profile, b: Profile, depth: int, axes=CONFLICT_AXES, organism_depth: int = 7,
              site_depth: int | None = None) -> list[Conflict]:
    """Axes on which a's topic and b's topic name descriptors with no related pair (b's names count).

    ``depth`` is for diseases and tumour types; ``organism_depth`` for species (7: humans and mice, which
    meet at depth 6 among the placental mammals, differ; sheep and goats, which meet at 8, do not)."""
    out = []
    for ax in axes:
        d = organism_depth if ax == "organism" else depth
        mine, theirs = a.on(ax), b.on(ax)
        if not mine or not theirs:
            continue
        if ax == "organism" and (mine == {ANIMALS} and HUMANS not in b.named(ax) and b.named(ax)):
            continue
        if any(related(ax, x, y, d, site_depth) for x in mine for y in theirs):
            continue
        # Something the source names in passing vouches only when it is as specific: "tumour" in an abstract
        # about duodenal polyps does not make it a source on lung cancer.
        if any(related(ax, x, y, d, site_depth) and not _ancestor(ax, y, x)
               for x in mine for y in b.named(ax) - theirs):
            continue
        # Ties broken by UI: a set's order changes with the process's hash seed, and the text must not.
        out.append(Conflict(ax, sorted(mine, key=lambda u: (-a.weight.get(u, 0), u)),
                            sorted(theirs, key=lambda u: (-b.weight.get(u, 0), u))))
    return out


def companions(subject: Profile, sources: list[Profile], cfg) -> dict[str, set[str]]:
    """Diseases, tumour types and drugs that the subject's own sources name beside it (co-occurrence in a record's
    headings, title or abstract): a complication, comorbidity or risk factor of the subject, or its treatment, by
    the sources' own account.  Only sources on the subject count: one that names the subject's disease and conflicts with it
    on no axis."""
    out: dict[str, set[str]] = {}
    if not any(subject.on(ax) for ax in _DISEASE_AXES):
        return out
    for src in sources:
        mentions = {ax: src.named(ax) for ax in _DISEASE_AXES + ("treatment",)}
        if not any(related(ax, x, y, cfg.mesh_depth, cfg.mesh_depth_site) for ax in _DISEASE_AXES
                   for x in subject.on(ax) for y in mentions[ax]):
            continue
        if conflicts(subject, src, cfg.mesh_depth, axes=_DISEASE_AXES, site_depth=cfg.mesh_depth_site):
            continue
        for ax, uis in mentions.items():
            out.setdefault(ax, set()).update(uis)
    return out


def accompanies(subject: Profile, source: Profile, conflict: Conflict, cfg) -> bool:
    """Is a source's conflicting topic one of the subject's companions (a complication, comorbidity or risk factor
    its own sources name beside it), and not merely a wider heading of the subject?"""
    ax = conflict.axis
    # A near sibling the tree tells apart (trypanosomiasis beside leishmaniasis: one order of parasites) is another
    # disease even where a source screens for both.
    near = lambda c: any(_shared_depth(t, u) >= 3 and not related(ax, c, x, cfg.mesh_depth, cfg.mesh_depth_site)
                         for x in subject.on(ax) for t in _relation_trees(c, ax) for u in _relation_trees(x, ax))
    comp = {c for c in subject.companions.get(ax, set()) if not near(c)}
    return any(related(conflict.axis, c, y, cfg.mesh_depth, cfg.mesh_depth_site)
               and not any(_ancestor(conflict.axis, c, x) or c == x for x in subject.on(conflict.axis))
               and not _ancestor(conflict.axis, y, c)
               for c in comp for y in source.on(conflict.axis))


def closeness(a: Profile, b: Profile, axes) -> float:
    """0..1: the best tree similarity between a's topic and what b names, on the given axes."""
    return max((similarity(ax, x, y) for ax in axes for x in a.on(ax) for y in b.named(ax)), default=0.0)


def relatedness(a: Profile, b: Profile) -> float:
    """0..1: how close b's descriptors are to a's in the tree (0.5 when a names no disease, tumour
    type or body part): the mean over a's axes of the best similarity, major topics weighed higher."""
    scores = []
    for ax in ("disease", "histology", "anatomy"):
        mine = a.on(ax)
        if not mine:
            continue
        theirs = b.named(ax)
        if not theirs:
            scores.append(0.0)
            continue
        best = max(similarity(ax, x, y) * (0.5 + 0.5 * b.weight.get(y, 0.5)) for x in mine for y in theirs)
        scores.append(best)
    return sum(scores) / len(scores) if scores else 0.5
