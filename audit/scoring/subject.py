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

import re
from dataclasses import dataclass, field
from functools import lru_cache

from audit.scoring import concepts as cx
from audit.scoring import mesh as mx
# The tree relations live in subject_tree; the names are this module's too (callers read them as sj.*).
from audit.scoring.subject_tree import (  # noqa: F401
    AXES, CONFLICT_AXES, HUMANS, ANIMALS, _HUMAN_WORDS, _ANIMAL_MODELS, _NOT_A_SUBJECT, _DRUGS, _VAGUE_TOPS,
    _ANATOMY, _YOUNG, _GROWN, _YOUNG_ADULT, _AGED, _MEETS, _stage, _axis, axis_trees, _CACHE,
    _axis_trees_cached, _canonical, _shared_depth, _BY_PATHOGEN, _related_trees, _DISEASE_AXES,
    _relation_trees, related, _ancestor, _disease_index, _below_tree, _first_word, _name_linked, bridged,
    _BRIDGES, similarity)

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
