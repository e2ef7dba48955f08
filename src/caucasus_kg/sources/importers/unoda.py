"""UNODA treaty status (as harvested by ohnemax/treatyratification) -> treaty actions.

Two layouts are read: the per-country CSV (``country,treaty,signature date,...``) and the JSON
(country -> treaty -> ``actions`` with ``dates``). Signature, ratification (and acceptance or
approval, the same consent to be bound), accession and succession become ``ckg:Signature``,
``ckg:Ratification``, ``ckg:Accession`` and ``ckg:Succession`` of the party on the treaty.

Soviet-era actions: UNODA lists, under each successor state, the action the Soviet Union took
before its dissolution (1991-12-26) -- Armenia and Azerbaijan show the USSR's 1990-11-19 CFE
signature. Such an action (the Russian Federation's, or another successor's on the same day and
of the same kind as the Russian Federation's) is recorded as the Soviet Union's, once, with every
row that lists it as evidence. A successor's own earlier action on another day (the Ukrainian
and Byelorussian SSRs were UN members themselves) stays its own.

The two layouts are one harvest: an action the graph already records from another file (same
party, kind and treaty) gets this file's records as evidence instead of a second action (see
:func:`match_existing`); a record that dates it otherwise is reported and kept as a claim by
UNODA, and the stored action keeps its date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox

from caucasus_kg.model.namespaces import CKG, GRAPH, ID, PREFIXES, SOURCE, VOCAB
from caucasus_kg.sources.importers.names import NameResolver, slugify
from caucasus_kg.sources.importers.records import (
    CSV_FRAGMENTS,
    JSON_POINTER,
    RDF_NS,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    ImportError_,
    Parsed,
    Problem,
    Triples,
    ckg,
    declare_actors,
    declare_publisher,
    entity,
    evidence,
    iri,
    lit,
    read_text,
    require_records,
    source_document,
    visible,
    visible_text,
)

DISSOLUTION = "1991-12-26"
SOVIET_SUCCESSORS = {
    "armenia", "azerbaijan", "belarus", "estonia", "georgia", "kazakhstan", "kyrgyzstan",
    "latvia", "lithuania", "moldova", "russia", "tajikistan", "turkmenistan", "ukraine",
    "uzbekistan",
}
ACTIONS = {
    "signature": "Signature",
    "deposit of instruments of ratification": "Ratification",
    "deposit of instruments of acceptance": "Ratification",
    "deposit of instruments of approval": "Ratification",
    "deposit of instruments of accession": "Accession",
    "deposit of instruments of succession": "Succession",
}
WORDS = {"Signature": "signature", "Ratification": "ratification", "Accession": "accession",
         "Succession": "succession"}
CSV_HEADER = ["country", "treaty", "signature date", "signature time", "ratification date",
              "ratification time", "accession date", "accession time"]
CSV_KINDS = [(2, "Signature"), (4, "Ratification"), (6, "Accession")]


@dataclass
class Action:
    country: str
    treaty: str
    kind: str
    date: str
    record_id: str
    line: int | None
    fragment: str
    conforms_to: str
    existing: Stored | None = None
    """The same action already in the graph from another file (see :func:`match_existing`):
    this record becomes its evidence, or a claim when the dates differ."""


def _date(text: str, what: str) -> str:
    text = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ValueError(f"the {what} date '{shown}' is not a date (YYYY-MM-DD)") from None
    return text


def parse(path: Path, progress: Callable[[int], None] | None = None) -> Parsed:
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return require_records(_parse_json(text, progress))
    return require_records(_parse_csv(text, progress))


def _parse_csv(text: str, progress: Callable[[int], None] | None = None) -> Parsed:
    parsed = Parsed(progress=progress)
    reader = csv.reader(io.StringIO(visible_text(text, parsed)))
    rows = []
    previous = 0
    try:
        for fields in reader:
            rows.append((previous + 1, fields))
            previous = reader.line_num
    except csv.Error as exc:
        raise ImportError_(f"line {previous + 1}: not valid CSV ({exc})") from None
    if not rows:
        raise ImportError_("the file is empty")
    header_line, header = rows[0]
    if [h.strip().lower() for h in header[:7]] != CSV_HEADER[:7]:
        raise ImportError_("not a UNODA treaty status CSV: the header is not "
                           + ",".join(CSV_HEADER))
    parsed.preamble = ",".join(CSV_HEADER) + "\n"
    last = header[7] if len(header) > 7 else ""
    if len(header) > 8 and last.lower().startswith("accession time"):
        # the export lost the newline after the header: the first record follows on line 1
        first = [last[len("accession time"):]] + header[8:]
        parsed.warnings.append(Problem(header_line, "the header and the first record are on "
                                                    "one line; the record was read from it"))
        rows[0] = (header_line, first)
    else:
        rows = rows[1:]
    for line, fields in rows:
        if not any(cell.strip() for cell in fields):
            continue
        parsed.count_record()
        try:
            if len(fields) != len(CSV_HEADER):
                raise ValueError(f"expected {len(CSV_HEADER)} columns, found {len(fields)}")
            country, treaty = fields[0].strip(), fields[1].strip()
            if not country or not treaty:
                raise ValueError("the row names no country or no treaty")
            actions = [Action(country, treaty, kind, _date(fields[col], WORDS[kind]),
                              f"{country}/{treaty}", line, f"row={line}", CSV_FRAGMENTS)
                       for col, kind in CSV_KINDS if fields[col].strip()]
        except ValueError as exc:
            parsed.problems.append(Problem(line, f"{exc}; the row was skipped"))
            continue
        if not actions:
            parsed.without_facts += 1  # listed, but neither signed nor joined
        parsed.records.extend(actions)
    return parsed


def _visible(data: object) -> object:
    """The parsed JSON with every string (and key) made writable (:func:`visible`): JSON's
    escapes can write any control character, or a lone surrogate."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {visible(k): _visible(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_visible(v) for v in data]
    return data


def _pointer(*parts: object) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _parse_json(text: str, progress: Callable[[int], None] | None = None) -> Parsed:
    parsed = Parsed(progress=progress)
    try:
        data = _visible(json.loads(text))
    except RecursionError:
        raise ImportError_("not valid JSON: it nests too deeply") from None
    except ValueError as exc:
        raise ImportError_(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportError_("not a UNODA treaty status JSON: expected an object of countries")
    parsed.preamble = "UNODA treaty status, per country and treaty (JSON)\n"
    for country in sorted(data):
        treaties = data[country]
        if not isinstance(treaties, dict):
            continue
        for treaty in sorted(t for t, v in treaties.items() if isinstance(v, dict)):
            entry = treaties[treaty]
            parsed.count_record()
            record = f"{country}/{treaty}"
            try:
                actions, dates = entry.get("actions"), entry.get("dates")
                if not isinstance(actions, list) or not isinstance(dates, list) \
                        or len(actions) != len(dates):
                    raise ValueError("'actions' and 'dates' are not lists of the same length")
                found = []
                for index, (action, date) in enumerate(zip(actions, dates, strict=True)):
                    kind = ACTIONS.get(str(action).strip().lower())
                    if kind is None:
                        raise ValueError(f"unknown action '{str(action)[:60]}'")
                    found.append(Action(country, treaty, kind, _date(str(date), WORDS[kind]),
                                        record, None, _pointer(country, treaty, "actions", index),
                                        JSON_POINTER))
            except ValueError as exc:
                shown = record if len(record) <= 120 else record[:117] + "..."
                parsed.problems.append(Problem(None, f"{shown}: {exc}; the record was skipped"))
                continue
            parsed.records.extend(found)
    return parsed


def _treaty_slug(name: str, treaties: dict[str, str]) -> tuple[str, bool]:
    """The id of the treaty in the graph, or a new one; True when it already exists."""
    bare = re.sub(r"\s*\(.*?\)\s*", " ", name).strip().lower()
    inner = re.findall(r"\((.*?)\)", name)
    for key in [name.lower(), bare] + [i.lower() for i in inner]:
        if key in treaties:
            return treaties[key], True
    return slugify(name), False


Key = tuple[str, str, str]
"""(actor id, kind, treaty name as the file spells it): one treaty action."""


def _events(actions: list[Action], resolver: NameResolver
            ) -> tuple[dict[Key, list[Action]], dict[str, str]]:
    """The file's records grouped into treaty actions, Soviet-era actions under the Soviet
    Union; and the label of every actor."""
    actors = {a.country: resolver.resolve(a.country) for a in actions}
    russian = {(a.treaty, a.kind, a.date) for a in actions
               if actors[a.country].slug == "russia" and a.date < DISSOLUTION}
    soviet = None
    events: dict[Key, list[Action]] = defaultdict(list)
    for action in actions:
        actor = actors[action.country]
        if action.date < DISSOLUTION and actor.slug in SOVIET_SUCCESSORS and \
                (action.treaty, action.kind, action.date) in russian:
            soviet = soviet or resolver.resolve("Soviet Union")
            actor = soviet
        events[(actor.slug, action.kind, action.treaty)].append(action)
    labels = {a.slug: a.label for a in actors.values()}
    if soviet:
        labels[soviet.slug] = soviet.label
    return events, labels


def _ordered(records: list[Action]) -> list[Action]:
    return sorted(records, key=lambda r: (r.line or 0, r.fragment))


# ------------------------------------------------------------------------------------------
# The same action from the other layout
# ------------------------------------------------------------------------------------------

EXISTING_ACTIONS = """
    SELECT ?fact ?g ?class ?actor ?treaty ?date WHERE {
      VALUES ?class { ckg:Signature ckg:Ratification ckg:Accession ckg:Succession }
      GRAPH ?g { ?fact a ?class ; ckg:actor ?actor ; ckg:treaty ?treaty . }
      FILTER (?g != ?own)
      OPTIONAL { ?fact ckg:date ?date }
    }
"""
STORED_TREATIES = """
    SELECT ?t ?l WHERE {
      GRAPH ?g { ?t a ckg:Treaty } FILTER (?g != ?own)
      ?t rdfs:label|skos:altLabel ?l
    }
"""


@dataclass(frozen=True)
class Stored:
    """A treaty action already in the store, from another graph."""

    slug: str
    graph: str
    kind: str
    date: str | None
    file: str = ""
    """The input file behind ``graph``, as messages name it (empty when not known)."""

    @property
    def where(self) -> str:
        return self.file or f"graph {self.graph}"


@dataclass(frozen=True)
class Merged:
    """A record added as evidence to the action the graph already holds (not listed)."""

    record: Action
    existing: Stored
    merged: bool = True
    heading: ClassVar[str] = "merged"

    def render(self, file: str) -> str:
        return ""


@dataclass(frozen=True)
class Disagreement:
    """A record the graph already holds otherwise: another date (kept as a claim) or, for the
    CSV's accession column, a succession on the same day (kept as a second action)."""

    record: Action
    dates: tuple[str, ...]
    existing: Stored
    claim: str | None
    merged: bool = False
    heading: ClassVar[str] = "disagreement"

    def render(self, file: str) -> str:
        r, stored = self.record, self.existing
        where = f"{file}:{r.line}" if r.line else f"{file}: {r.fragment}"
        kind = WORDS[r.kind]
        there = f"'{stored.slug}' ({stored.where})"
        if self.claim is None:
            return (f"{where}: {r.record_id}: {kind} dated {self.dates[0]}; the graph records "
                    f"a {WORDS[stored.kind]} by the same party of the same treaty on the same "
                    f"day as {there}: both are kept, since UNODA's CSV lists successions in "
                    "its accession column")
        return (f"{where}: {r.record_id}: {kind} dated {', '.join(self.dates)} here, "
                f"{stored.date or 'undated'} in the graph as {there}: the graph keeps its "
                f"date; this record is kept as a claim by UNODA ('{self.claim}')")


def match_existing(parsed: Parsed, resolver: NameResolver, store: object,
                   own_graph: str, files: Mapping[str, str] | None = None
                   ) -> list[Merged | Disagreement]:
    """Find the actions of ``parsed`` that the graph already records from another file
    (typically the other UNODA layout, which gives the same action the same id).

    An action is its party, kind and treaty. When the stored action has this file's (earliest)
    date, every record of the action becomes its evidence; with another date, the stored
    action keeps its date and the records become a claim by UNODA about it, reported as a
    disagreement. Either way no second action is made, so the actions in the graph do not
    depend on the order of the imports. The CSV has no succession column (its accession column
    holds both): an accession there and a succession in the graph on the same day (or the other
    way round) are different kinds, so each stays its own action, and is reported. ``files``
    names the file behind each graph, for the report.
    """

    own = f"<{GRAPH[own_graph]}>"
    treaties: dict[str, str] = {}
    for row in store.query(STORED_TREATIES.replace("?own", own),  # type: ignore[attr-defined]
                           prefixes=PREFIXES, use_default_graph_as_union=True):
        if row["t"].value.startswith(str(ID)):
            treaties.setdefault(row["l"].value.lower(), row["t"].value[len(str(ID)):])
    stored: dict[tuple[str, str, str], list[Stored]] = defaultdict(list)
    for row in store.query(EXISTING_ACTIONS.replace("?own", own),  # type: ignore[attr-defined]
                           prefixes=PREFIXES, use_default_graph_as_union=True):
        fact, actor, treaty = (row[k].value for k in ("fact", "actor", "treaty"))
        if not all(v.startswith(str(ID)) for v in (fact, actor, treaty)):
            continue
        kind = row["class"].value[len(str(CKG)):]
        date = row["date"].value if row["date"] is not None else None
        stored[(actor[len(str(ID)):], kind, treaty[len(str(ID)):])].append(Stored(
            fact[len(str(ID)):], row["g"].value[len(str(GRAPH)):], kind, date,
            (files or {}).get(row["g"].value[len(str(GRAPH)):], "")))
    events, _labels = _events(parsed.records, resolver)  # type: ignore[arg-type]
    found: list[Merged | Disagreement] = []
    for (actor, kind, treaty), records in sorted(events.items()):
        treaty_slug = _treaty_slug(treaty, treaties)[0]
        dates = tuple(sorted({r.date for r in records}))
        candidates = sorted(stored.get((actor, kind, treaty_slug), []),
                            key=lambda c: (c.date != dates[0], c.slug))
        ordered = _ordered(records)
        if candidates:
            existing = candidates[0]
            for record in records:
                record.existing = existing
            if existing.date == dates[0]:
                found.extend(Merged(r, existing) for r in ordered)
            else:
                found.append(Disagreement(ordered[0], dates, existing,
                                          _claim_slug(existing.slug, own_graph)))
            continue
        other = {"Accession": "Succession", "Succession": "Accession"}.get(kind)
        same_day = [c for c in stored.get((actor, other or "", treaty_slug), [])
                    if c.date == dates[0]]
        if same_day:
            found.append(Disagreement(ordered[0], dates, min(same_day, key=lambda c: c.slug),
                                      None))
    return found


def _claim_slug(existing: str, graph: str) -> str:
    return f"{existing}-per-{slugify(graph)}"


# ------------------------------------------------------------------------------------------
# Triples
# ------------------------------------------------------------------------------------------

def build(parsed: Parsed, resolver: NameResolver, treaties: dict[str, str], ids: set[str],
          file_name: str, graph: str, out: Triples | None = None) -> Triples:
    out = Triples() if out is None else out
    doc = iri(str(SOURCE[slugify(graph)]))
    source_document(out, doc, f"UNODA disarmament treaty status ({file_name})", "unoda",
                    parsed, file_name)
    declare_publisher(out, "unoda", resolver.known_ids)
    events, labels = _events(parsed.records, resolver)  # type: ignore[arg-type]
    new_treaties: dict[str, tuple[str, Action]] = {}
    for (actor, kind, treaty), records in sorted(events.items()):
        treaty_slug, known = _treaty_slug(treaty, treaties)
        dates = sorted({r.date for r in records})
        if len(dates) > 1:
            parsed.warnings.append(Problem(records[0].line, f"{records[0].record_id}: "
                                           f"{WORDS[kind]} dated {', '.join(dates)} by "
                                           "different depositaries; the earliest is kept"))
        ordered = _ordered(records)
        existing = records[0].existing
        if existing is not None:
            _onto_existing(out, existing, ordered, dates, doc, graph, labels[actor], treaty)
            continue
        if not known:
            new_treaties.setdefault(treaty_slug, (treaty, ordered[0]))
        node = entity(f"unoda-{actor}-{WORDS[kind]}-{treaty_slug}")
        out.add(node, iri(RDF_TYPE), ckg(kind))
        out.add(node, iri(RDFS_LABEL),
                lit(f"{labels[actor]}: {WORDS[kind]} of the {treaty}", "en"))
        out.add(node, ckg("actor"), entity(actor))
        out.add(node, ckg("treaty"), entity(treaty_slug))
        out.add(node, ckg("date"), lit(dates[0], datatype="date"))
        if len(dates) > 1:
            out.add(node, iri(RDFS_COMMENT), _depositaries(kind, dates))
        if actor == "soviet-union":
            countries = sorted({r.country for r in records})
            out.add(node, iri(RDFS_COMMENT), lit(
                "UNODA lists this Soviet action under the successor states "
                + ", ".join(countries) + ".", "en"))
        for number, record in enumerate(ordered, 1):
            evidence(out, node, number, doc, "unoda", record.record_id, record.line,
                     record.fragment, record.conforms_to)
    for slug, (name, first) in sorted(new_treaties.items()):
        node = entity(slug)
        out.add(node, iri(RDF_TYPE), ckg("Treaty"))
        out.add(node, iri(RDFS_LABEL), lit(name, "en"))
        evidence(out, node, 1, doc, "unoda", first.record_id, first.line, first.fragment,
                 first.conforms_to)
    declare_actors(out, resolver)
    return out


def _depositaries(kind: str, dates: list[str]) -> str:
    return lit(f"The depositaries record this {WORDS[kind]} on {', '.join(dates)}; the "
               "earliest is the date.", "en")


def _onto_existing(out: Triples, existing: Stored, ordered: list[Action], dates: list[str],
                   doc: str, graph: str, actor: str, treaty: str) -> None:
    """This file's records of an action the graph already holds: evidence of it when the dates
    agree, else a claim by UNODA that dates it otherwise."""
    kind = ordered[0].kind
    node = entity(existing.slug)
    if existing.date == dates[0]:
        if len(dates) > 1:
            out.add(node, iri(RDFS_COMMENT), _depositaries(kind, dates))
        for number, record in enumerate(ordered, 1):
            evidence(out, node, f"{slugify(graph)}-{number}", doc, "unoda", record.record_id,
                     record.line, record.fragment, record.conforms_to)
        return
    claim = entity(_claim_slug(existing.slug, graph))
    said = f"{actor}: {WORDS[kind]} of the {treaty} on {dates[0]}"
    out.add(claim, iri(RDF_TYPE), ckg("Claim"))
    out.add(claim, iri(RDFS_LABEL), lit(f"UNODA dates {actor}'s {WORDS[kind]} of the {treaty} "
                                        f"{dates[0]}", "en"))
    out.add(claim, ckg("claimant"), entity("unoda"))
    out.add(claim, ckg("stance"), iri(f"{VOCAB}stance/asserts"))
    out.add(claim, ckg("about"), node)
    out.add(claim, ckg("summary"), lit(said + ".", "en"))
    if len(dates) > 1:
        out.add(claim, iri(RDFS_COMMENT), _depositaries(kind, dates))
    proposition = ox.NamedNode(claim.value + "/proposition")
    out.add(claim, ckg("proposition"), proposition)
    out.add(proposition, iri(RDF_TYPE), ckg("Proposition"))
    out.add(proposition, iri(RDF_NS + "subject"), node)
    out.add(proposition, iri(RDF_NS + "predicate"), ckg("date"))
    out.add(proposition, iri(RDF_NS + "object"), lit(dates[0], datatype="date"))
    for number, record in enumerate(ordered, 1):
        evidence(out, claim, number, doc, "unoda", record.record_id, record.line,
                 record.fragment, record.conforms_to)
