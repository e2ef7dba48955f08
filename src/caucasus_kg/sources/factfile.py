"""The fact-file loader: curated YAML fact files to RDF (format: docs/fact-files.md).

Loading is two passes over all files: :func:`declarations` collects every entity so that
references can point across files, then :func:`to_graph` emits the triples, resolving references,
parsing dates and numbers by the ontology's ranges, and locating every quote in its source text.
Problems are collected as diagnostics naming file, line and fact, never raised one at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from caucasus_kg.core.bounded import FileRefused, TooLarge, read_bounded
from caucasus_kg.core.diagnostics import Diagnostic, Diagnostics, InputError
from caucasus_kg.core.suggest import did_you_mean
from caucasus_kg.model import iso3166
from caucasus_kg.model.dates import DateFormatError, earliest_day, parse_partial_date, parse_year
from caucasus_kg.model.evidence import Quote, SourceDocument, quote_evidence, report_evidence
from caucasus_kg.model.namespaces import CKG, ID, QID, SLUG, SOURCE, VOCAB, WD
from caucasus_kg.model.ontology import Ontology, PropertyInfo, snake_case
from caucasus_kg.model.terms import to_ox_term
from caucasus_kg.sources.quotes import explain_missing, find_quote
from caucasus_kg.sources.references import Declaration, EntityIndex, ResolveError, slugify
from caucasus_kg.sources.texts import TextError, TextFinder, read_text_file, sha256_of
from caucasus_kg.sources.yamlread import (
    LineDict,
    error_fix,
    error_line,
    error_text,
    load_yaml,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Fact files are written by people; anything larger is refused before parsing."""

MAX_ID = 100
"""Characters in an id: ids are read by people and end IRIs."""

MAX_AMOUNT = Decimal("1e14")
"""No arms deal, budget or aid package comes near 100 trillion in any currency."""

SECTIONS: dict[str, str] = {
    "actors": "Actor",
    "places": "Place",
    "instruments": "LegalInstrument",
    "events": "Event",
    "indicators": "Indicator",
    "memberships": "Membership",
    "claims": "Claim",
}
"""Top-level lists of a fact file and the class every entry in each must belong to."""

DEFAULT_TYPES = {"claims": "Claim", "memberships": "Membership"}
ENTITY_KEYS = {"id", "type", "label", "aliases", "wikidata", "evidence", "note", "proposition",
               "review", "cue", "iso3166"}
"""``review`` and ``cue`` mark an entry `caucasus-kg draft` proposed: refused until reviewed, and
the cue (kept as a record, not loaded) that proposed it."""
SOURCE_KEYS = {"id", "title", "text", "sha256", "retrieved", "publisher", "language", "kind",
               "note", "url", "date", "interviewee"}
EVIDENCE_KEYS = {"quote", "prefix", "suffix", "report", "reports", "attributed_to", "source",
                 "occurrence", "note"}
PROPOSITION_KEYS = {"subject", "predicate", "object"}
NESTED_CLASSES = {CKG.MonetaryAmount}
"""Ranges whose values are written inline as a mapping (``value: {amount: ..., currency: ...}``)."""

WRITING_LANGUAGE = "en"
"""Labels, aliases, summaries and notes are written by analysts in English, whatever the language
of the source document (``source: language:``, which tags the document and its title)."""

INTEGER_TYPES = {XSD.integer: None, CKG.positiveInteger: 1, CKG.nonNegativeInteger: 0}
"""Ranges read as whole numbers, with their least value (the ontology's restrictions of
xsd:integer). The values are written as xsd:integer, the type a store keeps: Oxigraph stores every
type derived from xsd:integer as xsd:integer."""


@dataclass
class SourceText:
    """A source document's identity and text, for checking quotes.

    A stored text (``stored``) is part of the graph. A text kept outside it is known by its
    ``sha256`` and is ``text`` only where a sources folder holds it; a source may also have no
    text at all, and then only report evidence can cite it."""

    slug: str
    iri: URIRef
    text: str | None
    file: str | None
    stored: bool = True
    sha256: str | None = None
    unverified: list[tuple[str, int | None, str | None]] = field(default_factory=list)
    """Quotes of a text kept elsewhere that could not be checked here: (file, line, fact)."""
    textless_quotes: int = 0
    """Quotes taken from this source although it has no text (reported once)."""


@dataclass
class FactFile:
    """One parsed fact file."""

    path: Path
    rel: str
    data: LineDict
    language: str = "en"
    source: SourceText | None = None
    """The document the file's evidence quotes by default (``source:``)."""
    other_sources: list[tuple[SourceText, LineDict]] = field(default_factory=list)
    """Further documents the file declares (``sources:``), which evidence names by id."""
    entries: list[tuple[str, LineDict]] = field(default_factory=list)


def read_fact_file(path: Path, rel: str) -> FactFile:
    """Read and parse a fact file; unreadable input raises :class:`InputError`."""
    def fail(line: int | None, message: str, fix: str) -> InputError:
        return InputError([Diagnostic(rel, line, None, message, fix)])

    try:
        raw = read_bounded(path, MAX_FILE_BYTES, "fact files")
    except TooLarge as exc:
        raise fail(None, str(exc), "split it into one fact file per source document, or "
                   "import large datasets with `caucasus-kg import`") from None
    except FileRefused as exc:
        raise fail(None, str(exc), "give the path of a YAML fact file") from None
    except OSError as exc:
        raise fail(None, f"cannot read the file: {exc.strerror}", "check the path") from exc
    if b"\x00" in raw[:8192]:
        raise fail(None, "the file is binary, not a YAML fact file", "give a UTF-8 YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise fail(line, f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
                   f"{exc.start})", "save the file as UTF-8") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
        raw = raw[3:]
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise fail(error_line(exc, raw), f"not valid YAML: {error_text(exc)}",
                   error_fix(exc)) from exc
    if data is None:
        data = LineDict()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, LineDict):
        raise fail(1, "a fact file must be a YAML mapping with 'source:' and lists such as "
                   "'actors:' and 'events:'", "see docs/fact-files.md for the format")
    return FactFile(path=path, rel=rel, data=data)


# --------------------------------------------------------------------------------------------
# Pass 1: declarations
# --------------------------------------------------------------------------------------------

def declarations(ff: FactFile, onto: Ontology, diags: Diagnostics) -> list[Declaration]:
    """Check the file's structure and collect the entities it declares."""
    data = ff.data
    for key in data:
        if key not in ("source", "sources") and key not in SECTIONS:
            diags.error(ff.rel, data.line_of(key), None, f"unknown top-level key '{key}'",
                        did_you_mean(key, ["source", "sources", *SECTIONS])
                        or "top-level keys are: source, sources, " + ", ".join(SECTIONS))
    lang = "en"
    source = data.get("source")
    if isinstance(source, LineDict) and "language" in source:
        if isinstance(source["language"], str) and re.fullmatch(r"[a-z]{2}", source["language"]):
            lang = source["language"]
        else:
            diags.error(ff.rel, source.line_of("language"), None,
                        f"'language' must be a two-letter ISO 639-1 code, not "
                        f"{_shown(source['language'])}", "write e.g. 'language: en' or "
                        "'language: hy'")
    ff.language = lang

    found: list[Declaration] = []
    for section, base in SECTIONS.items():
        if section not in data or data[section] is None:
            continue
        entries = data[section]
        if not isinstance(entries, list):
            diags.error(ff.rel, data.line_of(section), None,
                        f"'{section}' must be a list of entries (each starting with '- id:')",
                        "indent the entries under it, each beginning with '- '")
            continue
        for entry in entries:
            if not isinstance(entry, LineDict):
                diags.error(ff.rel, data.line_of(section), None,
                            f"every entry of '{section}' must be a mapping, found "
                            f"{_shown(entry)}",
                            "write each entry as '- id: ...' followed by its keys")
                continue
            if "review" in entry:
                diags.error(ff.rel, entry.line_of("review"),
                            entry.get("id") if isinstance(entry.get("id"), str) else None,
                            "the entry was drafted and is not reviewed yet "
                            f"(review: {entry['review']})", "check it against the source "
                            "(quote, claimant, stance, type, dates), correct it, then delete "
                            "its 'review:' line")
            decl = _declaration(ff, onto, section, base, entry, diags)
            if decl is not None:
                ff.entries.append((section, entry))
                found.append(decl)
    if not any(data.get(key) for key in ("source", "sources", *SECTIONS)) and \
            all(key in ("source", "sources", *SECTIONS) for key in data):
        diags.error(ff.rel, data.line or 1, None, "the file is empty: it declares no source "
                    "and no entries", "write the facts of one source document in it (see "
                    "docs/fact-files.md), or remove the file")
    return found


def _declaration(ff: FactFile, onto: Ontology, section: str, base: str, entry: LineDict,
                 diags: Diagnostics) -> Declaration | None:
    slug = entry.get("id")
    if not isinstance(slug, str) or not slug:
        if slug is None or slug == "":
            diags.error(ff.rel, entry.line, None, f"an entry of '{section}' has no 'id'",
                        "add 'id: a-readable-slug' (lower case, digits and hyphens)")
        else:
            diags.error(ff.rel, entry.line_of("id"), None,
                        f"'id' must be text, not {_what(slug)}",
                        "write a readable slug such as 'russia-signs-cfe-1990' (lower case "
                        "letters, digits and hyphens); quote an id of digits only: id: '12345'")
        return None
    _text_keys(ff.rel, entry, ("note",), slug, "", diags)
    if not SLUG.match(slug) or len(slug) > MAX_ID:
        diags.error(ff.rel, entry.line_of("id"), None, f"'{_cut(slug)}' is not a valid id: ids "
                    f"are lower case letters, digits and single hyphens, at most {MAX_ID}",
                    f"use '{_cut(slugify(slug)[:MAX_ID].strip('-'))}'")
        return None
    type_name = entry.get("type", DEFAULT_TYPES.get(section))
    if not isinstance(type_name, str) or not type_name:
        diags.error(ff.rel, entry.line_of("type"), slug, "the entry has no 'type'" if
                    type_name is None or type_name == "" else
                    f"'type' must be the name of a class, not {_what(type_name)}",
                    f"add 'type:' with a kind of {base}, e.g. "
                    + ", ".join(_kinds_of(onto, base)[:4]))
        return None
    cls = onto.classes.get(type_name)
    if cls is None:
        diags.error(ff.rel, entry.line_of("type"), slug, f"unknown type '{_cut(type_name)}'",
                    did_you_mean(type_name, onto.classes)
                    or "types are: " + ", ".join(_kinds_of(onto, base)))
        return None
    if not onto.is_subclass(cls, CKG[base]):
        diags.error(ff.rel, entry.line_of("type"), slug,
                    f"type '{_cut(type_name)}' does not belong under '{section}' (which holds kinds of "
                    f"{base})", "move the entry to the right list, or use one of: "
                    + ", ".join(_kinds_of(onto, base)))
        return None
    labels = entry.get("label")
    if labels is not None and (not isinstance(labels, str) or not labels.strip()):
        diags.error(ff.rel, entry.line_of("label"), slug, "'label' must be a non-empty name",
                    "write label: followed by the name a reader would use")
    if not isinstance(labels, str) or not labels.strip():
        labels = None  # a file adding to an entity declared elsewhere may leave it out
    aliases = entry.get("aliases", [])
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str | int) for a in aliases):
        diags.error(ff.rel, entry.line_of("aliases"), slug, "'aliases' must be a list of names",
                    "write aliases: [Name one, Name two]")
        aliases = []
    qid = entry.get("wikidata")
    if qid is not None and not (isinstance(qid, str) and QID.match(qid)):
        diags.error(ff.rel, entry.line_of("wikidata"), slug,
                    f"{_shown(qid)} is not a Wikidata item id", "write the QID alone, such as Q227")
        qid = None
    return Declaration(slug=slug, iri=ID[slug], types={cls}, file=ff.rel, line=entry.line,
                       labels=[labels] if labels else [], aliases=[str(a) for a in aliases],
                       wikidata=qid)


def _kinds_of(onto: Ontology, base: str) -> list[str]:
    return sorted(name for name, iri in onto.classes.items()
                  if onto.is_subclass(iri, CKG[base]))


def read_source(ff: FactFile, graphs_root: Path, diags: Diagnostics,
                texts: TextFinder | None = None) -> SourceText | None:
    """Read the source documents a fact file describes: ``source:`` (returned, and the default
    of its evidence) and the ``sources:`` list (``ff.other_sources``).

    ``text:`` names a stored text (under graphs/sources/ once merged); ``sha256:`` without it
    identifies a text kept outside the graph, looked up in the sources folders by ``texts``;
    with neither, the source can only be cited by report evidence."""
    listed = ff.data.get("sources")
    if listed is not None:
        if not isinstance(listed, list):
            diags.error(ff.rel, ff.data.line_of("sources"), None,
                        "'sources' must be a list of source documents (each starting with "
                        "'- id:')", "indent the documents under it, each beginning with '- '")
        else:
            for item in listed:
                if not isinstance(item, LineDict):
                    diags.error(ff.rel, ff.data.line_of("sources"), None,
                                "every entry of 'sources' must be a mapping",
                                "write each as '- id: ...' followed by its keys")
                    continue
                other = _read_one_source(ff, item, graphs_root, diags, texts)
                if other is not None:
                    ff.other_sources.append((other, item))
    source = ff.data.get("source")
    if source is None:
        return None
    if not isinstance(source, LineDict):
        diags.error(ff.rel, ff.data.line_of("source"), None, "'source' must be a mapping",
                    "give id:, title:, text: and publisher: under 'source:'")
        return None
    ff.source = _read_one_source(ff, source, graphs_root, diags, texts)
    return ff.source


def _read_one_source(ff: FactFile, source: LineDict, graphs_root: Path, diags: Diagnostics,
                     texts: TextFinder | None) -> SourceText | None:
    for key in source:
        if key not in SOURCE_KEYS:
            diags.error(ff.rel, source.line_of(key), None, f"unknown key '{_cut(key)}' in 'source'",
                        did_you_mean(key, SOURCE_KEYS) or "keys are: " + ", ".join(sorted(SOURCE_KEYS)))
    slug = source.get("id")
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > MAX_ID:
        why = "" if slug is None else f" of at most {MAX_ID} characters" if \
            isinstance(slug, str) and SLUG.match(slug) else f", not {_what(slug)}"
        diags.error(ff.rel, source.line_of("id"), None, f"the source needs an 'id' slug{why}",
                    "add 'id: publisher-and-title-words'")
        return None
    if not _text_keys(ff.rel, source, SOURCE_TEXT_KEYS, slug, " in 'source'", diags):
        return None
    digest = source.get("sha256")
    if digest is not None:
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-fA-F]{64}", digest.strip()):
            digest = digest.strip().lower()
        else:
            diags.error(ff.rel, source.line_of("sha256"), slug,
                        "'sha256' must be the 64 hexadecimal digits of the SHA-256 of the "
                        "text's UTF-8 bytes", "compute it with `sha256sum FILE`")
            return None
    text_rel = source.get("text")
    if text_rel is None:
        kept = SourceText(slug, SOURCE[slug], None, None, stored=False, sha256=digest)
        if digest is not None and texts is not None:
            found = texts.find(digest)
            if found is not None:
                kept.text, kept.file = found[1], str(found[0])
        return kept
    if not isinstance(text_rel, str) or not text_rel.strip() or Path(text_rel).is_absolute():
        diags.error(ff.rel, source.line_of("text"), slug,
                    f"'text' must be the path of the source text relative to the fact file, "
                    f"not {_shown(text_rel)}",
                    "save the text as UTF-8 under graphs/sources/ and write 'text: "
                    "sources/NAME.txt'; for a text that may not be stored, give 'sha256:' "
                    "instead and keep the text in a sources folder")
        return None
    text_path = ff.path.parent / text_rel
    allowed = [ff.path.parent, graphs_root.parent, graphs_root]
    try:
        text = read_text_file(text_path, allowed, _cut(text_rel))
    except TextError as exc:
        diags.error(ff.rel, source.line_of("text"), slug, f"the source text {exc}",
                    "save the document's text as UTF-8 under graphs/sources/ and give its "
                    "path relative to the fact file as 'text:'")
        return None
    if digest is not None and sha256_of(text) != digest:
        diags.error(ff.rel, source.line_of("sha256"), slug,
                    f"the text '{_cut(text_rel)}' does not have the SHA-256 the source declares "
                    f"({sha256_of(text)[:12]}... instead of {digest[:12]}...)",
                    "use the text the quotes were taken from, or correct 'sha256:'")
        return None
    try:
        shown = text_path.resolve().relative_to(graphs_root.resolve()).as_posix()
    except ValueError:
        shown = text_rel
    return SourceText(slug=slug, iri=SOURCE[slug], text=text, file=shown)


def _shown(value: object) -> str:
    """A value from the file for a message: quoted, and cut short (a list or mapping is named,
    never printed: it can be as large as the file)."""
    if isinstance(value, list | dict):
        return _what(value)
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:77] + "..."


def _cut(text: str, limit: int = 120) -> str:
    """Text from the file for a message, cut short: a message never echoes unbounded input."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _what(value: object) -> str:
    """What a value from the file is, for a message saying it has the wrong shape."""
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"the number {value}"
    return _shown(value)


SOURCE_TEXT_KEYS = ("title", "text", "sha256", "publisher", "language", "kind", "note", "url")
EVIDENCE_TEXT_KEYS = ("quote", "prefix", "suffix", "report", "reports", "attributed_to",
                      "source", "note")
"""Keys whose value is one piece of text (a name, an id or words), in sources and evidence."""


def _text_keys(rel: str, data: LineDict, keys: tuple[str, ...], slug: str | None, where: str,
               diags: Diagnostics) -> bool:
    """Report every key of ``keys`` whose value is not text (a list, a mapping, a number where
    words belong); False if there was one."""
    ok = True
    for key in keys:
        value = data.get(key)
        if value is None or isinstance(value, str):
            continue
        diags.error(rel, data.line_of(key), slug, f"'{key}'{where} must be text, not "
                    f"{_what(value)}", f"write one value after '{key}:' (in quotes if it is "
                    "a number, after '|' on the next lines for several lines)")
        ok = False
    return ok


# --------------------------------------------------------------------------------------------
# Pass 2: triples
# --------------------------------------------------------------------------------------------

class FactTriples:
    """The triples of one fact file, each once, in the order they were made, kept as N-Triples
    lines (what the store loads fastest); the loader adds rdflib terms and the evidence model's
    pyoxigraph triples alike. Much lighter and faster than an rdflib graph, which the hundreds
    of thousands of triples of a large file would make the loader's bottleneck. No fact file
    makes blank nodes, so the lines need no canonical labels."""

    def __init__(self) -> None:
        self._lines: dict[str, None] = {}

    def add(self, triple: tuple[object, object, object]) -> None:
        """Add one triple of rdflib terms."""
        s, p, o = triple
        self._lines[f"{to_ox_term(s)} {to_ox_term(p)} {to_ox_term(o)} .\n"] = None

    def extend(self, triples: Iterable[ox.Triple]) -> None:
        """Add pyoxigraph triples."""
        self._lines.update(dict.fromkeys(f"{t} .\n" for t in triples))

    def __len__(self) -> int:
        return len(self._lines)

    def ntriples(self) -> bytes:
        return "".join(self._lines).encode("utf-8")

    def __iter__(self) -> Iterator[ox.Triple]:
        return (q.triple for q in ox.parse(self.ntriples(), ox.RdfFormat.N_TRIPLES))


@dataclass
class _Context:
    ff: FactFile
    onto: Ontology
    index: EntityIndex
    sources: dict[str, SourceText]
    diags: Diagnostics
    today: dt.date
    graph: FactTriples


def to_graph(ff: FactFile, onto: Ontology, index: EntityIndex, sources: dict[str, SourceText],
             diags: Diagnostics, today: dt.date | None = None) -> FactTriples:
    """Emit the RDF for one fact file, adding a diagnostic for every problem found."""
    ctx = _Context(ff, onto, index, sources, diags, today or dt.date.today(), FactTriples())
    if ff.source is not None:
        _emit_source(ctx, ff.source, ff.data["source"])
    for other, data in ff.other_sources:
        _emit_source(ctx, other, data)
    for section, entry in ff.entries:
        _emit_entity(ctx, section, entry)
    return ctx.graph


def _emit_source(ctx: _Context, src: SourceText, data: LineDict) -> None:
    title = data.get("title")
    if not (isinstance(title, str) and title.strip()):
        title = None
        ctx.diags.error(ctx.ff.rel, data.line, src.slug, "the source has no 'title'",
                        "add 'title:' with the document's headline")
    publisher = None
    if "publisher" in data:
        publisher = _reference(ctx, str(data["publisher"]), CKG.Actor, data.line_of("publisher"),
                               src.slug, "publisher")
    page = None
    if isinstance(data.get("url"), str):
        url = data["url"].strip()
        bad = _IRI_UNSAFE.search(url)
        if bad is not None or "://" not in url or not _is_iri(url):
            ctx.diags.error(ctx.ff.rel, data.line_of("url"), src.slug,
                            f"'{_cut(url)}' is not a web address" + (
                                f": it holds {bad.group()!r}" if bad else ""),
                            "give the full https:// address, with spaces, quotes and angle "
                            "brackets percent-encoded (%20, %22, %3C, %3E)")
        else:
            page = url
    issued = retrieved = None
    if "date" in data:
        issued = _date(ctx, data["date"], parse_partial_date, data.line_of("date"), src.slug)
    if "retrieved" in data:
        retrieved = _date(ctx, data["retrieved"], parse_partial_date, data.line_of("retrieved"),
                          src.slug)
    interviewees = []
    given = data.get("interviewee")
    for name in given if isinstance(given, list) else ([] if given is None else [given]):
        if not isinstance(name, str):
            ctx.diags.error(ctx.ff.rel, data.line_of("interviewee"), src.slug,
                            f"'interviewee' names people by id or name, not {_what(name)}",
                            "write interviewee: person-id, or a list of ids")
            continue
        person = _reference(ctx, str(name), CKG.Person, data.line_of("interviewee"), src.slug,
                            "interviewee")
        if person is not None:
            interviewees.append(to_ox_term(person))
    ctx.graph.extend(SourceDocument(
        ox.NamedNode(str(src.iri)), dataset=False, text=src.text if src.stored else None,
        sha256=src.sha256, title=title, title_language=ctx.ff.language,
        language=ctx.ff.language,
        publisher=to_ox_term(publisher) if publisher is not None else None,
        kind=_document_type(ctx, data, src.slug), issued=to_ox(issued), retrieved=to_ox(retrieved),
        page=page, note=data["note"] if isinstance(data.get("note"), str) else None,
        interviewees=tuple(interviewees), source_file=src.file if src.stored else None,
    ).triples())


_IRI_UNSAFE = re.compile(r'[\s<>"{}|\\^`]')
"""Characters an IRI cannot hold (RFC 3987): a web address with one is written percent-encoded."""


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def to_ox(literal: Literal | None) -> ox.Literal | None:
    return to_ox_term(literal) if literal is not None else None


def _document_type(ctx: _Context, data: LineDict, slug: str) -> str | None:
    """The notation of the document type ``kind:`` names (by notation or label)."""
    kind = data.get("kind")
    if kind is None:
        return None
    scheme = VOCAB["document-type"]
    names = ctx.onto.concepts.get(scheme, {})
    hit = names.get(str(kind).strip().lower()) or names.get(str(kind).strip())
    if hit is not None:
        return str(hit).rsplit("/", 1)[-1]
    allowed = sorted(n for n in names if " " in n or n.isalpha())
    ctx.diags.error(ctx.ff.rel, data.line_of("kind"), slug, f"unknown kind of source {_shown(kind)}",
                    did_you_mean(str(kind), allowed) or "kinds are: " + ", ".join(allowed))
    return None


def _emit_entity(ctx: _Context, section: str, entry: LineDict) -> None:
    slug: str = entry["id"]
    node = ID[slug]
    g = ctx.graph
    decl = ctx.index.by_slug.get(slug)
    if decl is None or (ctx.ff.rel, entry.line) not in decl.mentions:
        return  # a clashing id, already reported
    cls = ctx.onto.classes[entry.get("type", DEFAULT_TYPES.get(section))]
    g.add((node, RDF.type, cls))
    if isinstance(entry.get("label"), str) and entry["label"].strip():
        g.add((node, RDFS.label, Literal(entry["label"], lang=WRITING_LANGUAGE)))
    aliases = entry.get("aliases", [])
    for alias in [aliases] if isinstance(aliases, str) else (
            aliases if isinstance(aliases, list) else []):  # not a list: reported in pass 1
        if isinstance(alias, str | int) and not isinstance(alias, bool):
            g.add((node, SKOS.altLabel, Literal(str(alias), lang=WRITING_LANGUAGE)))
    qid = entry.get("wikidata")
    if isinstance(qid, str) and QID.match(qid):
        g.add((node, CKG.wikidata, WD[qid]))
    if "iso3166" in entry:
        _emit_iso3166(ctx, node, slug, cls, entry)
    if isinstance(entry.get("note"), str):
        g.add((node, RDFS.comment, Literal(entry["note"], lang=WRITING_LANGUAGE)))
    g.add((node, CKG.sourceFile, Literal(ctx.ff.rel)))
    g.add((node, CKG.sourceLine, Literal(entry.line, datatype=XSD.integer)))

    for key, value in entry.items():
        line = entry.line_of(key)
        if key in ENTITY_KEYS:
            continue
        prop = ctx.onto.properties.get(key)
        if prop is not None and prop.key in _ISO_KEYS:
            ctx.diags.error(ctx.ff.rel, line, slug, f"'{key}' is written together with the "
                            "state's other ISO 3166 code", "write iso3166: [AZ, AZE] (or "
                            "iso3166: [SUN, SUHH] for a former country) instead")
            continue
        if prop is None:
            ctx.diags.error(ctx.ff.rel, line, slug, f"unknown key '{_cut(key)}'",
                            did_you_mean(key, [*ctx.onto.properties, *ENTITY_KEYS])
                            or "keys are the snake_case names of ontology properties; "
                            "see docs/fact-files.md")
            continue
        if prop.domain is not None and not ctx.onto.is_subclass(cls, prop.domain):
            ctx.diags.error(ctx.ff.rel, line, slug,
                            f"'{key}' does not apply to {_a(ctx.onto.label(cls))}: it describes "
                            f"{_plural(ctx.onto.label(prop.domain))}",
                            "remove it, or correct the entry's 'type:'")
            continue
        values = value if isinstance(value, list) else [value]
        if not values:
            ctx.diags.error(ctx.ff.rel, line, slug, f"'{key}' is an empty list",
                            "give at least one value or remove the key")
        for item in values:
            obj = _value(ctx, prop, item, line, slug, node, len(values) > 1)
            if obj is not None:
                g.add((node, prop.iri, obj))

    if isinstance(entry.get("stated_basis"), str):
        _check_stated_basis(ctx, slug, entry)
    if "proposition" in entry:
        _emit_proposition(ctx, node, slug, entry["proposition"], entry.line_of("proposition"))
    if "evidence" in entry:
        # The declaring entry numbers its evidence 1, 2, ...; a file adding to an entity declared
        # elsewhere (no label) numbers it under its own file name, so IRIs never collide.
        prefix = f"{slug}/evidence/"
        if "label" not in entry:
            prefix += ctx.ff.rel.rsplit(".", 1)[0] + "/"
        _emit_evidence(ctx, node, slug, prefix, entry["evidence"], entry.line_of("evidence"))
    elif ctx.onto.is_subclass(cls, CKG.Fact) or cls == CKG.Claim:
        ctx.diags.error(ctx.ff.rel, entry.line, slug,
                        "the fact has no evidence: every fact and claim needs the verbatim quote "
                        "that supports it", "add 'evidence:' with '- quote: ...' and "
                        "'attributed_to: ...'")


_ISO_KEYS = {snake_case(name) for name in (iso3166.ALPHA2, iso3166.ALPHA3, iso3166.ALPHA4)}


def _emit_iso3166(ctx: _Context, node: URIRef, slug: str, cls: URIRef, entry: LineDict) -> None:
    """``iso3166: [AZ, AZE]``: a state's ISO 3166 codes, checked against the standard."""
    line = entry.line_of("iso3166")
    if not ctx.onto.is_subclass(cls, CKG.State):
        ctx.diags.error(ctx.ff.rel, line, slug, f"'iso3166' does not apply to "
                        f"{_a(ctx.onto.label(cls))}: ISO 3166 codes identify states",
                        "remove it, or correct the entry's 'type:'")
        return
    value = entry["iso3166"]
    if not isinstance(value, list):
        ctx.diags.error(ctx.ff.rel, line, slug, f"'iso3166' must be a list of codes, not "
                        f"{_shown(value)}", "write iso3166: [AZ, AZE], or iso3166: [SUN, SUHH] "
                        "for a former country")
        return
    try:
        country = iso3166.from_codes([str(code) for code in value])
    except iso3166.CodeError as exc:
        ctx.diags.error(ctx.ff.rel, line, slug, _cut(str(exc), 200), exc.fix)
        return
    for name, code in country.properties:
        ctx.graph.add((node, CKG[name], Literal(code)))


def _plural(noun: str) -> str:
    return noun + ("es" if noun.endswith("s") else "s")


def _check_stated_basis(ctx: _Context, slug: str, entry: LineDict) -> None:
    """The basis a claim gives is the source's own words: it must occur in the file's source
    text, like a quote (unverified here when the text is kept elsewhere and not supplied)."""
    src = ctx.ff.source
    basis = entry["stated_basis"]
    line = entry.line_of("stated_basis")
    if src is None:
        return
    if src.text is None:
        if src.sha256 is not None:
            src.unverified.append((ctx.ff.rel, line, slug))
        return
    if find_quote(src.text, basis) is None:
        ctx.diags.error(ctx.ff.rel, line, slug,
                        f"the stated basis is not found in the source text: \"{_cut(basis)}\"",
                        "copy the words the source gives as the claim's basis verbatim, e.g. "
                        "'according to high-ranking officials'; "
                        + explain_missing(src.text, basis))


def _value(ctx: _Context, prop: PropertyInfo, item: Any, line: int, slug: str, node: URIRef,
           many: bool) -> URIRef | Literal | BNode | None:
    err = ctx.diags.error
    rel = ctx.ff.rel
    if prop.is_object:
        if prop.vocabulary is not None:
            return _concept(ctx, prop, item, line, slug)
        if isinstance(item, LineDict):
            if prop.range in NESTED_CLASSES:
                return _nested(ctx, prop, item, slug, node, many)
            err(rel, line, slug, f"'{prop.key}' takes a reference (an id, label or QID), "
                "not a mapping", "write the id of the entity, e.g. azerbaijan")
            return None
        if not isinstance(item, str | int) or isinstance(item, bool):
            err(rel, line, slug, f"'{prop.key}' takes a reference, found {_shown(item)}",
                "write the id of the entity")
            return None
        if prop.range in NESTED_CLASSES:
            err(rel, line, slug, f"'{prop.key}' takes a mapping such as "
                "{amount: 2200000000, currency: USD, bound: more-than}", None)
            return None
        return _reference(ctx, str(item), prop.range, line, slug, prop.key)
    return _literal(ctx, prop, item, line, slug)


def _literal(ctx: _Context, prop: PropertyInfo, item: Any, line: int,
             slug: str) -> Literal | None:
    err = ctx.diags.error
    rel = ctx.ff.rel
    rng = prop.range
    if isinstance(item, LineDict | list):
        err(rel, line, slug, f"'{prop.key}' takes a single value, found a "
            f"{'mapping' if isinstance(item, dict) else 'nested list'}", None)
        return None
    if item is None:
        err(rel, line, slug, f"'{prop.key}' has no value", "give a value or remove the key")
        return None
    if rng == CKG.partialDate:
        return _date(ctx, item, parse_partial_date, line, slug)
    if rng == XSD.gYear:
        return _date(ctx, item, parse_year, line, slug, future_ok=prop.iri == CKG.fiscalYear)
    if rng in INTEGER_TYPES:
        if isinstance(item, bool) or not isinstance(item, int):
            err(rel, line, slug, f"'{prop.key}' must be a whole number, found {_shown(item)}",
                f"write {prop.key}: 16 (no quotes, no decimals)")
            return None
        minimum = INTEGER_TYPES[rng]
        if minimum is not None and item < minimum:
            err(rel, line, slug, f"'{prop.key}' must be at least {minimum}, found {item}",
                f"write a whole number of {minimum} or more, e.g. {prop.key}: {minimum + 15}")
            return None
        return Literal(item, datatype=XSD.integer)
    if rng == XSD.decimal:
        return _decimal(ctx, prop, item, line, slug)
    if rng == XSD.boolean:
        if not isinstance(item, bool):
            err(rel, line, slug, f"'{prop.key}' must be true or false, found {_shown(item)}", None)
            return None
        return Literal(item)
    if isinstance(item, bool) or not isinstance(item, str | int | float):
        err(rel, line, slug, f"'{prop.key}' must be text, found {_shown(item)}", None)
        return None
    text = str(item)
    if not text.strip():
        err(rel, line, slug, f"'{prop.key}' is empty", "give a value or remove the key")
        return None
    if rng == RDF.langString:
        return Literal(text, lang=WRITING_LANGUAGE)
    return Literal(text)


_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?$")
"""A number as written in a fact file: digits, a decimal point, an exponent of two digits."""


def _decimal(ctx: _Context, prop: PropertyInfo, item: Any, line: int,
             slug: str) -> Literal | None:
    err = ctx.diags.error
    try:
        if isinstance(item, bool):
            raise InvalidOperation
        text = str(item).strip() if isinstance(item, str | int) else ""
        if not _DECIMAL.match(text):  # no '2_007', 'Infinity' or '1e999999999'
            raise InvalidOperation
        number = Decimal(text)
    except InvalidOperation:
        err(ctx.ff.rel, line, slug, f"'{prop.key}' must be a number, found {_shown(item)}",
            "write digits only, e.g. 2200000000 (no currency sign, no thousands separators)")
        return None
    if prop.iri == CKG.amount:
        if number < 0:
            err(ctx.ff.rel, line, slug, f"amount {_cut(str(item))} is negative",
                "amounts are positive; say 'less than' with bound: less-than")
            return None
        if number >= MAX_AMOUNT:
            err(ctx.ff.rel, line, slug,
                f"amount {_cut(str(item))} is absurdly large (100 trillion or more)",
                "check the number of zeros; amounts are in currency units, e.g. 2200000000")
            return None
    text = format(number.normalize(), "f")
    return Literal(text, datatype=XSD.decimal)


def _date(ctx: _Context, item: Any, parser: Any, line: int, slug: str,
          future_ok: bool = False) -> Literal | None:
    if isinstance(item, list | dict) or (isinstance(item, str) and len(item) > 40):
        ctx.diags.error(ctx.ff.rel, line, slug, f"{_shown(item)} is not a date" if
                        isinstance(item, str) else f"a date must be one value, not {_what(item)}",
                        "write the date as it happened, e.g. 2023, 2023-11 or 2023-11-07")
        return None
    try:
        lit = parser(item)
    except DateFormatError as exc:
        ctx.diags.error(ctx.ff.rel, line, slug, str(exc), "write the date as it happened, "
                        "with the precision known: 2023, 2023-11 or 2023-11-07")
        return None
    if not future_ok and earliest_day(lit) > ctx.today:
        ctx.diags.warning(ctx.ff.rel, line, slug, f"the date {lit} is in the future",
                          "check the year; a planned event is better recorded as a claim "
                          "with stance 'predicts'")
    return lit


def _concept(ctx: _Context, prop: PropertyInfo, item: Any, line: int,
             slug: str) -> URIRef | None:
    assert prop.vocabulary is not None
    names = ctx.onto.concepts.get(prop.vocabulary, {})
    if isinstance(item, str):
        hit = names.get(item) or names.get(item.lower()) or names.get(item.replace("_", "-"))
        if hit is not None:
            return hit
    allowed = ctx.onto.concept_notations(prop.vocabulary)
    ctx.diags.error(ctx.ff.rel, line, slug, f"{_shown(item)} is not a {prop.key.replace('_', ' ')}",
                    did_you_mean(str(item), allowed) or "use one of: " + ", ".join(allowed))
    return None


def _reference(ctx: _Context, name: str, expected: URIRef | None, line: int, slug: str,
               key: str) -> URIRef | None:
    try:
        decl = ctx.index.resolve(name)
    except ResolveError as exc:
        ctx.diags.error(ctx.ff.rel, line, slug, f"{key}: {exc.message}", exc.fix)
        return None
    if decl.slug == slug and key != "publisher":
        ctx.diags.error(ctx.ff.rel, line, slug, f"'{key}' refers to the entry itself",
                        "refer to another entity")
        return None
    if expected is not None and str(expected).startswith(str(CKG)) and expected != CKG.Entity:
        ok = any(ctx.onto.is_subclass(t, expected) for t in decl.types)
        if not ok:
            kinds = ", ".join(sorted(ctx.onto.label(t) for t in decl.types)) or "untyped"
            wanted = ctx.onto.label(expected)
            ctx.diags.error(ctx.ff.rel, line, slug,
                            f"'{key}' expects {_a(wanted)}, but '{decl.slug}' is {_a(kinds)}",
                            f"refer to {_a(wanted)} here")
            return None
    return decl.iri


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _nested(ctx: _Context, prop: PropertyInfo, item: LineDict, slug: str, parent: URIRef,
            many: bool) -> URIRef | None:
    assert prop.range is not None
    suffix = prop.key.replace("_", "-")
    if many:
        suffix += f"-{item.line}"
    node = URIRef(f"{parent}/{suffix}")
    ctx.graph.add((node, RDF.type, prop.range))
    ok = True
    for key, value in item.items():
        inner = ctx.onto.properties.get(key)
        if inner is None:
            ctx.diags.error(ctx.ff.rel, item.line_of(key), slug,
                            f"unknown key '{_cut(key)}' in '{prop.key}'",
                            did_you_mean(key, ctx.onto.properties))
            ok = False
            continue
        obj = _value(ctx, inner, value, item.line_of(key), slug, node, False)
        if obj is None:
            ok = False
            continue
        ctx.graph.add((node, inner.iri, obj))
    return node if ok else None


def _emit_proposition(ctx: _Context, node: URIRef, slug: str, data: Any, line: int) -> None:
    err = ctx.diags.error
    if not isinstance(data, LineDict) or set(data) != PROPOSITION_KEYS:
        err(ctx.ff.rel, line, slug, "'proposition' must have exactly subject, predicate and "
            "object", "write proposition: {subject: azerbaijan, predicate: violated, "
            "object: cfe-treaty}")
        return
    if not _text_keys(ctx.ff.rel, data, ("subject", "predicate"), slug, " in 'proposition'",
                      ctx.diags):
        return
    pred_key = snake_case(str(data["predicate"]))
    prop = ctx.onto.properties.get(pred_key)
    if prop is None:
        err(ctx.ff.rel, data.line_of("predicate"), slug,
            f"unknown proposition predicate '{_cut(str(data['predicate']))}'",
            did_you_mean(pred_key, ctx.onto.properties))
        return
    subject = _reference(ctx, str(data["subject"]), None, data.line_of("subject"), slug,
                         "proposition subject")
    obj = _value(ctx, prop, data["object"], data.line_of("object"), slug, node, False)
    if subject is None or obj is None:
        return
    prop_node = URIRef(f"{node}/proposition")
    g = ctx.graph
    g.add((node, CKG.proposition, prop_node))
    g.add((prop_node, RDF.type, CKG.Proposition))
    g.add((prop_node, RDF.subject, subject))
    g.add((prop_node, RDF.predicate, prop.iri))
    g.add((prop_node, RDF.object, obj))


def _emit_evidence(ctx: _Context, node: URIRef, slug: str, prefix: str, data: Any,
                   line: int) -> None:
    err = ctx.diags.error
    rel = ctx.ff.rel
    items = data if isinstance(data, list) else [data]
    if not items:
        err(rel, line, slug, "'evidence' is empty", "add '- quote: ...' entries")
        return
    for number, item in enumerate(items, start=1):
        if not isinstance(item, LineDict):
            err(rel, line, slug, "each evidence entry must be a mapping with 'quote' (or "
                "'report') and 'attributed_to'", "write '- quote: ...' and on the next line "
                "'  attributed_to: ...'")
            continue
        for key in item:
            if key not in EVIDENCE_KEYS:
                err(rel, item.line_of(key), slug, f"unknown key '{_cut(key)}' in evidence",
                    did_you_mean(key, EVIDENCE_KEYS)
                    or "keys are: " + ", ".join(sorted(EVIDENCE_KEYS)))
        if not _text_keys(rel, item, EVIDENCE_TEXT_KEYS, slug, " in evidence", ctx.diags):
            continue
        if "quote" in item and "report" in item:
            err(rel, item.line, slug, "an evidence entry is either a verbatim 'quote' or a "
                "'report' in your own words, not both", "split it into two entries, or keep "
                "one of them")
            continue
        evidence = ox.NamedNode(str(ID[f"{prefix}{number}"]))
        if "report" in item:
            _emit_report(ctx, node, slug, item, evidence)
        else:
            _emit_quote(ctx, node, slug, item, evidence)


def _attribution(ctx: _Context, item: LineDict, slug: str, missing: str) -> URIRef | None:
    attributed = item.get("attributed_to")
    if attributed is None:
        ctx.diags.error(ctx.ff.rel, item.line, slug, missing,
                        "add 'attributed_to:' with the actor the information comes from")
        return None
    return _reference(ctx, str(attributed), CKG.Actor, item.line_of("attributed_to"), slug,
                      "attributed_to")


def _text_of(ctx: _Context, item: LineDict, key: str, slug: str) -> str | None:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        ctx.diags.error(ctx.ff.rel, item.line_of(key), slug, f"'{key}' must be text, not "
                        f"{_shown(value)}", f"write the {key} as a string")
        return None
    return value


def _emit_quote(ctx: _Context, node: URIRef, slug: str, item: LineDict,
                evidence: ox.NamedNode) -> None:
    err, rel = ctx.diags.error, ctx.ff.rel
    quote = item.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        err(rel, item.line, slug, "the evidence has no 'quote' (nor 'report')",
            "copy the supporting sentence or phrase verbatim from the source text as 'quote:', "
            "or summarise what a source says in your own words as 'report:'")
        return
    src = _evidence_source(ctx, item, slug)
    if src is None:
        return
    occurrence = item.get("occurrence", 1)
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 1:
        err(rel, item.line_of("occurrence"), slug, "'occurrence' must be 1, 2, ...", None)
        return
    before, after = _text_of(ctx, item, "prefix", slug), _text_of(ctx, item, "suffix", slug)
    if before is None or after is None:
        return
    if src.stored and (before or after):
        err(rel, item.line_of("prefix" if before else "suffix"), slug,
            "'prefix' and 'suffix' are for quotes of texts kept outside the graph; the stored "
            f"text of '{src.slug}' locates the quote itself", "remove them")
        return
    if src.text is None and src.sha256 is None:
        if not src.textless_quotes:  # once per source and file: every quote has the same fix
            err(rel, item.line_of("quote"), slug,
                f"the source '{src.slug}' has no text to check quotes against (neither 'text:' "
                "nor 'sha256:'): a quote must be verbatim from a text",
                "give the source its text (stored under graphs/sources/, or kept elsewhere and "
                "named by 'sha256:'), or, if these are your own words, write them as "
                "'report:' with 'reports:'")
        src.textless_quotes += 1
        return
    who = _attribution(ctx, item, slug, "the evidence does not say whom it is attributed to")
    if src.text is None:  # a text kept elsewhere and not supplied here: unverified
        src.unverified.append((rel, item.line_of("quote"), slug))
        found = Quote(quote, before, after)
    else:
        match = find_quote(src.text, quote, occurrence)
        if match is None:
            where = "" if occurrence == 1 else f" {occurrence} times"
            shown = src.file if src.stored else f"of '{src.slug}' ({src.file})"
            err(rel, item.line_of("quote"), slug,
                f"the quote is not found{where} in the source text {shown}: \"{_cut(quote)}\"",
                explain_missing(src.text, quote))
            return
        if not match.prefix.endswith(before) or not match.suffix.startswith(after):
            err(rel, item.line_of("prefix" if not match.prefix.endswith(before) else "suffix"),
                slug, f"the quote's '{'prefix' if not match.prefix.endswith(before) else 'suffix'}"
                f"' does not match the text around it in '{src.slug}'",
                f"the text reads \"{match.prefix[-40:]}[quote]{match.suffix[:40]}\"")
            return
        if src.stored:
            found = Quote(match.exact, match.prefix, match.suffix, match.start, match.end)
        else:
            found = Quote(match.exact, before, after)
    ctx.graph.extend(quote_evidence(
        to_ox_term(node), evidence, ox.NamedNode(str(src.iri)), found,
        to_ox_term(who) if who is not None else None, item.line,
        item["note"] if isinstance(item.get("note"), str) else None, WRITING_LANGUAGE))


def _emit_report(ctx: _Context, node: URIRef, slug: str, item: LineDict,
                 evidence: ox.NamedNode) -> None:
    err, rel = ctx.diags.error, ctx.ff.rel
    paraphrase = item.get("report")
    if not isinstance(paraphrase, str) or not paraphrase.strip():
        err(rel, item.line_of("report"), slug, "'report' must say, in your own words, what the "
            "source reports", "write one or two sentences of your own")
        return
    for key in ("prefix", "suffix", "occurrence"):
        if key in item:
            err(rel, item.line_of(key), slug, f"'{key}' belongs to a quote, and a report is "
                "not one", f"remove '{key}'")
            return
    src = _evidence_source(ctx, item, slug)
    if src is None:
        return
    reporter = _attribution(ctx, item, slug, "a report needs its reporter: who reports it "
                            "(the publisher, or the office or person the source quotes)")
    reports = None
    if item.get("reports") is None:
        err(rel, item.line, slug, "a report needs 'reports': whose statement or action it "
            "reports", "add 'reports:' with the actor, e.g. 'reports: united-states'")
    else:
        reports = _reference(ctx, str(item["reports"]), CKG.Actor, item.line_of("reports"),
                             slug, "reports")
    ctx.graph.extend(report_evidence(
        to_ox_term(node), evidence, ox.NamedNode(str(src.iri)), paraphrase.strip(),
        to_ox_term(reporter) if reporter is not None else None,
        to_ox_term(reports) if reports is not None else None, item.line,
        item["note"] if isinstance(item.get("note"), str) else None, WRITING_LANGUAGE))


def _evidence_source(ctx: _Context, item: LineDict, slug: str) -> SourceText | None:
    name = item.get("source")
    if name is None:
        if ctx.ff.source is None and "source" not in ctx.ff.data:
            ctx.diags.error(ctx.ff.rel, item.line, slug,
                            "the evidence names no 'source' and the file has no 'source:'",
                            "add 'source:' at the top of the file or to the evidence")
        return ctx.ff.source  # None when the file's source failed: reported there, once
    src = ctx.sources.get(str(name))
    if src is None:
        ctx.diags.error(ctx.ff.rel, item.line_of("source"), slug,
                        f"unknown source document '{_cut(str(name))}'",
                        did_you_mean(str(name), ctx.sources)
                        or "name the id of a source declared in some fact file's 'source:'")
    return src
