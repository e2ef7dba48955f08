"""Name normalisation: the party names of SIPRI and UNODA mapped to the graph's actors.

A name is resolved, in order, through the curated table below (spelling variants of actors the
graph already has, and the few actors every import needs), the labels and aliases of actors
already in the store, and finally a new actor whose id is the slug of the name. Names the
resolver had to guess about (parenthesised qualifiers, non-state markers, new actors that look
like organisations) are reported as unsure.

A new state gets the ISO 3166 codes of the country ISO 3166 (or a dataset spelling of
:mod:`caucasus_kg.model.iso3166`) names so; a name whose country is already an actor with that
alpha-3 code resolves to that actor rather than to a second one. A new state ISO 3166 does not
name is recorded without codes and reported as unsure.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from caucasus_kg.model import iso3166

CURATED: dict[str, str] = {
    "turkiye": "turkiye",
    "türkiye": "turkiye",
    "turkey": "turkiye",
    "russia": "russia",
    "russian federation": "russia",
    "united states": "united-states",
    "united states of america": "united-states",
    "usa": "united-states",
    "soviet union": "soviet-union",
    "ussr": "soviet-union",
    "union of soviet socialist republics": "soviet-union",
    "unknown supplier(s)": "unknown-supplier",
    "unknown supplier": "unknown-supplier",
    "unknown recipient(s)": "unknown-recipient",
    "unknown recipient": "unknown-recipient",
    "united kingdom of great britain and northern ireland": "united-kingdom",
    "united kingdom": "united-kingdom",
    "republic of moldova": "moldova",
    "czech republic": "czechia",
    "iran (islamic republic of)": "iran",
    "syrian arab republic": "syria",
    "republic of korea": "south-korea",
    "south korea": "south-korea",
    "democratic people's republic of korea": "north-korea",
    "north korea": "north-korea",
    "viet nam": "viet-nam",
    "lao people's democratic republic": "laos",
    "laos": "laos",
    "united republic of tanzania": "tanzania",
    "bolivia (plurinational state of)": "bolivia",
    "venezuela (bolivarian republic of)": "venezuela",
}
"""Lower-cased dataset spellings -> actor id."""

NEW_ACTORS: dict[str, tuple[str, str, str | None]] = {
    "soviet-union": ("State", "Soviet Union", "Q15180"),
    "unknown-supplier": ("Actor", "Unknown supplier(s)", None),
    "unknown-recipient": ("Actor", "Unknown recipient(s)", None),
    "united-kingdom": ("State", "United Kingdom", "Q145"),
    "moldova": ("State", "Moldova", "Q217"),
    "czechia": ("State", "Czechia", "Q213"),
    "iran": ("State", "Iran", "Q794"),
    "syria": ("State", "Syria", "Q858"),
    "south-korea": ("State", "South Korea", "Q884"),
    "north-korea": ("State", "North Korea", "Q423"),
    "laos": ("State", "Laos", "Q819"),
    "tanzania": ("State", "Tanzania", "Q924"),
    "bolivia": ("State", "Bolivia", "Q750"),
    "venezuela": ("State", "Venezuela", "Q717"),
}
"""Actors the curated table names that the shipped graph may not have: (class, label, QID)."""

ORGANISATION_WORDS = re.compile(r"\b(nations|union|nato|organi[sz]ation|alliance|league|"
                                r"rebels|front|army|forces|movement|party|group)\b", re.I)


def slugify(name: str) -> str:
    """A lower-case ASCII id: 'Côte d'Ivoire' -> 'cote-d-ivoire'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unnamed"


@dataclass(frozen=True)
class Actor:
    """A resolved party: its id, and for a new actor what to declare."""

    slug: str
    label: str
    kind: str = "State"  # class name in ckg: for new actors
    wikidata: str | None = None
    new: bool = False
    iso3166: iso3166.Codes | None = None
    """A new state's ISO 3166 codes, where the standard names it."""


@dataclass
class NameResolver:
    """Resolves dataset party names; remembers what it created and what it was unsure about."""

    known: dict[str, str] = field(default_factory=dict)
    """Lower-cased labels and aliases of actors in the store -> id."""
    known_ids: set[str] = field(default_factory=set)
    known_codes: dict[str, str] = field(default_factory=dict)
    """ISO 3166 alpha-3 codes of actors in the store -> id."""
    created: dict[str, Actor] = field(default_factory=dict)
    unsure: dict[str, str] = field(default_factory=dict)
    """raw name -> why the resolution is a guess."""

    def resolve(self, raw: str) -> Actor:
        name = " ".join(html.unescape(raw).split())  # UNODA: "C&ocirc;te d'Ivoire"
        stars = len(name) - len(name.rstrip("*"))
        bare = name.rstrip("*").strip()
        key = bare.lower()
        slug = CURATED.get(key) or self.known.get(key)
        if slug is None and "(" in bare:
            # 'Hezbollah (Lebanon)': the qualifier names where, not who
            slug = self.known.get(re.sub(r"\s*\(.*?\)\s*", " ", bare).strip().lower())
            if slug is not None:
                self.unsure.setdefault(raw, f"matched to '{slug}' without its qualifier")
        slug = slug or slugify(bare)
        if slug in self.known_ids:
            return Actor(slug, bare)
        if slug in NEW_ACTORS:
            kind, label, qid = NEW_ACTORS[slug]
            codes = iso3166.for_name(label) if kind == "State" else None
            return self._create(Actor(slug, label, kind, qid, new=True, iso3166=codes))
        kind = "State"
        if stars >= 2:
            kind = "InternationalOrganisation"
            self.unsure.setdefault(raw, "SIPRI marks it as an organisation ('**'); "
                                        "recorded as a new international organisation")
        elif stars == 1:
            kind = "Actor"
            self.unsure.setdefault(raw, "SIPRI marks it as a non-state actor ('*'); "
                                        "recorded as a new actor of no narrower class")
        elif ORGANISATION_WORDS.search(bare):
            kind = "Actor"
            self.unsure.setdefault(raw, "does not look like a state name; recorded as a new "
                                        "actor of no narrower class")
        elif "(" in bare:
            self.unsure.setdefault(raw, "a qualified name the graph does not know; recorded "
                                        "as a new state")
        if slug in self.created:
            return self.created[slug]
        codes = iso3166.for_name(bare) if kind == "State" else None
        if kind == "State" and codes is None:
            self.unsure.setdefault(raw, "a new state without ISO 3166 codes: the standard does "
                                        "not name a country so (see docs/importing.md)")
        if codes is not None:
            same = self._with_code(codes.alpha3, bare)
            if same is not None:
                self.unsure.setdefault(raw, f"matched to '{same.slug}' by its ISO 3166 code "
                                            f"{codes.alpha3}")
                return same
        return self._create(Actor(slug, bare, kind, None, new=True, iso3166=codes))

    def _with_code(self, alpha3: str, name: str) -> Actor | None:
        """The actor, in the store or created by this import, with this alpha-3 code."""
        slug = self.known_codes.get(alpha3)
        if slug is not None:
            return Actor(slug, name)
        return next((a for a in self.created.values()
                     if a.iso3166 is not None and a.iso3166.alpha3 == alpha3), None)

    def _create(self, actor: Actor) -> Actor:
        existing = self.created.get(actor.slug)
        if existing is not None:
            return existing
        self.created[actor.slug] = actor
        return actor
