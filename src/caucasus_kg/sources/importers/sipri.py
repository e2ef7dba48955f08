"""SIPRI Arms Transfers Database exports -> ckg:ArmsTransfer facts.

Two layouts are read:

* the classic trade register (one row per deal; Latin-1; a preamble ending with "Data
  generated: ..."; 16 columns, three of them blank-named '?' markers for the column before;
  delivery years as "2015; 2016");
* the newer export with one row per delivery year (``SIPRI AT Database ID`` repeats; "... is
  estimate" columns), whose rows are folded into one transfer per deal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox

from caucasus_kg.model.namespaces import GRAPH, ID, PREFIXES, SOURCE, VOCAB
from caucasus_kg.sources.importers.names import NameResolver, slugify
from caucasus_kg.sources.importers.records import (
    CSV_FRAGMENTS,
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
    generated_date,
    iri,
    lit,
    read_text,
    require_records,
    source_document,
    visible_text,
)

CLASSIC_COLUMNS = 16
DELIVERY_COLUMNS = 17

CATEGORIES = {
    "aircraft": "aircraft", "air defence systems": "air-defence-systems",
    "armoured vehicles": "armoured-vehicles", "artillery": "artillery", "engines": "engines",
    "missiles": "missiles", "naval weapons": "naval-weapons", "satellites": "satellites",
    "sensors": "sensors", "ships": "ships", "other": "other",
}
"""SIPRI armament categories -> weapon-category concepts."""

DESCRIPTION_CATEGORIES = [
    (r"naval gun|torpedo|anti-submarine", "naval-weapons"),
    (r"\buav\b|\bucav\b|loitering", "drones"),
    (r"sam system|air defence system|\baa gun\b|\bspaag\b", "air-defence-systems"),
    (r"helicopter|aircraft|\bac\b|fighter|trainer", "aircraft"),
    (r"\bship\b|boat|frigate|corvette|submarine|patrol craft|landing craft", "ships"),
    (r"radar|sensor|\bsonar\b", "sensors"),
    (r"engine|turbofan|turbojet|turboshaft", "engines"),
    (r"missile|\bsam\b|\bssm\b|\basm\b|\baam\b", "missiles"),
    (r"tank|\bapc\b|\bifv\b|\bapv\b|infantry fighting vehicle|armoured|\bafv\b", "armoured-vehicles"),
    (r"\bgun\b|howitzer|mortar|rocket launcher|\bmrl\b", "artillery"),
    (r"satellite", "satellites"),
]
"""The classic register has no category column: its description is mapped by keyword."""

DEAL_VALUE = re.compile(r"\$\s?(\d{1,12}(?:\.\d{1,12})?)\s?(b|bn|billion|m|million)\b", re.I)


@dataclass
class Transfer:
    record_id: str
    lines: list[int]
    supplier: str
    recipient: str
    designation: str
    description: str
    category: str | None = None
    order_year: str | None = None
    order_year_estimated: bool = False
    number_ordered: int | None = None
    number_ordered_estimated: bool = False
    number_delivered: int | None = None
    number_delivered_estimated: bool = False
    delivery_years: list[str] = field(default_factory=list)
    delivery_year_estimated: bool = False
    tiv_per_unit: Decimal | None = None
    tiv_order: Decimal | None = None
    tiv_delivered: Decimal | None = None
    status: str | None = None
    comments: str = ""
    local_production: bool | None = None
    existing: str | None = None
    """The id of the transfer already in the graph that records this deal (see
    :func:`match_existing`): the record is added to it as evidence instead."""


class RowError(ValueError):
    pass


def _cut(text: str, limit: int = 60) -> str:
    """A cell for a message, cut short."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _year(text: str, what: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise RowError(f"{what} '{_cut(text)}' is not a year")
    return text


def _count(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,15}", text):
        raise RowError(f"{what} '{_cut(text)}' is not a whole number (of at most 15 digits)")
    return int(text)


def _decimal(text: str, what: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,15}(?:\.\d{1,15})?", text):
        raise RowError(f"{what} '{_cut(text)}' is not a number of 0 or more (digits, and a "
                       "decimal point)")
    return Decimal(text)


def _marker(text: str, what: str) -> bool:
    text = text.strip()
    if text not in ("", "?"):
        raise RowError(f"the uncertainty marker after {what} is '{_cut(text)}', expected '?' or "
                       "nothing")
    return text == "?"


def _flag(text: str, what: str) -> bool:
    text = text.strip().lower()
    if text not in ("yes", "no"):
        raise RowError(f"'{what}' is '{_cut(text)}', expected Yes or No")
    return text == "yes"


STATUSES = {"new": False, "second hand": True, "second hand but modernized": True}
"""SIPRI statuses -> second hand."""


def _status(text: str) -> str | None:
    text = text.strip()
    if text and text.lower() not in STATUSES:
        raise RowError(f"status '{_cut(text)}' is none of " + ", ".join(
            f"'{s.capitalize()}'" for s in STATUSES))
    return text or None


def _rows(text: str, header_index: int):
    """(first line number, fields) of each CSV record after the header."""
    lines = text.splitlines(keepends=True)
    body = "".join(lines[header_index + 1:])
    reader = csv.reader(io.StringIO(body))
    previous = 0
    try:
        for fields in reader:
            start = header_index + 2 + previous
            previous = reader.line_num
            yield start, fields
    except csv.Error as exc:
        raise ImportError_(f"line {header_index + 2 + previous}: not valid CSV ({exc})") from None


def parse(path: Path, progress: Callable[[int], None] | None = None) -> Parsed:
    parsed = Parsed(progress=progress)
    text = visible_text(read_text(path), parsed)
    lines = text.splitlines()
    header_index = None
    for number, line in enumerate(lines[:40]):
        try:
            first = next(csv.reader([line]), [""])
        except csv.Error:
            continue
        if first and first[0].strip() in ("Recipient", "SIPRI AT Database ID"):
            header_index = number
            break
    if header_index is None:
        raise ImportError_("no SIPRI header line ('Recipient,Supplier,...' or 'SIPRI AT "
                           "Database ID,...') in the first 40 lines")
    parsed.preamble = "\n".join(lines[:header_index + 1]) + "\n"
    for line in lines[:header_index]:
        parsed.generated = parsed.generated or generated_date(line)
    if lines[header_index].startswith("SIPRI AT Database ID"):
        _parse_deliveries(text, header_index, parsed)
    else:
        _parse_classic(text, header_index, parsed)
    return require_records(parsed)


def _joined_rows(text: str, header_index: int, parsed: Parsed):
    """The classic register's rows, with a record broken by an unquoted line break inside its
    comments (a short row followed by a row that supplies exactly the missing columns) read as
    one record, and a warning."""
    rows = list(_rows(text, header_index))
    index = 0
    while index < len(rows):
        line, row = rows[index]
        if CLASSIC_COLUMNS - 6 <= len(row) < CLASSIC_COLUMNS and index + 1 < len(rows):
            following = rows[index + 1][1]
            if len(row) + len(following) - 1 == CLASSIC_COLUMNS:
                parsed.warnings.append(Problem(line, "the record continues on the next line (a "
                                                     "line break inside its comments); the two "
                                                     "lines were read as one record"))
                row = row[:-1] + [f"{row[-1]} {following[0]}".strip()] + following[1:]
                index += 1
        index += 1
        yield line, row


def _parse_classic(text: str, header_index: int, parsed: Parsed) -> None:
    for line, row in _joined_rows(text, header_index, parsed):
        if not any(cell.strip() for cell in row):
            continue
        parsed.count_record()
        try:
            if len(row) != CLASSIC_COLUMNS:
                raise RowError(f"expected {CLASSIC_COLUMNS} columns, found {len(row)}")
            recipient, supplier = row[0].strip(), row[1].strip()
            if not recipient or not supplier:
                raise RowError("the row names no recipient or no supplier")
            if not row[6].strip():
                raise RowError("the row has no weapon designation")
            years = [y.strip() for y in row[10].split(";") if y.strip()]
            transfer = Transfer(
                record_id=str(line), lines=[line], supplier=supplier, recipient=recipient,
                designation=row[6].strip(), description=row[7].strip(),
                order_year=_year(row[2], "the year of order"),
                order_year_estimated=_marker(row[3], "the year of order"),
                number_ordered=_count(row[4], "the number ordered"),
                number_ordered_estimated=_marker(row[5], "the number ordered"),
                number_delivered=_count(row[8], "the number delivered"),
                number_delivered_estimated=_marker(row[9], "the number delivered"),
                delivery_years=[_year(y, "the delivery year") or "" for y in years],
                status=_status(row[11]), comments=row[12].strip(),
                tiv_per_unit=_decimal(row[13], "the TIV per unit"),
                tiv_order=_decimal(row[14], "the TIV for the total order"),
                tiv_delivered=_decimal(row[15], "the TIV of delivered weapons"),
            )
            transfer.category = _category_from_description(transfer.description)
        except RowError as exc:
            parsed.problems.append(Problem(line, f"{exc}; the row was skipped"))
            continue
        parsed.records.append(transfer)


def _category_from_description(description: str) -> str | None:
    for pattern, category in DESCRIPTION_CATEGORIES:
        if re.search(pattern, description, re.I):
            return category
    return None


def _parse_deliveries(text: str, header_index: int, parsed: Parsed) -> None:
    deals: dict[str, Transfer] = {}
    for line, row in _rows(text, header_index):
        if not any(cell.strip() for cell in row):
            continue
        parsed.count_record()
        try:
            if len(row) != DELIVERY_COLUMNS:
                raise RowError(f"expected {DELIVERY_COLUMNS} columns, found {len(row)}")
            deal = row[0].strip()
            if not re.fullmatch(r"\d{1,15}", deal):
                raise RowError(f"the deal id '{_cut(deal)}' is not a number")
            supplier, recipient = row[1].strip(), row[2].strip()
            if not recipient or not supplier:
                raise RowError("the row names no recipient or no supplier")
            category = row[5].strip()
            if category and category.lower() not in CATEGORIES:
                raise RowError(f"unknown armament category '{_cut(category)}'")
            year = _year(row[10], "the delivery year")
            delivered = _count(row[8], "the number delivered")
            tiv_delivered = _decimal(row[15], "the TIV of delivered weapons")
            fields = dict(
                supplier=supplier, recipient=recipient, designation=row[3].strip(),
                description=row[4].strip(),
                category=CATEGORIES.get(category.lower()) if category else None,
                order_year=_year(row[6], "the order date"),
                order_year_estimated=_flag(row[7], "Order date is estimate"),
                status=_status(row[12]),
                tiv_per_unit=_decimal(row[14], "the TIV deal unit"),
                local_production=_flag(row[16], "Local production"),
            )
            delivered_estimated = _flag(row[9], "Numbers delivered is estimate")
            year_estimated = _flag(row[11], "Delivery year is estimate")
        except RowError as exc:
            parsed.problems.append(Problem(line, f"{exc}; the row was skipped"))
            continue
        transfer = deals.get(deal)
        if transfer is None:
            transfer = Transfer(record_id=deal, lines=[], **fields)
            deals[deal] = transfer
            parsed.records.append(transfer)
        else:
            differs = [k for k, v in fields.items() if getattr(transfer, k) != v]
            if differs:
                parsed.problems.append(Problem(line, f"deal {deal} has another {differs[0]} "
                                                     f"than on line {transfer.lines[0]}; "
                                                     "the row was skipped"))
                continue
        transfer.lines.append(line)
        if year and year not in transfer.delivery_years:
            transfer.delivery_years.append(year)
        if delivered is not None:
            transfer.number_delivered = (transfer.number_delivered or 0) + delivered
        if tiv_delivered is not None:
            transfer.tiv_delivered = (transfer.tiv_delivered or Decimal(0)) + tiv_delivered
        transfer.number_delivered_estimated |= delivered_estimated
        transfer.delivery_year_estimated |= year_estimated


# ------------------------------------------------------------------------------------------
# The same deal from the other layout
# ------------------------------------------------------------------------------------------

EXISTING_TRANSFERS = """
    SELECT ?fact ?g ?supplier ?recipient ?order ?unit ?designation ?delivered
           (GROUP_CONCAT(DISTINCT STR(?year); separator=" ") AS ?years)
           (GROUP_CONCAT(DISTINCT ?record; separator=" ") AS ?records)
    WHERE {
      GRAPH ?g { ?fact a ckg:ArmsTransfer ; ckg:orderYear ?order ; ckg:tivPerUnit ?unit ;
                       ckg:supplier ?supplier ; ckg:recipient ?recipient ;
                       ckg:designation ?designation . }
      FILTER (?g != ?own)
      OPTIONAL { ?fact ckg:numberDelivered ?delivered }
      OPTIONAL { ?fact ckg:deliveryYear ?year }
      OPTIONAL { ?fact ckg:hasEvidence/oa:hasTarget/oa:hasSelector/rdf:value ?record }
    }
    GROUP BY ?fact ?g ?supplier ?recipient ?order ?unit ?designation ?delivered
"""


@dataclass
class Stored:
    """A transfer already in the store, as far as deal identity goes."""

    slug: str
    graph: str
    designation: str
    delivered: int | None
    years: tuple[str, ...]
    records: str
    file: str = ""
    """The input file behind ``graph``, as messages name it (empty when not known)."""

    @property
    def where(self) -> str:
        return self.file or f"graph {self.graph}"


@dataclass(frozen=True)
class Duplicate:
    """A deal of this file that the graph already records (or may record) under another id."""

    lines: tuple[int, ...]
    record_id: str
    designation: str
    existing: tuple[Stored, ...]
    differences: tuple[str, ...]
    heading: ClassVar[str] = "duplicate"

    @property
    def merged(self) -> bool:
        return len(self.existing) == 1

    def render(self, file: str) -> str:
        where = f"{file}:{','.join(map(str, self.lines))}"
        deal = f"deal '{self.designation}'" + (
            f" (SIPRI deal {self.record_id})" if self.record_id != str(self.lines[0]) else "")
        if not self.merged:
            names = " or ".join(f"'{s.slug}' ({s.where}, {s.records})"
                                for s in self.existing)
            return (f"{where}: {deal} may be {names}: the same supplier, recipient, order "
                    "year and TIV per unit; kept as a separate transfer")
        stored = self.existing[0]
        text = (f"{where}: {deal} is already in the graph as '{stored.slug}' "
                f"({stored.where}, {stored.records}): its record was added to it as "
                "evidence")
        if self.differences:
            text += "; the two records differ: " + "; ".join(self.differences)
        return text


def _deal_key(supplier: str, recipient: str, order: str | None,
              unit: Decimal | None) -> tuple[str, str, str, str] | None:
    if order is None or unit is None:
        return None
    return supplier, recipient, order, _number(unit)


def _same_name(a: str, b: str) -> bool:
    x, y = (re.sub(r"[^a-z0-9]", "", s.lower()) for s in (a, b))
    return bool(x) and bool(y) and (x.startswith(y) or y.startswith(x))


def _narrow(candidates: list[Stored], transfer: Transfer) -> list[Stored]:
    """Among stored transfers with the same deal key, those most like ``transfer``."""
    years = tuple(sorted(transfer.delivery_years))
    for same in (lambda s: _same_name(s.designation, transfer.designation),
                 lambda s: s.delivered == transfer.number_delivered,
                 lambda s: s.years == years):
        if len(candidates) == 1:
            break
        candidates = [s for s in candidates if same(s)] or candidates
    return candidates


def match_existing(parsed: Parsed, resolver: NameResolver, store: object,
                   own_graph: str, files: Mapping[str, str] | None = None) -> list[Duplicate]:
    """Find the deals of ``parsed`` that the graph already records (typically from the other
    SIPRI layout, which gives the same deal another id).

    The identity of a deal is its supplier, recipient, year of order and TIV per unit: the
    two layouts agree on these, while designations are spelt differently ('Heron' and 'Heron
    UAV'), the newer export has no number ordered, and numbers and years delivered depend on
    the release and on the years the export covers. Where several stored transfers share the
    key, a matching designation, then the same number delivered, then the same delivery years
    decide; if that leaves more than one, the deal is reported and kept separate. A matched
    transfer gets ``existing`` set; the build then adds only its record as evidence.
    ``files`` names the file behind each graph, for the report.
    """

    query = EXISTING_TRANSFERS.replace("?own", f"<{GRAPH[own_graph]}>")
    index: dict[tuple[str, str, str, str], list[Stored]] = {}
    for row in store.query(query, prefixes=PREFIXES,  # type: ignore[attr-defined]
                           use_default_graph_as_union=True):
        values = [row[k].value if row[k] is not None else None for k in
                  ("fact", "g", "supplier", "recipient", "order", "unit", "designation",
                   "delivered", "years", "records")]
        fact, graph, supplier, recipient, order, unit, designation, delivered, years, records \
            = values
        if not all(v.startswith(str(ID)) for v in (fact, supplier, recipient)):
            continue
        try:
            key = _deal_key(supplier[len(str(ID)):], recipient[len(str(ID)):], order,
                            Decimal(unit))
        except InvalidOperation:
            continue
        shown = " ".join(sorted((records or "").split(), key=lambda r: (len(r), r))[:3])
        index.setdefault(key, []).append(Stored(
            fact[len(str(ID)):], graph[len(str(GRAPH)):], designation,
            int(delivered) if delivered is not None else None,
            tuple(sorted((years or "").split())), shown,
            (files or {}).get(graph[len(str(GRAPH)):], "")))
    taken: set[str] = set()
    found: list[Duplicate] = []
    for transfer in parsed.records:
        assert isinstance(transfer, Transfer)
        key = _deal_key(resolver.resolve(transfer.supplier).slug,
                        resolver.resolve(transfer.recipient).slug, transfer.order_year,
                        transfer.tiv_per_unit)
        candidates = [s for s in index.get(key, []) if s.slug not in taken] if key else []
        if not candidates:
            continue
        candidates = _narrow(candidates, transfer)
        differences: list[str] = []
        if len(candidates) == 1:
            stored = candidates[0]
            taken.add(stored.slug)
            transfer.existing = stored.slug
            if stored.designation != transfer.designation:
                differences.append(f"designation '{transfer.designation}' here, "
                                   f"'{stored.designation}' there")
            if stored.delivered != transfer.number_delivered:
                differences.append(f"number delivered {transfer.number_delivered} here, "
                                   f"{stored.delivered} there")
            years = tuple(sorted(transfer.delivery_years))
            if stored.years != years:
                differences.append(f"delivery years {' '.join(years) or 'none'} here, "
                                   f"{' '.join(stored.years) or 'none'} there")
        found.append(Duplicate(tuple(transfer.lines), transfer.record_id,
                               transfer.designation, tuple(candidates), tuple(differences)))
    return found


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def build(parsed: Parsed, resolver: NameResolver, treaties: dict[str, str], ids: set[str],
          file_name: str, graph: str, out: Triples | None = None) -> Triples:
    out = Triples() if out is None else out
    doc = iri(str(SOURCE[slugify(graph)]))
    title = f"SIPRI Arms Transfers Database export ({file_name})"
    source_document(out, doc, title, "sipri", parsed, file_name)
    declare_publisher(out, "sipri", resolver.known_ids)
    taken: set[str] = set()
    deliveries = all(t.record_id.isdigit() and t.local_production is not None
                     for t in parsed.records)
    for transfer in parsed.records:
        supplier = resolver.resolve(transfer.supplier)
        recipient = resolver.resolve(transfer.recipient)
        if transfer.existing:
            node = entity(transfer.existing)
            for number, line in enumerate(transfer.lines, 1):
                record = transfer.record_id if deliveries else str(line)
                evidence(out, node, f"{slugify(graph)}-{number}", doc, "sipri", record, line,
                         f"row={line}", CSV_FRAGMENTS)
            continue
        if deliveries:
            slug = f"sipri-at-{transfer.record_id}"
        else:
            base = (f"sipri-{supplier.slug}-to-{recipient.slug}-"
                    f"{transfer.order_year or 'undated'}-{slugify(transfer.designation)}")
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
        taken.add(slug)
        _transfer(out, entity(slug), transfer, supplier.slug, recipient.slug, doc, deliveries)
    declare_actors(out, resolver)
    return out


def _transfer(out: Triples, node: str, t: Transfer, supplier: str, recipient: str, doc: str,
              deliveries: bool) -> None:
    out.add(node, iri(RDF_TYPE), ckg("ArmsTransfer"))
    when = f", ordered {t.order_year}" if t.order_year else ""
    label = f"{t.designation} ({t.description}) from {t.supplier} to {t.recipient}{when}"
    out.add(node, iri(RDFS_LABEL), lit(label, "en"))
    out.add(node, ckg("supplier"), entity(supplier))
    out.add(node, ckg("recipient"), entity(recipient))
    out.add(node, ckg("designation"), lit(t.designation))
    if t.description:
        out.add(node, ckg("weaponDescription"), lit(t.description, "en"))
    if t.category:
        out.add(node, ckg("weaponCategory"), iri(f"{VOCAB}weapon-category/{t.category}"))
    if t.order_year:
        out.add(node, ckg("orderYear"), lit(t.order_year, datatype="gYear"))
        out.add(node, ckg("year"), lit(t.order_year, datatype="gYear"))
        out.add(node, ckg("orderYearEstimated"),
                lit(str(t.order_year_estimated).lower(), datatype="boolean"))
    for prop, value, estimated in (
            ("numberOrdered", t.number_ordered, t.number_ordered_estimated),
            ("numberDelivered", t.number_delivered, t.number_delivered_estimated)):
        if value is not None:
            out.add(node, ckg(prop), lit(str(value), datatype="integer"))
            out.add(node, ckg(prop + "Estimated"), lit(str(estimated).lower(), datatype="boolean"))
    for year in t.delivery_years:
        out.add(node, ckg("deliveryYear"), lit(year, datatype="gYear"))
    if deliveries and t.delivery_years:
        out.add(node, ckg("deliveryYearEstimated"),
                lit(str(t.delivery_year_estimated).lower(), datatype="boolean"))
    for prop, value in (("tivPerUnit", t.tiv_per_unit), ("tivOrder", t.tiv_order),
                        ("tivDelivered", t.tiv_delivered)):
        if value is not None:
            out.add(node, ckg(prop), lit(_number(value), datatype="decimal"))
    if t.status:
        out.add(node, ckg("secondHand"),
                lit(str(STATUSES[t.status.lower()]).lower(), datatype="boolean"))
        if t.status.lower() not in ("new", "second hand"):
            out.add(node, iri(RDFS_COMMENT), lit(f"SIPRI status: {t.status}", "en"))
    if t.local_production is not None:
        out.add(node, ckg("localProduction"), lit(str(t.local_production).lower(),
                                                   datatype="boolean"))
    if t.comments:
        out.add(node, iri(RDFS_COMMENT), lit(t.comments, "en"))
        match = DEAL_VALUE.search(t.comments)
        if match:
            scale = Decimal(10) ** (9 if match.group(2).lower().startswith("b") else 6)
            amount = Decimal(match.group(1)) * scale
            part_of = "part of" in t.comments[:match.start()].lower()
            value = ox.NamedNode(node.value + "/value")
            out.add(node, ckg("dealValue" if part_of else "value"), value)
            out.add(value, iri(RDF_TYPE), ckg("MonetaryAmount"))
            out.add(value, ckg("amount"), lit(_number(amount), datatype="decimal"))
            out.add(value, ckg("currency"), lit("USD", datatype="string"))
            out.add(value, ckg("bound"), iri(f"{VOCAB}bound/about"))
    for number, line in enumerate(t.lines, 1):
        record = t.record_id if deliveries else str(line)
        evidence(out, node, number, doc, "sipri", record, line, f"row={line}", CSV_FRAGMENTS)
