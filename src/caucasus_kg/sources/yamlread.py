"""Reading YAML fact files with line numbers, exactly and within bounds.

Mappings come back as :class:`LineDict`, which remembers the line of the mapping and of each key,
so every diagnostic can point at a line. The schema is small and exact:

- a plain scalar is ``null`` (empty, ``~``, ``null``), a boolean (``true`` or ``false`` only, so
  ``NO`` stays Norway), a whole number written in decimal digits without leading zeros (at most
  30 digits), or else text: ``2023-11-07``, ``0100``, ``-0500``, ``0x7D7``, ``33:27``, ``2_007``
  and ``1.5e9`` all stay exactly as written, and the loader reads them by the key's range;
- a quoted scalar is text; the only tag taken is ``!!str``;
- anchors (``&name``) and aliases (``*name``) are refused: a fact file has no need for them, and
  an alias repeats a value without it being written out (the "billion laughs");
- a file holds at most :data:`MAX_NODES` values nested at most :data:`MAX_DEPTH` deep;
- text may not hold control characters other than tab and line breaks, lone surrogates or the
  non-characters U+FFFE and U+FFFF (none can be written in XML, the exports' format);
- a repeated key is an error instead of silently keeping the last value.

Every refusal is a :class:`FactYamlError` with the line and a fix. The events come from libyaml
when it is installed (as with PyYAML's C loader) and the objects are built directly from them,
which is several times faster than PyYAML's own composer and constructor.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # libyaml's parser, as PyYAML's CSafeLoader uses
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _Parser = None

MAX_NODES = 2_000_000
"""Values (scalars, lists and mappings) in one fact file: about 80,000 facts."""

MAX_DEPTH = 40
"""Levels of nesting in one fact file (a fact file needs five or six)."""

MAX_DIGITS = 30
"""Longer runs of digits stay text: no count or amount comes near, and Python refuses to read
integers of more than 4,300 digits."""

STR_TAG = "tag:yaml.org,2002:str"
_CONTAINER_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_INT = re.compile(rf"^[-+]?(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})$")
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters no text may hold: they cannot be written in XML 1.0 (GraphML, GEXF, SVG)."""


class LineDict(dict):
    """A dict that knows the line it starts on and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class FactYamlError(yaml.MarkedYAMLError):
    """YAML a fact file may not hold, with its place and how to fix it."""

    def __init__(self, problem: str, mark: Any, fix: str, context: str | None = None):
        super().__init__(context=context, problem=problem, problem_mark=mark)
        self.fix = fix


class DuplicateKeyError(FactYamlError):
    pass


def char_name(char: str) -> str:
    return f"U+{ord(char):04X}"


def forbidden_text(text: str) -> str | None:
    """Why ``text`` may not be stored (the first forbidden character), or None."""
    match = FORBIDDEN.search(text)
    if match is None:
        return None
    kind = "a lone surrogate" if "\ud800" <= match.group() <= "\udfff" else (
        "a non-character" if match.group() in "\ufffe\uffff" else "a control character")
    return f"{kind} ({char_name(match.group())}) at character {match.start() + 1}"


def load_yaml(text: str, max_nodes: int | None = None) -> Any:
    """Parse one YAML document; raises ``yaml.YAMLError`` with a mark on bad syntax and
    :class:`FactYamlError` (a ``yaml.YAMLError``) on what a fact file may not hold (more than
    ``max_nodes`` values: :data:`MAX_NODES` unless given)."""
    parser = _Parser(text.encode("utf-8")) if _Parser is not None else yaml.SafeLoader(text)
    try:
        return _Builder(parser, MAX_NODES if max_nodes is None else max_nodes).document()
    finally:
        parser.dispose()


class _Builder:
    """Builds dicts, lists and scalars straight from the parser's events."""

    def __init__(self, parser: Any, max_nodes: int):
        self.parser = parser
        self.max_nodes = max_nodes
        self.nodes = 0

    def document(self) -> Any:
        parser = self.parser
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            return None
        parser.get_event()  # document start
        root = self.values()
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            event = parser.get_event()
            raise FactYamlError("the file holds a second YAML document (after '---')",
                                event.start_mark, "keep one document per fact file")
        return root

    def values(self) -> Any:
        """The document's root value, built without recursion."""
        parser = self.parser
        stack: list[list[Any]] = []  # [container, key or _NO_KEY, key line]
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
            else:
                value = self.start(event, kind, stack)
                if value is _OPENED:
                    continue
            if not stack:
                return value
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(value)
            elif frame[1] is _NO_KEY:
                key = value if isinstance(value, str) else str(value)
                if key in container:
                    raise DuplicateKeyError(
                        f"the key '{_cut(key)}' appears twice (first on line "
                        f"{container.key_lines[key]})", event.start_mark,
                        "remove one of the two, or merge their values",
                        context="while reading a mapping")
                frame[1] = key
                frame[2] = event.start_mark.line + 1
            else:
                container[frame[1]] = value
                container.key_lines[frame[1]] = frame[2]
                frame[1] = _NO_KEY

    def start(self, event: Any, kind: type, stack: list[list[Any]]) -> Any:
        """The value a scalar event stands for, or _OPENED after pushing a new container."""
        mark = event.start_mark
        if kind is yaml.AliasEvent or getattr(event, "anchor", None) is not None:
            raise FactYamlError(
                "anchors (&name) and aliases (*name) are not allowed in fact files", mark,
                "write each value out where it belongs instead of referring to another")
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise FactYamlError(
                f"the file holds more than {self.max_nodes:,} values", mark,
                "split it into one fact file per source document")
        if kind is yaml.ScalarEvent:
            return _scalar(event)
        key_expected = bool(stack) and type(stack[-1][0]) is not list and stack[-1][1] is _NO_KEY
        if key_expected:
            raise FactYamlError("a key must be a plain name, not a list or a mapping", mark,
                                "write 'key: value'")
        if event.tag is not None and event.tag not in _CONTAINER_TAGS:
            raise FactYamlError(f"the tag '{_cut(event.tag)}' is not used in fact files", mark,
                                "remove the tag")
        if len(stack) >= MAX_DEPTH:
            raise FactYamlError(f"the values nest more than {MAX_DEPTH} levels deep", mark,
                                "flatten the structure")
        if kind is yaml.MappingStartEvent:
            container: Any = LineDict()
            container.line = mark.line + 1
            container.key_lines = {}
        else:
            container = []
        stack.append([container, _NO_KEY, 0])
        return _OPENED


_OPENED = object()
_NO_KEY = object()


def _scalar(event: Any) -> Any:
    value = event.value
    tag = event.tag
    if tag is not None and tag not in (STR_TAG, "!"):
        raise FactYamlError(f"the tag '{_cut(tag)}' is not used in fact files", event.start_mark,
                            "remove the tag; the key says how its value is read")
    if tag is None and event.implicit[0]:  # plain
        if _NULL.match(value):
            return None
        if value in _BOOL:
            return _BOOL[value]
        if _INT.match(value):
            return int(value)
    problem = forbidden_text(value)
    if problem is not None:
        raise FactYamlError(f"the text holds {problem}, which no value may hold",
                            event.start_mark, "remove it, or write what it stands for in words")
    return value


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def error_line(exc: yaml.YAMLError, raw: bytes | None = None) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # a ReaderError: a byte (libyaml) or character
    if raw is not None and isinstance(position, int):
        return raw[:position].count(b"\n") + 1
    return None


def error_text(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return (f"the file holds the character U+{exc.character:04X}, which YAML does not "
                "allow (a control character)" if isinstance(exc.character, int) else
                "the file holds a character YAML does not allow")
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem and context:
        return f"{context}: {problem}"
    return _cut(problem or context or str(exc).splitlines()[0], 300)


def error_fix(exc: yaml.YAMLError) -> str:
    """How to fix the error: the loader's own fix, or the usual causes of bad syntax."""
    return getattr(exc, "fix", None) or ("fix the YAML syntax at that line (indentation, a "
                                         "missing colon, an unclosed quote)")
