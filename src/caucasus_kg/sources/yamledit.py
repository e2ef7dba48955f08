"""Editing a fact file in place: a round trip through ruamel.yaml that changes only the values
asked for and keeps the rest as written (comments, quoting, flow lists, blank lines, indentation).

Every plain scalar is read as a string, as :mod:`caucasus_kg.sources.yamlread` reads fact files,
so dates, numbers and booleans are written back exactly as they were, never reformatted.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken


class _TextResolver(VersionedResolver):
    """Plain scalars are strings: ``2007-12-12`` and ``1e30`` stay text."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


def _indents(text: str) -> tuple[int, int]:
    """The file's mapping indent and the offset of its block sequences' dashes (2 and 2 when
    the file does not show them), so the dump indents as the file does."""
    mapping = dash = None
    previous: tuple[int, str] | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if previous is not None and previous[1].rstrip().endswith(":") and indent > previous[0]:
            if stripped.startswith("- "):
                dash = indent - previous[0] if dash is None else dash
            elif not previous[1].lstrip().startswith("- "):
                mapping = indent - previous[0] if mapping is None else mapping
        previous = (indent, line)
    return mapping or 2, 2 if dash is None else dash


class _Document:
    """A fact file loaded for editing."""

    def __init__(self, text: str):
        mapping, dash = _indents(text)
        self.yaml = YAML()
        self.yaml.Resolver = _TextResolver
        self.yaml.preserve_quotes = True
        self.yaml.width = 1 << 20  # never fold a long line
        self.yaml.indent(mapping=mapping, sequence=dash + 2, offset=dash)
        self.yaml.explicit_start = text.lstrip().startswith("---")
        self.data = self.yaml.load(text)

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def _same_style(old: str, value: str) -> str:
    """``value`` quoted as ``old`` was (a quoted scalar keeps its quotes)."""
    return value if type(old) is str else type(old)(value)


def _replace_references(node: Any, replacements: dict[str, str]) -> bool:
    """Replace every string under ``node`` that is a key of ``replacements`` by its value; True
    if any was."""
    changed = False
    if isinstance(node, CommentedMap):
        slots: Any = list(node.keys())
    elif isinstance(node, CommentedSeq):
        slots = range(len(node))
    else:
        return False
    for slot in slots:
        item = node[slot]
        if isinstance(item, str):
            if item in replacements:
                node[slot] = _same_style(item, replacements[item])
                changed = True
        elif _replace_references(item, replacements):
            changed = True
    return changed


def _entries(node: Any) -> Any:
    """Every mapping in the document, depth first."""
    if isinstance(node, CommentedMap):
        yield node
        for item in node.values():
            yield from _entries(item)
    elif isinstance(node, CommentedSeq):
        for item in node:
            yield from _entries(item)


def _following_comments(entry: CommentedMap, key: str) -> tuple[str, CommentToken | None]:
    """The whole-line comments (and blank lines) after ``key``'s value, which ruamel keeps with
    the key, without the key's end-of-line comment; and the token they came from."""
    token = entry.ca.items.get(key, [None, None, None, None])[2]
    if token is None or token.start_mark is None:
        return "", None
    value = token.value
    if token.start_mark.line == entry.lc.key(key)[0]:
        value = value.partition("\n")[2]  # the comment on the key's own line goes with it
    elif value.startswith("\n"):
        value = value[1:]  # the end of the value's line
    else:  # after a block scalar the token starts at the comment, without its indentation
        value = " " * token.start_mark.column + value
    return value, token


def _last_scalar(node: CommentedMap, key: str) -> tuple[CommentedMap, str] | None:
    """The mapping key whose scalar value is the last thing written under ``key`` (descending
    into block mappings and the last mapping of block lists); None if that is not a mapping's
    scalar."""
    while True:
        value = node[key]
        if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
            value = value[-1]
        if isinstance(value, str):
            return node, key
        if not (isinstance(value, CommentedMap) and value and not value.fa.flow_style()):
            return None
        node, key = value, list(value.keys())[-1]


def _append_comment(node: CommentedMap, key: str, lines: str, like: CommentToken) -> None:
    """Put whole comment ``lines`` after ``key``'s (scalar) value."""
    slot = node.ca.items.setdefault(key, [None, None, None, None])
    if slot[2] is not None:
        slot[2].value += lines
        return
    if isinstance(node[key], LiteralScalarString | FoldedScalarString):
        # the block scalar ends its line; the comment is written at the token's column
        first = lines.lstrip(" ")
        slot[2] = CommentToken(first, CommentMark(len(lines) - len(first)), None)
    else:
        slot[2] = CommentToken("\n" + lines, like.start_mark, like.end_mark)


def _drop_key(entry: CommentedMap, key: str) -> None:
    """Remove ``key`` with its value and its end-of-line comment. The comment lines after it
    stay where they were: after what comes before the key (or, for the first key, after the
    key that follows it)."""
    keys = list(entry.keys())
    at = keys.index(key)
    lines, token = _following_comments(entry, key)
    del entry[key]
    entry.ca.items.pop(key, None)
    if token is None or not lines.strip():
        return
    before = _last_scalar(entry, keys[at - 1]) if at else None
    after = keys[at + 1] if at + 1 < len(keys) else None
    if before is not None:
        _append_comment(*before, lines, token)
    elif after is not None and at == 0 and isinstance(entry[after], str):
        _append_comment(entry, after, lines, token)
    elif after is not None:
        entry.yaml_set_comment_before_after_key(
            after, before="\n".join(line.strip()[1:].strip() for line in lines.splitlines()
                                    if line.strip()), indent=token.start_mark.column)
    elif at:
        _append_comment(entry, keys[at - 1], lines, token)


def merge_entry(text: str, new: str, existing: str, iri_prefix: str) -> str | None:
    """The fact file with the entry ``new`` merged into the stored ``existing``: every reference
    to ``new`` (its id, or its full IRI ``iri_prefix + new``) becomes one to ``existing`` (in the
    same form), and the entry's label is dropped (it now adds to an entity that has one).
    Comments, quoting and layout elsewhere are kept. None when the file does not mention
    ``new``."""
    document = _Document(text)
    for entry in _entries(document.data):
        if entry.get("id") == new and "label" in entry:
            _drop_key(entry, "label")
            break
    if not _replace_references(document.data, {new: existing,
                                               iri_prefix + new: iri_prefix + existing}):
        return None
    return document.text()


def set_value(text: str, keys: tuple[str, ...], value: str) -> str:
    """The fact file with the value at ``keys`` (a path of mapping keys) set to ``value``,
    quoted as the old value was; everything else as written."""
    document = _Document(text)
    node = document.data
    for key in keys[:-1]:
        node = node[key]
    old = node[keys[-1]]
    node[keys[-1]] = _same_style(old, value) if isinstance(old, str) else value
    return document.text()
