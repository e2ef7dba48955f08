"""The entity page: server-rendered, every value escaped."""

from __future__ import annotations

import html
import string
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from caucasus_kg.model.namespaces import ID
from caucasus_kg.server.config import WEB_DIR

# --- The entity page (server-rendered, every value escaped) ---------------------------------

def html_response(content: str, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type="text/html; charset=utf-8")


def _template(title: str, content: str) -> str:
    page = string.Template((WEB_DIR / "entity.html").read_text(encoding="utf-8"))
    return page.safe_substitute(title=html.escape(title), content=content)


def entity_href(curie_or_iri: str) -> str | None:
    """The entity page of an ``id:`` CURIE or entity IRI, or None for anything else."""
    if curie_or_iri.startswith("id:"):
        local = curie_or_iri[3:]
    elif curie_or_iri.startswith(str(ID)):
        local = curie_or_iri[len(str(ID)):]
    else:
        return None
    return "/entity/" + quote(local, safe="/")


def _link(label: str, target: str | None) -> str:
    href = entity_href(target) if target else None
    text = html.escape(label)
    return f'<a href="{html.escape(href)}">{text}</a>' if href else text


def entity_page(ex: dict[str, Any]) -> str:
    e = html.escape
    parts = [f"<h1>{e(ex['label'])}</h1>",
             f"<p class=\"meta\"><code>{e(ex['id'])}</code>"
             + (f" &middot; {e(', '.join(ex['types']))}" if ex["types"] else "") + "</p>"]
    if ex.get("file"):
        where = f"graphs/{ex['file']}" + (f":{ex['line']}" if ex.get("line") else "")
        parts.append(f"<p class=\"meta\">written in <code>{e(where)}</code></p>")
    if ex["statements"]:
        rows = "".join(f"<tr><th scope=\"row\">{e(st['property'])}</th>"
                       f"<td>{_link(st['value'], st.get('value_id'))}</td></tr>"
                       for st in ex["statements"])
        parts.append(f"<h2>What the graph records</h2><table class=\"facts\">{rows}</table>")
    parts.append("<h2>Evidence</h2>")
    if ex["evidence"]:
        items = []
        for ev in ex["evidence"]:
            source = e(ev["source_title"] or ev["source"]) + f" (<code>{e(ev['source'])}</code>"
            source += f", published by {e(ev['publisher'])})" if ev.get("publisher") else ")"
            if ev.get("paraphrase"):  # the curator's words: never shown as a quote
                words = (f"<p class=\"paraphrase\">Reported, in the curator's words: "
                         f"{e(ev['paraphrase'])}</p>")
            elif ev.get("record") and not ev.get("quote"):
                words = f"<p class=\"record\">Dataset record {e(ev['record'])}</p>"
            else:
                words = f"<blockquote>{e(ev['quote'])}</blockquote>"
            kind = ev.get("kind", "")
            if ev.get("verified") is not None:
                kind += ": verified here" if ev["verified"] else ": unverified here"
            where = (f", characters {ev['start']}&ndash;{ev['end']}"
                     if ev.get("start") is not None else "")
            reports = (f"<p>reports: {e(ev['reports'])}</p>" if ev.get("reports") else "")
            items.append(
                f"<li>{words}<p>kind: {e(kind)}</p>"
                f"<p>attributed to: {e(ev.get('attributed_to') or 'nobody named')}</p>"
                f"{reports}<p>source: {source}{where}</p></li>")
        parts.append(f"<ol class=\"evidence\">{''.join(items)}</ol>")
    else:
        parts.append("<p>None recorded for this node itself (see the facts below).</p>")
    if ex["claims_about"]:
        items = "".join(f"<li>{_link(r['label'], r['id'])} [{e(r['relation'])}]</li>"
                        for r in ex["claims_about"])
        parts.append(f"<h2>Claims about it</h2><ul>{items}</ul>")
    if ex["involved_in"]:
        items = "".join(f"<li>{_link(r['label'], r['id'])} (as {e(r['relation'])})</li>"
                        for r in ex["involved_in"])
        parts.append(f"<h2>Referenced by</h2><ul>{items}</ul>")
    return _template(ex["label"], "\n".join(parts))


def entity_error_page(slug: str, message: str) -> str:
    return _template(slug, f"<h1>{html.escape(slug)}</h1>"
                     f"<p class=\"error\" role=\"alert\">{html.escape(message)}</p>")


