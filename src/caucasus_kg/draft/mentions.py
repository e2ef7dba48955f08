"""Finding the graph's entities in an article: a phrase matcher over every label, alias, Wikidata
QID and adjective of nationality (``rules.yaml``), near matches by edit distance, and the words
that stand for an entity named before ("he", "its", "the treaty", "the analyst").

Names the graph does not hold (runs of capitalised words) are returned as candidates for new
entities, with a type suggested from their last word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from caucasus_kg.draft.known import KnownEntity, KnownGraph
from caucasus_kg.draft.rules import Rules
from caucasus_kg.draft.text import plain

NEAR_MATCH_SCORE = 92.0
"""The least rapidfuzz ratio (0-100) at which an unknown name is read as a known one's spelling
variant ("Harutyunyan" is not "Harutyunov"; "Tuerkiye" is "Türkiye")."""

NOT_NAMES = frozenset(re.findall(r"\S+", """
a an the this that these those he she it its they their them his her we our you i in on at by for
of to from with but and or so yet if as after before since until when while during although though
however moreover meanwhile nonetheless nevertheless also still according full mr mrs ms dr
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december there here what which who whom whose where why
how some many most all any each every both one two three first second third last next new
"""))
"""Capitalised words that begin sentences or name dates, not entities."""


@dataclass
class Mention:
    start: int
    end: int
    text: str
    slug: str | None
    kind: str
    """name, demonym, near, qid, pronoun, role, definite"""
    wanted: str | None = None
    """For a pronoun or definite reference: the class it stands for."""
    score: float | None = None


CONNECTORS = ("of", "for", "on", "the", "and", "de", "al", "el")
"""Small words inside a name ("Centre for Analysis of World Arms Trade")."""


@dataclass
class NewName:
    """A proper name the graph does not hold."""

    text: str
    start: int
    end: int
    suggested_type: str | None
    occurrences: int = 1
    near: list[str] = field(default_factory=list)


def _names(entity: KnownEntity) -> list[str]:
    return [n for n in [entity.label, *entity.aliases] if n]


class Matcher:
    """Every way the graph's entities can be named in a text."""

    def __init__(self, known: KnownGraph, rules: Rules) -> None:
        self.known = known
        self.rules = rules
        forms: dict[str, set[str]] = {}
        self.kind_of: dict[str, str] = {}
        self.case_sensitive: set[str] = set()
        self.exact_form: dict[str, str] = {}
        self.capitalised: set[str] = set()
        for entity in known.entities.values():
            for name in _names(entity):
                self._add(forms, name, entity.slug, "name")
        for qid, words in rules.demonyms.items():
            entity = known.by_qid.get(qid)
            if entity is None:
                continue
            for word in words:
                key = plain(word).casefold()
                if key not in forms:
                    self._add(forms, word, entity.slug, "demonym")
        self.forms = forms
        names = sorted(forms, key=len, reverse=True)
        if names:
            self.pattern: re.Pattern[str] | None = re.compile(
                r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])",
                re.IGNORECASE)
        else:
            self.pattern = None
        self.choices = {plain(n).casefold(): e.slug for e in known.entities.values()
                        for n in _names(e)}

    def _add(self, forms: dict[str, set[str]], name: str, slug: str, kind: str) -> None:
        key = plain(name).casefold()
        if len(key) < 2:
            return
        forms.setdefault(key, set()).add(slug)
        self.kind_of.setdefault(key, kind)
        flat = plain(name)
        if flat.isupper() and len(flat.replace(".", "")) <= 5:
            self.case_sensitive.add(key)
            self.exact_form[key] = flat
        if flat[:1].isupper():
            self.capitalised.add(key)

    def scan(self, text: str, sentence_starts: set[int]) -> tuple[list[Mention], list[NewName]]:
        """Every mention of a known entity (leftmost-longest; a near spelling of a known name
        counts), then the references (pronouns, role nouns, definite descriptions) resolved to
        what was named last; and the names the graph does not hold."""
        flat = plain(text)
        found: list[Mention] = []
        if self.pattern is not None:
            # the longest name at every word start, then the longest first: "The Ministry of
            # Foreign Affairs of Armenia" is the ministry, not "The Ministry" and "Armenia"
            candidates = []
            for word in re.finditer(r"(?<![\w])\w", flat):
                match = self.pattern.match(flat, word.start())
                if match is None:
                    continue
                key = match.group(0).casefold()
                if key in self.case_sensitive and match.group(0) != self.exact_form[key]:
                    continue
                if key in self.capitalised and not match.group(0)[:1].isupper():
                    continue
                candidates.append(match)
            for match in sorted(candidates, key=lambda m: (m.start() - m.end(), m.start())):
                if _overlaps(found, match.start(), match.end()):
                    continue
                key = match.group(0).casefold()
                slugs = self.forms.get(key, set())
                slug = next(iter(slugs)) if len(slugs) == 1 else None
                found.append(Mention(match.start(), match.end(), text[match.start():match.end()],
                                     slug, self.kind_of[key] if slug else "ambiguous"))
        for match in re.finditer(r"(?<![\w])Q[1-9]\d*(?![\w])", flat):
            entity = self.known.by_qid.get(match.group(0))
            if entity is not None and not _overlaps(found, match.start(), match.end()):
                found.append(Mention(match.start(), match.end(), match.group(0), entity.slug,
                                     "qid"))
        names = self.new_names(text, found, sentence_starts)
        unknown = []
        for name in names:
            if len(name.near) != 1:
                unknown.append(name)
                continue
            for match in re.finditer(r"(?<![\w])" + re.escape(plain(name.text)) + r"(?![\w])",
                                     flat):
                if not _overlaps(found, match.start(), match.end()):
                    found.append(Mention(match.start(), match.end(),
                                         text[match.start():match.end()], name.near[0], "near"))
        found.sort(key=lambda m: (m.start, -m.end))
        return found, unknown

    def with_references(self, text: str, found: list[Mention],
                        lookup: Callable[[str], KnownEntity | None]) -> list[Mention]:
        """``found`` with the references added and resolved, in text order: a pronoun, role
        noun or definite description stands for the last entity of its class named before."""
        mentions = found + self._references(plain(text), text, found)
        mentions.sort(key=lambda m: (m.start, -m.end))
        last: dict[str, str] = {}
        for mention in mentions:
            if mention.slug is None and mention.wanted is not None:
                mention.slug = last.get(mention.wanted)
            entity = lookup(mention.slug) if mention.slug is not None else None
            if entity is not None:
                for cls in entity.classes:
                    if cls == "Actor" and entity.is_a("Person"):
                        continue
                    last[cls] = entity.slug
        return mentions

    def _references(self, flat: str, text: str, taken: list[Mention]) -> list[Mention]:
        refs: list[Mention] = []
        for match in re.finditer(r"(?<![\w])(?:he|she|him|his|her)(?![\w])", flat, re.IGNORECASE):
            refs.append(Mention(match.start(), match.end(), match.group(0), None, "pronoun",
                                "Person"))
        for match in re.finditer(r"(?<![\w])(?:it|its)(?![\w])", flat, re.IGNORECASE):
            refs.append(Mention(match.start(), match.end(), match.group(0), None, "pronoun",
                                "Actor"))
        for match in self.rules.person_roles.finditer(flat):
            before = flat[max(0, match.start() - 4):match.start()].lower()
            if before.endswith("the "):
                refs.append(Mention(match.start() - 4, match.end(), text[match.start() - 4:
                                    match.end()], None, "role", "Person"))
        words = "|".join(re.escape(w) for w in self.rules.definite_references)
        if words:
            for match in re.finditer(rf"(?<![\w])(?:the|that|this)\s+({words})(?![\w])", flat,
                                     re.IGNORECASE):
                after = flat[match.end():match.end() + 5]
                if match.group(1)[:1].isupper() and re.match(r"\s+(?:of|on|for)\b", after):
                    continue  # the start of a name ("the Treaty on Open Skies")
                cls = self.rules.definite_references[match.group(1).lower()]
                refs.append(Mention(match.start(), match.end(), text[match.start():match.end()],
                                    None, "definite", cls))
        return [r for r in refs if not _overlaps(taken, r.start, r.end)]

    # ----------------------------------------------------------------------------------------
    # Names the graph does not hold
    # ----------------------------------------------------------------------------------------

    def new_names(self, text: str, mentions: list[Mention], sentence_starts: set[int]
                  ) -> list[NewName]:
        """Runs of capitalised words that name no known entity, with a suggested type and any
        near match among the graph's names."""
        flat = plain(text)
        tokens = [(m.start(), m.end()) for m in
                  re.finditer(r"[A-Za-z0-9]\w*(?:['.-]\w+)*", flat)]
        runs: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            s, e = tokens[i]
            if not flat[s].isupper() or flat[s:e].lower() in NOT_NAMES:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens):
                gap = flat[tokens[j][1]:tokens[j + 1][0]]
                nxt = flat[tokens[j + 1][0]:tokens[j + 1][1]]
                if gap != " ":
                    break
                if nxt[0].isupper() and nxt.lower() not in NOT_NAMES:
                    j += 1
                    continue
                if nxt in CONNECTORS and j + 2 < len(tokens) and \
                        flat[tokens[j + 1][1]:tokens[j + 2][0]] == " " and \
                        flat[tokens[j + 2][0]].isupper():
                    j += 2
                    continue
                break
            runs.append((s, tokens[j][1]))
            i = j + 1
        seen: dict[str, NewName] = {}
        for start, end in runs:
            name = text[start:end]
            if name.endswith(("'s", "’s")):
                name, end = name[:-2], end - 2
            words = name.split()
            titled = False
            while len(words) > 1 and words[0].lower().rstrip(".") in self.rules.person_titles:
                start += len(words[0]) + 1
                name = text[start:end]
                words = name.split()
                titled = True
            if _overlaps(mentions, start, end) or re.fullmatch(r"[\d/.-]+", name):
                continue
            if len(words) == 1 and (start in sentence_starts or len(name) < 3):
                continue
            key = plain(name).casefold()
            if key in seen:
                seen[key].occurrences += 1
                continue
            seen[key] = NewName(name, start, end, "Person" if titled else
                                self.suggest_type(flat, start, name), near=self.near(name))
        return sorted(seen.values(), key=lambda n: n.start)

    def suggest_type(self, flat: str, start: int, name: str) -> str | None:
        words = plain(name).lower().split()
        for size in (2, 1):
            tail = " ".join(words[-size:])
            if tail in self.rules.name_types:
                return self.rules.name_types[tail]
        head = words[0] if words else ""
        if head in self.rules.name_types and len(words) > 1:
            return self.rules.name_types[head]
        before = flat[max(0, start - 30):start].lower().split()
        if before and before[-1].rstrip(".") in self.rules.person_titles:
            return "Person"
        after = flat[start + len(name):start + len(name) + 60].lower()
        if re.match(r",\s+(?:a|an|the)\s+[\w -]*?(?:" + "|".join(
                re.escape(t) for t in self.rules.person_titles) + r")\b", after):
            return "Person"
        if 2 <= len(words) <= 3 and all(w.isalpha() for w in words):
            return "Person"
        return None

    def near(self, name: str) -> list[str]:
        """Known entities whose name is a near spelling of ``name`` (best first)."""
        try:
            from rapidfuzz import fuzz, process  # lazy: the drafting extra, for near matches
        except ImportError:
            return []
        hits = process.extract(plain(name).casefold(), list(self.choices), scorer=fuzz.ratio,
                               score_cutoff=NEAR_MATCH_SCORE, limit=3)
        slugs = []
        for choice, _score, _index in hits:
            slug = self.choices[choice]
            if slug not in slugs:
                slugs.append(slug)
        return slugs


def _overlaps(mentions: list[Mention], start: int, end: int) -> bool:
    return any(m.start < end and start < m.end for m in mentions)
