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

from dataclasses import dataclass, field

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
# Tops too vague to be a subject by themselves: "infection", "injury" (their kinds are subjects).
_VAGUE_TOPS = ("C01", "C26")
_ANATOMY = tuple(f"A{n:02d}" for n in list(range(1, 11)) + [14])
# Life stages: only children against adults conflict (adults and the aged are both grown-ups).
_YOUNG = ("M01.060.057", "M01.060.406", "M01.060.703")       # adolescent, child, infant
_GROWN = ("M01.060.116",)                                      # adult, middle aged, aged


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


def _related_trees(a: str, b: str, depth: int, site_depth: int | None = None) -> bool:
    if a == b or a.startswith(b + ".") or b.startswith(a + "."):
        return True
    # Neoplasms by site (C04.588) are filed by organ, level by level: ileal and colonic neoplasms meet
    # five levels down (intestinal neoplasms) and are still different cancers.  They get a depth of
    # their own.
    if site_depth is not None and a.startswith("C04.588.") and b.startswith("C04.588."):
        return _shared_depth(a, b) >= site_depth
    return _shared_depth(a, b) >= depth


def related(axis: str, a: str, b: str, depth: int, site_depth: int | None = None) -> bool:
    """Are two descriptors on one axis about the same thing, for conflict purposes?"""
    if a == b:
        return True
    ta, tb = axis_trees(a).get(axis, ()), axis_trees(b).get(axis, ())
    if axis == "age":
        stage = lambda ts: {("young" if t.startswith(_YOUNG) else "grown" if t.startswith(_GROWN) else "any")
                            for t in ts}
        sa, sb = stage(ta), stage(tb)
        return bool(sa & sb) or "any" in sa | sb
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
    if axis == "histology":
        depth += 1          # depth counts below the axis's root: tumour types start at C04.557, a level down
    return any(_related_trees(x, y, depth, site_depth) for x in ta for y in tb)


def _ancestor(axis: str, a: str, b: str) -> bool:
    """Is a a strict ancestor of b on the axis?"""
    return a != b and any(y.startswith(x + ".") for x in axis_trees(a).get(axis, ()) for y in axis_trees(b).get(axis, ()))


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
            for u in uis:
                tu = axis_trees(u).get(ax, ())
                if ax == "organism" and u == ANIMALS and len(uis - {ANIMALS, HUMANS}) > 0:
                    continue        # the Animals tag beside Mice says nothing more
                if any(v != u and any(y.startswith(x + ".") for x in tu for y in axis_trees(v).get(ax, ()))
                       for v in uis):
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


def text_profile(text: str) -> Profile:
    """Descriptors named in a text (a title, question, claim or abstract)."""
    p = Profile()
    m = mx.load()
    for mt in mx.find_terms(text):
        p.add(mt.ui)
        d = m.get(mt.ui)
        # A pathogen names its infection: "Enterobius vermicularis eggs" is about enterobiasis, "Plasmodium"
        # about malaria (MeSH lists "<organism> infection" as an entry term of the disease).
        if d and any(t.startswith(("B01", "B02", "B03", "B04")) and not t.startswith("B01.050.150") for t in d.trees):
            for cand in (mt.text, d.name):
                ui = m.terms.get(mx.term_key(cand + " infection"))
                if ui:
                    p.add(ui)
                    break
    return p.most_specific()


def record_profile(mesh_headings, title: str, abstract: str) -> Profile:
    """A source's profile: its major MeSH topics and title make its topic, every heading and the
    abstract what it names.  With no MeSH, the title and abstract (and with no abstract, the title)."""
    p = Profile(origin="mesh" if mesh_headings else ("text" if abstract else "title"))
    majors = [h for h in mesh_headings if h.major]
    for h in mesh_headings:
        if not h.ui:
            continue
        # Species and age groups are check tags, never major: they say whom the study is about.
        tag = set(axis_trees(_canonical(h.ui))) & {"organism", "age"}
        p.add(h.ui, about=h.major or not majors or bool(tag), weight=1.0 if h.major else 0.5)
        p.add(h.ui, about=False)
    title_p = text_profile(title)
    if mesh_headings:
        # The title adds to the topic only on axes the headings leave empty ("in sheep" with no tag).
        for ax, uis in title_p.about.items():
            if not p.on(ax) and not p.names.get(ax):
                p.about.setdefault(ax, set()).update(uis)
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
        p.names.setdefault(ax, set()).update(uis)
    return p.most_specific()


def consensus(profiles: list[Profile], min_count: int = 2, share: float = 0.5) -> Profile:
    """What most of several profiles agree on: per axis, descriptors related to at least ``share`` of
    those naming the axis (and at least ``min_count``)."""
    out = Profile()
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
            if agree >= max(min_count, share * len(naming)):
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
