"""What every dataset importer builds with: the records it read and the problems it met, and
N-Triples lines made from pyoxigraph terms, with the evidence model of
:mod:`caucasus_kg.model.evidence` (actors, the dataset as a source document, record evidence).

An importer reads a dataset file and turns each record into facts with evidence pointing at the
record (a Web Annotation FragmentSelector naming the row, plus ``ckg:recordId`` and
``ckg:sourceLine``); :mod:`caucasus_kg.ops.imports` writes them as sorted N-Triples and merges
them with the checks of ``caucasus-kg add``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.core.bounded import FileRefused, read_bounded
from caucasus_kg.model.evidence import (
    CSV_FRAGMENTS,
    JSON_POINTER,
    SourceDocument,
    actor,
    ckg,
    entity,
    record_evidence,
    text,
    typed,
)
from caucasus_kg.model.namespaces import PREFIXES
from caucasus_kg.sources.importers.names import NameResolver

RDF_NS = PREFIXES["rdf"]
RDF_TYPE = RDF_NS + "type"
RDF_VALUE = PREFIXES["rdf"] + "value"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
RDFS_COMMENT = PREFIXES["rdfs"] + "comment"
XSD = PREFIXES["xsd"]
OA = PREFIXES["oa"]
PROV = PREFIXES["prov"]
DCT = PREFIXES["dct"]
WD = PREFIXES["wd"]
__all__ = ["CSV_FRAGMENTS", "JSON_POINTER", "ckg", "entity"]


class ImportError_(Exception):
    """The dataset cannot be imported at all (unreadable, unknown layout): exit 2."""


class NothingToImport(ImportError_):
    """The dataset was read but gives nothing to import (every record skipped, or none states
    anything): the import is refused, exit 1. ``problems`` are the records skipped."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


MAX_DATASET_BYTES = 256 * 1024 * 1024
"""A SIPRI or UNODA file is read whole; the largest real exports are a few tens of MB."""


@dataclass(frozen=True)
class Problem:
    """A record that could not be imported, with the line it starts on."""

    line: int | None
    message: str

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    """What an importer read: the records it understood and the problems it met."""

    records: list[object] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: int = 0
    preamble: str = ""
    generated: str | None = None  # ISO date of "Data generated:"
    warnings: list[Problem] = field(default_factory=list)
    without_facts: int = 0  # well-formed records that state nothing to import
    progress: Callable[[int], None] | None = None  # called with the count of records read

    def count_record(self) -> None:
        self.read += 1
        if self.progress is not None:
            self.progress(self.read)


# ------------------------------------------------------------------------------------------
# Terms and N-Triples
# ------------------------------------------------------------------------------------------

def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    return typed(value, datatype) if datatype and not lang else text(value, lang)


class Triples:
    """A set of N-Triples lines (each written by pyoxigraph's term formatting), sorted when the
    text is made, so the output is deterministic.

    The lines are kept in the order they were first added (a dict, not a set): an importer adds
    a record's lines together and reads records in a stable order, so the sort mostly merges
    runs that are already in order (0.1 s instead of 1.2 s for the 1.16M lines of the SIPRI
    register)."""

    def __init__(self, feed: Callable[[str], None] | None = None, batch: int = 100_000) -> None:
        """``feed``, if given, is called with the new lines (as one text) every ``batch`` lines
        and when the text is made: :class:`caucasus_kg.sources.background_load.BackgroundLoad`
        loads them while the importer goes on."""
        self.lines: dict[str, None] = {}
        self._feed = feed
        self._batch = batch
        self._fed = 0

    def add(self, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: object) -> None:
        self.lines[f"{s} {p} {o} .\n"] = None
        if self._feed is not None and len(self.lines) - self._fed >= self._batch:
            self._pass_on()

    def extend(self, triples: Iterable[ox.Triple]) -> None:
        lines = self.lines
        for t in triples:
            lines[f"{t.subject} {t.predicate} {t.object} .\n"] = None
        if self._feed is not None and len(lines) - self._fed >= self._batch:
            self._pass_on()

    def _pass_on(self) -> None:
        """Give ``feed`` the lines added since it was last called (a dict keeps their order)."""
        if self._feed is not None and len(self.lines) > self._fed:
            new = "".join(itertools.islice(self.lines, self._fed, None))
            self._fed = len(self.lines)
            self._feed(new)

    def text(self) -> str:
        self._pass_on()
        return "".join(sorted(self.lines))



# ------------------------------------------------------------------------------------------
# Shared building blocks
# ------------------------------------------------------------------------------------------

def declare_actors(out: Triples, resolver: NameResolver) -> None:
    """The actors the import creates, a state with the ISO 3166 codes the standard gives it."""
    for created in resolver.created.values():
        node = entity(created.slug)
        out.extend(actor(node, created.kind, created.label, created.wikidata))
        for name, code in created.iso3166.properties if created.iso3166 else ():
            out.add(node, ckg(name), text(code))


def source_document(out: Triples, doc: ox.NamedNode, title: str, publisher: str | None,
                    parsed: Parsed, file_name: str) -> None:
    """The dataset file as a source document. Its stored text is the dataset's own notes
    (preamble and header line), not its rows."""
    out.extend(SourceDocument(
        doc, dataset=True, text=parsed.preamble or file_name, title=title,
        publisher=entity(publisher) if publisher else None, identifier=file_name,
        kind="dataset", issued=typed(parsed.generated, "date") if parsed.generated else None,
    ).triples())


def evidence(out: Triples, fact: ox.NamedNode, number: int | str, doc: ox.NamedNode,
             attributed_to: str, record_id: str, line: int | None, fragment: str,
             conforms_to: str) -> None:
    """Evidence that ``fact`` comes from a record of the dataset ``doc``."""
    out.extend(record_evidence(fact, ox.NamedNode(f"{fact.value}/evidence/{number}"), doc,
                               entity(attributed_to), record_id, line, fragment, conforms_to))


PUBLISHERS: dict[str, tuple[str, str, str | None]] = {
    "sipri": ("ResearchOrganisation", "Stockholm International Peace Research Institute", None),
    "unoda": ("InternationalOrganisation", "United Nations Office for Disarmament Affairs", None),
}
"""slug -> (class, label, QID). No QID: the ones these had could not be checked against a source,
and a QID is given only where it is certain (a curated fact file may add it)."""


def declare_publisher(out: Triples, slug: str, known_ids: set[str]) -> None:
    if slug in known_ids:
        return
    kind, label, qid = PUBLISHERS[slug]
    out.extend(actor(entity(slug), kind, label, qid))


def read_text(path: Path) -> str:
    """The dataset as text: UTF-8 if it is, else Latin-1 (SIPRI's classic export). Only a
    regular file of at most MAX_DATASET_BYTES is read (never a device or a pipe)."""
    try:
        data = read_bounded(path, MAX_DATASET_BYTES, "dataset files")
    except FileRefused as exc:
        raise ImportError_(str(exc)) from None
    except OSError as exc:
        raise ImportError_(f"cannot read the file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text


_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def visible(text: str) -> str:
    """``text`` with every character no export can write (control characters other than tab
    and line breaks) shown by its Unicode control picture (U+0001 as U+2401), and lone
    surrogates and non-characters as U+FFFD: a dataset's cells are kept, made writable."""
    return _INVISIBLE.sub(_picture, text) if _INVISIBLE.search(text) else text


def visible_text(text: str, parsed: Parsed) -> str:
    """:func:`visible` for a whole file, with one warning naming the first line changed."""
    first = _INVISIBLE.search(text)
    if first is None:
        return text
    line = text.count("\n", 0, first.start()) + 1
    count = len(_INVISIBLE.findall(text))
    parsed.warnings.append(Problem(line, f"{count} control character(s) (the first U+"
                                         f"{ord(first.group()):04X}) are written as their "
                                         "Unicode control pictures (U+2400 to U+241F)"))
    return visible(text)


def require_records(parsed: Parsed) -> Parsed:
    """``parsed``, unless it gives nothing to import: then :class:`NothingToImport`."""
    if parsed.records:
        return parsed
    if parsed.read == 0:
        raise NothingToImport("the file holds no records")
    if len(parsed.problems) >= parsed.read:
        raise NothingToImport(f"all {parsed.read:,} records were skipped as malformed",
                              parsed.problems)
    skipped = f"{len(parsed.problems):,} were skipped as malformed and " \
        if parsed.problems else ""
    raise NothingToImport(f"of the {parsed.read:,} records, {skipped}none of the others states "
                          "anything to import", parsed.problems)


MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def generated_date(line: str) -> str | None:
    """'Data generated: 13 Mar 2025 10:02:49 AM' -> '2025-03-13'."""
    match = re.search(r"Data generated:\s*(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})", line)
    if not match or match.group(2).lower() not in MONTHS:
        return None
    return f"{match.group(3)}-{MONTHS[match.group(2).lower()]:02d}-{int(match.group(1)):02d}"


