"""The drafting cues as data: ``rules.yaml`` beside this module (or a file given with
``--rules``), read and compiled once.

Every cue is a regular expression matched case-insensitively as a whole word or phrase on the
*plain* text (:func:`caucasus_kg.draft.text.plain`: typographic quotes read as plain ones), so one
pattern covers "can't" and "can’t".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from caucasus_kg.core.diagnostics import Diagnostic, InputError

RULES_FILE = Path(__file__).with_name("rules.yaml")


def phrase(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of ``patterns`` as a whole word or phrase, case-insensitively."""
    ordered = sorted(patterns, key=len, reverse=True)
    # a name may appear in several alternatives (`rank`): each gets its own, `rank_0`, `rank_1`
    alternatives = "|".join("(?:" + re.sub(r"\(\?P<(\w+)>", rf"(?P<\1_{i}>", p) + ")"
                            for i, p in enumerate(ordered))
    return re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])", re.IGNORECASE)


def group(match: re.Match[str], name: str) -> str | None:
    """The text of the named group ``name`` in whichever alternative of :func:`phrase` matched."""
    for key, value in match.groupdict().items():
        if value is not None and key.rsplit("_", 1)[0] == name:
            return value
    return None


@dataclass(frozen=True)
class StanceCue:
    stance: str
    speech: bool
    """The cue's grammatical subject makes the claim ("Armenia denied ...")."""
    cameo: str | None
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Role:
    """An actor named after a preposition (``from``, ``to``): the key it fills, the class it must
    have, and the event type it turns the event into."""

    key: str
    cls: str
    type: str | None = None


@dataclass(frozen=True)
class EventRule:
    type: str
    section: str
    cameo: str | None
    subject: str
    object_key: str | None
    object_class: str | None
    object_required: bool
    prepositions: dict[str, Role]
    rank: bool
    pattern: re.Pattern[str]


@dataclass
class Rules:
    speech_verbs: re.Pattern[str]
    according_to: re.Pattern[str]
    person_roles: re.Pattern[str]
    connectors: re.Pattern[str]
    stances: list[StanceCue]
    nominal_claims: list[tuple[str, re.Pattern[str]]]
    events: list[EventRule]
    year_only: set[str]
    currencies: dict[str, str]
    scales: dict[str, int]
    bounds: dict[str, str]
    weapons: dict[str, str]
    demonyms: dict[str, list[str]]
    definite_references: dict[str, str]
    name_types: dict[str, str] = field(default_factory=dict)
    """Last word (or title) of a name -> suggested class."""
    person_titles: set[str] = field(default_factory=set)
    source: str = "rules.yaml"


def load_rules(path: Path | None = None) -> Rules:
    """Read and compile the cues; a malformed file raises :class:`InputError` naming it."""
    path = path or RULES_FILE
    shown = str(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return _compile(data, shown)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError([Diagnostic(shown, None, None, f"cannot read the drafting rules: {exc}",
                                     "give a UTF-8 YAML file laid out as the shipped rules.yaml")]
                         ) from exc
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise InputError([Diagnostic(shown, None, None, f"the drafting rules are malformed: "
                                     f"{type(exc).__name__}: {exc}",
                                     "lay the file out as the shipped rules.yaml")]) from exc


def _words(items: list[Any]) -> list[str]:
    return [str(i) for i in items]


def _compile(data: dict[str, Any], shown: str) -> Rules:
    att = data["attribution"]
    stances = [StanceCue(group["stance"], bool(group.get("speech")), group.get("cameo"),
                         phrase(_words(group["cues"]))) for group in data["stances"]]
    nominal = [(group["stance"], phrase(_words(group["nouns"])))
               for group in data["nominal_claims"]]
    events = []
    for rule in data["events"]:
        obj = rule.get("object") or {}
        roles = {prep: Role(spec["key"], spec["class"], spec.get("type"))
                 for prep, spec in (rule.get("prepositions") or {}).items()}
        events.append(EventRule(
            type=rule["type"], section=rule.get("section", "events"), cameo=rule.get("cameo"),
            subject=rule["subject"], object_key=obj.get("key"), object_class=obj.get("class"),
            object_required=bool(rule.get("object_required")), prepositions=roles,
            rank=bool(rule.get("rank")), pattern=phrase(_words(rule["triggers"]))))
    name_types = {}
    for cls, words in data["name_types"].items():
        for word in words:
            name_types[str(word).lower()] = cls
    money = data["money"]
    return Rules(
        speech_verbs=phrase(_words(att["verbs"])),
        according_to=phrase(_words(att["according_to"])),
        person_roles=phrase(_words(att["person_roles"])),
        connectors=re.compile(r"^(?:(?:" + "|".join(
            re.escape(str(c)) for c in sorted(att["connectors"], key=len, reverse=True))
            + r")\b[\s,]*)+", re.IGNORECASE),
        stances=stances, nominal_claims=nominal, events=events,
        year_only=set(data.get("year_only", [])),
        currencies={str(k).lower(): str(v) for k, v in money["currencies"].items()},
        scales={str(k).lower(): int(v) for k, v in money["scales"].items()},
        bounds={str(k).lower(): str(v) for k, v in money["bounds"].items()},
        weapons={str(k).lower(): str(v) for k, v in data["weapons"].items()},
        demonyms={str(k): _words(v) for k, v in data["demonyms"].items()},
        definite_references={str(k).lower(): str(v)
                             for k, v in data["definite_references"].items()},
        name_types=name_types,
        person_titles={str(t).lower() for t in data.get("person_titles", [])},
        source=shown,
    )
