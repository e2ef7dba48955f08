"""Reading a new article for drafting: plain text, a saved HTML page or a PDF, to its text and
what the document says about itself (title, author, date, site).

The text returned is what the fact file's quotes will be checked against, so it is normalised once
here (no byte-order mark, ``\\n`` line ends, a PDF's lines joined into paragraphs) and never again.
Input that cannot be drafted is refused with a located message: an empty file, binary data, a PDF
without a text layer, an HTML page without an article, a text that is not English (the drafting
cues are English). The HTML and PDF readers are optional dependencies, imported only for such
input.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from caucasus_kg.core.diagnostics import Diagnostic, InputError

MAX_ARTICLE_BYTES = 20 * 1024 * 1024
"""No article, statement or report comes near this; larger input is refused unread."""

MIN_ARTICLE_WORDS = 12
"""Fewer words than this is no article: an HTML page's menu, a PDF's page numbers."""

ENGLISH_WORDS = frozenset(re.findall(r"\S+", """
a about after against all also an and are as at be because been before being but by can could
did do does for from had has have he her his how if in into is it its may more most not of on
only or other our out over said says she should since so than that the their them then there
these they this those through to under until was we were what when where which while who will
with would you
"""))
"""Common English function words: in English prose about two words in five are among them."""

MIN_ENGLISH_SHARE = 0.15
"""Below this share of common English words a text of some length is not English (French,
German or Armenian prose has well under 5%)."""

INSTALL_HINT = "install the drafting extras: pip install 'caucasus-kg[draft]'"


@dataclass(frozen=True)
class Article:
    """A document's text and the metadata it carries about itself."""

    text: str
    kind: str
    """How it was read: ``text``, ``html`` or ``pdf``."""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    """The publication date the document gives, as YYYY-MM-DD (or coarser)."""
    site: str | None = None
    url: str | None = None


def read_article(path: Path, shown: str | None = None) -> Article:
    """Read ``path`` (text, HTML or PDF); raises :class:`InputError` saying why it cannot be
    drafted."""
    name = shown or str(path)

    def refuse(message: str, fix: str) -> InputError:
        return InputError([Diagnostic(name, None, None, message, fix)])

    try:
        if not path.is_file():
            raise refuse("no such file", "check the path of the article")
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise refuse(f"the file is {size / 1e6:.1f} MB; articles are limited to "
                         f"{MAX_ARTICLE_BYTES // (1024 * 1024)} MB", "give one article")
        raw = path.read_bytes()
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror}", "check the path") from exc
    if not raw.strip():
        raise refuse("the file is empty", "give the article's text, saved HTML page or PDF")
    if raw.startswith(b"%PDF-"):
        article = _read_pdf(raw, refuse)
    else:
        if b"\x00" in raw[:8192]:
            raise refuse("the file is binary data, not an article",
                         "give the article as UTF-8 text, a saved HTML page or a PDF")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise InputError([Diagnostic(name, line, None,
                                         f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at "
                                         f"offset {exc.start})", "save the article as UTF-8")]
                             ) from exc
        if _is_html(path, text):
            article = _read_html(text, refuse)
        else:
            article = Article(text=normalise(text), kind="text")
    words = re.findall(r"[^\W\d_]+", article.text)
    if len(words) < MIN_ARTICLE_WORDS:
        what = {"html": "the HTML page has no article (only", "pdf": "the PDF has (only"}.get(
            article.kind, "the text has (only")
        raise refuse(f"{what} {len(words)} words of text)",
                     "give the page or file that holds the article itself")
    share = english_share(article.text)
    if share < MIN_ENGLISH_SHARE:
        raise refuse(f"the text is not in English (only {share:.0%} of its words are common "
                     "English words); the drafting cues are English",
                     "draft from an English version of the document, or write the fact file by "
                     "hand with 'language:' on its source (docs/adding-facts.md)")
    return article


def english_share(text: str) -> float:
    """The share of the words of ``text`` that are common English function words."""
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    if not words:
        return 0.0
    return sum(w in ENGLISH_WORDS for w in words) / len(words)


def normalise(text: str) -> str:
    """The text as the fact file stores it: no byte-order mark, ``\\n`` line ends, no spaces at
    the ends of lines, no blank lines at the start or end."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _is_html(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return True
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head


def _read_html(html: str, refuse) -> Article:
    try:
        import trafilatura  # lazy: the HTML extractor (and lxml) only for HTML input
    except ImportError as exc:
        raise refuse("reading HTML needs the trafilatura package", INSTALL_HINT) from exc
    found = trafilatura.bare_extraction(html, with_metadata=True, favor_precision=True,
                                        include_comments=False, include_tables=False)
    text = (found.text if found is not None else "") or ""
    if not text.strip():
        raise refuse("the HTML page has no article", "give the page that holds the article "
                     "itself (saved with the browser's 'Save page as'), or its text")
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    return Article(text=normalise("\n".join(paragraphs)), kind="html",
                   title=_clean(found.title), author=_clean(found.author),
                   date=_clean(found.date), site=_clean(found.sitename), url=_clean(found.url))


def _read_pdf(raw: bytes, refuse) -> Article:
    try:
        from pypdf import PdfReader  # lazy: the PDF reader only for PDF input
        from pypdf.errors import PdfReadError  # lazy: as above
    except ImportError as exc:
        raise refuse("reading PDF needs the pypdf package", INSTALL_HINT) from exc
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise refuse(f"the PDF cannot be read: {exc}", "give a PDF that opens in a viewer, or "
                     "the article's text") from exc
    text = _reflow("\n\n".join(pages))
    if len(re.findall(r"[^\W\d_]+", text)) < MIN_ARTICLE_WORDS:
        raise refuse("the PDF has no text layer (it is a scan or an image): there is no text "
                     "to quote", "run it through OCR and check the text, or give the article's "
                     "text as a .txt file")
    date = None
    created = getattr(info, "creation_date", None) if info is not None else None
    if created is not None:
        date = created.date().isoformat()
    return Article(text=normalise(text), kind="pdf",
                   title=_clean(info.title) if info is not None else None,
                   author=_clean(info.author) if info is not None else None, date=date)


def _reflow(text: str) -> str:
    """A PDF's lines joined into paragraphs: a line break inside a sentence becomes a space, a
    word hyphenated at a line end is joined; blank lines and sentence ends keep their breaks."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r", ""))
    out = []
    for para in paragraphs:
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        joined = ""
        for line in lines:
            if not joined:
                joined = line
            elif re.search(r"[a-z]-$", joined) and line[:1].islower():
                joined = joined[:-1] + line
            elif re.search(r"[.!?:”\"]$", joined) and line[:1].isupper():
                joined += "\n" + line
            else:
                joined += " " + line
        if joined:
            out.append(joined)
    return "\n".join(out)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None
