"""``caucasus-kg draft``: from a new article to a fact file for review.

The article is read (text, HTML or PDF), its text saved as the source document (or, for a text
that may not be stored, kept in a sources folder and named by its SHA-256), and its facts and
claims proposed against what the graph already knows (:mod:`caucasus_kg.draft`). Nothing is
written unless everything could be read: the files appear together at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caucasus_kg.core.diagnostics import Diagnostic, InputError
from caucasus_kg.core.project import Project
from caucasus_kg.draft.known import KnownEntity, KnownGraph
from caucasus_kg.draft.page import review_page
from caucasus_kg.draft.propose import Draft, Drafter, Entry
from caucasus_kg.draft.rules import load_rules
from caucasus_kg.draft.text import Sentence, Span, plain, sentences
from caucasus_kg.draft.writer import SourceBlock, to_report, to_yaml
from caucasus_kg.model.dates import DateFormatError, parse_partial_date
from caucasus_kg.model.namespaces import CKG
from caucasus_kg.sources.article import Article, read_article
from caucasus_kg.sources.dataset import load_ontology
from caucasus_kg.sources.texts import sha256_of


@dataclass
class DraftRequest:
    article: Path
    output: Path | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    title: str | None = None
    kind: str | None = None
    page: Path | None = None
    digest_only: bool = False
    rules: Path | None = None
    force: bool = False


@dataclass
class DraftResult:
    draft: Draft
    output: Path
    text_file: Path | None
    page: Path | None
    yaml: str
    report: dict[str, Any]
    written: list[Path] = field(default_factory=list)


def _refuse(where: str, message: str, fix: str) -> InputError:
    return InputError([Diagnostic(where, None, None, message, fix)])


def _slug(text: str, words: int = 8) -> str:
    parts = re.findall(r"[a-z0-9]+", plain(text).lower())
    return "-".join(parts[:words]) or "article"


def draft_article(project: Project, store: object, request: DraftRequest,
                  today: dt.date | None = None) -> DraftResult:
    """Draft ``request.article`` and write the fact file, its source text and (if asked) the
    review page. Raises :class:`InputError` (nothing written) for input that cannot be drafted."""
    today = today or dt.date.today()
    shown = str(request.article)
    published = _published(request.published)
    rules = load_rules(request.rules)
    output = request.output or Path(request.article.stem + ".yaml")
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise _refuse(str(output), "the draft is a YAML fact file",
                      "name the output with .yaml, e.g. -o my-article.yaml")
    article = read_article(request.article, shown)
    if published is None and article.date:
        try:
            published = _published(article.date)
        except InputError:
            published = None
    ontology = load_ontology(project)
    known = KnownGraph.from_store(store, ontology)
    drafter = Drafter(known, rules, None, _day(published))
    publisher, new_publisher = _publisher(request, article, known, drafter)
    drafter.publisher = publisher
    title = request.title or article.title or _first_heading(article.text)
    source_id = _unique(_slug(f"{publisher} {title}"), known.sources)
    draft = drafter.draft(article.text, source_id)
    if new_publisher is not None:
        draft.declared.insert(0, new_publisher)

    text_file, digest, kept = _text_target(project, request, output, source_id, article)
    targets = [output, *([text_file] if text_file else []), *([kept] if kept else []),
               *([request.page] if request.page else [])]
    for target in targets:
        if target.exists() and not request.force and not (
                target in (text_file, kept) and target.read_text("utf-8") == article.text):
            raise _refuse(str(target), "the file already exists",
                          "choose another name with -o (or --page), or pass --force to "
                          "replace it")
    source = SourceBlock(
        id=source_id, title=title, publisher=publisher,
        text=os.path.relpath(text_file, output.parent or Path(".")).replace(os.sep, "/")
        if text_file else None,
        sha256=digest, kind=request.kind, url=request.url or article.url,
        date=published, retrieved=today.isoformat() if request.digest_only else None)
    header = _header(request, article, draft, today)
    written = to_yaml(draft, source, header)
    files = {"draft": str(output), "text": str(text_file) if text_file else None,
             "kept_text": str(kept) if kept else None,
             "page": str(request.page) if request.page else None}
    report = to_report(draft, written, source, files)
    contents: list[tuple[Path, str]] = [(output, written.text)]
    if text_file is not None:
        contents.append((text_file, article.text))
    if kept is not None:
        contents.append((kept, article.text))
    if request.page is not None:
        contents.append((request.page, review_page(draft, written, title, output.name)))
    result = DraftResult(draft, output, text_file, request.page, written.text, report)
    result.written = _write_all(contents)
    return result


def _published(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()[:10]
    try:
        return str(parse_partial_date(text))
    except DateFormatError as exc:
        raise _refuse("--published", str(exc), "give the publication date as YYYY-MM-DD "
                      "(or YYYY-MM, YYYY)") from exc


def _day(published: str | None) -> dt.date | None:
    """The publication day relative dates count from (the first day of a coarser date)."""
    if published is None:
        return None
    parts = [int(p) for p in published.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _publisher(request: DraftRequest, article: Article, known: KnownGraph, drafter: Drafter
               ) -> tuple[str, Entry | None]:
    """The publisher's id: a known actor named by ``--publisher`` (or the page's site name),
    else a new media outlet declared in the draft."""
    name = request.publisher or article.site
    if not name:
        raise _refuse(str(request.article), "the publisher is not known",
                      "give --publisher NAME (an id, label, alias or QID of the graph, or the "
                      "name of a new media outlet)")
    wanted = plain(name).casefold().strip()
    for entity in known.entities.values():
        names = [entity.slug, entity.label or "", *entity.aliases, entity.qid or ""]
        if wanted in (plain(n).casefold() for n in names if n) and entity.is_a("Actor"):
            return entity.slug, None
    slug = _unique(_slug(name, 6), known.taken)
    classes = {str(c)[len(str(CKG)):] for c in known.ontology.superclasses(CKG.MediaOutlet)
               if str(c).startswith(str(CKG))}
    drafter.provisional[slug] = KnownEntity(slug, name, classes=classes)
    drafter.ids.add(slug)
    entry = Entry("actors", "MediaOutlet", slug, name, {}, Span(0, 0),
                  Sentence(0, 0, 0, -1, heading=True), None,
                  f"the publisher '{name}', which the graph does not hold")
    return slug, entry


def _unique(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _first_heading(text: str) -> str:
    """The document's title as its text gives it: its first heading (a short line without a full
    stop) among its first lines, else its first line."""
    for sentence in sentences(text)[:4]:
        if sentence.heading:
            return _first_line(text[sentence.start:sentence.end])
    return _first_line(text)


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.split("\n") if line.strip()), "Untitled")
    return line if len(line) <= 160 else line[:157].rsplit(" ", 1)[0] + " ..."


def _text_target(project: Project, request: DraftRequest, output: Path, source_id: str,
                 article: Article) -> tuple[Path | None, str | None, Path | None]:
    """Where the source text goes: ``sources/<id>.txt`` beside the fact file, or, with
    ``--digest-only``, the first sources folder (the fact file then names it by its SHA-256)."""
    if not request.digest_only:
        return output.parent / "sources" / f"{source_id}.txt", None, None
    if not project.sources_dirs:
        raise _refuse("--digest-only", "a text kept outside the graph needs a sources folder "
                      "to be kept in", "give --sources DIR (or `sources` in caucasus-kg.toml)")
    return None, sha256_of(article.text), project.sources_dirs[0] / f"{source_id}.txt"


def _header(request: DraftRequest, article: Article, draft: Draft, today: dt.date) -> list[str]:
    lines = [f"Drafted by `caucasus-kg draft` from {request.article.name} ({article.kind}); "
             "not yet reviewed.",
             "Every entry carries `review: needed` and the cue that proposed it. Check each one "
             "against the source",
             "(quote, claimant, stance, type, dates, references), correct it, and delete its "
             "`review: needed`",
             "line; delete entries that are wrong. `validate` and `add` refuse the file while "
             "an entry is unreviewed."]
    if draft.new_names:
        lines += ["", "Names the graph does not hold (declare those you need under actors:, "
                  "places: or instruments:):"]
        for name in draft.new_names:
            guess = f": {name.suggested_type}?" if name.suggested_type else ""
            near = f" (near: {', '.join(name.near)})" if name.near else ""
            lines.append(f"  - {name.text}{guess}{near}")
    notes = sorted({n for e in draft.entries for n in e.notes if "relative date" in n})
    if notes:
        lines += ["", *notes]
    return lines


def _write_all(contents: list[tuple[Path, str]]) -> list[Path]:
    """Write every file, or none: each goes to a temporary file beside it first, and the
    temporary files are renamed into place only when all were written."""
    temporary: list[tuple[Path, Path]] = []
    try:
        for target, text in contents:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            temporary.append((Path(name), target))
        for name, target in temporary:
            os.replace(name, target)
    except OSError as exc:
        for name, _target in temporary:
            name.unlink(missing_ok=True)
        raise _refuse(str(exc.filename or ""), f"cannot write the draft: {exc.strerror}",
                      "check that the folder is writable") from exc
    return [target for _name, target in temporary]


def report_json(result: DraftResult) -> str:
    return json.dumps(result.report, indent=2, ensure_ascii=False)
