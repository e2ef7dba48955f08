"""The query catalogue (queries/*.rq) and running SPARQL against the store.

Each ``.rq`` file starts with a comment header::

    # title: Who suspended participation in the CFE Treaty, and when?
    # description: One line or more on what the answer means.
    # param: treaty iri cfe-treaty -- the treaty to ask about

A parameter line is ``name type [default] -- description``; types are ``iri`` (an id, label,
alias or full IRI), ``date``, ``string`` and ``integer``. A parameter without a default is
required. An ``iri`` parameter whose default is ``any`` is optional: left out (or given as
``any``) it is the plain literal ``"any"``, which the query tells from an entity with
``isLiteral(?name)``. Values are bound with SPARQL substitution (``?name`` in the query), never
by pasting text into the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from caucasus_kg.core.sparql_text import QueryRefused, substitute, substitute_checked
from caucasus_kg.core.suggest import did_you_mean
from caucasus_kg.model.dates import DateFormatError, partial_date
from caucasus_kg.model.iris import ID, PREFIXES, SLUG, WD

PARAM_TYPES = ("iri", "date", "string", "integer")
ANY = "any"

_XSD = "http://www.w3.org/2001/XMLSchema#"
INLINE = "inline"
"""The name of a query given as SPARQL text rather than by catalogue name or file."""


class QueryError(Exception):
    """A query that cannot be found, parsed or run; ``usage`` marks a user mistake (exit 2)."""

    def __init__(self, message: str, usage: bool = True):
        super().__init__(message)
        self.usage = usage


class UnknownEntity(QueryError):
    """A name that is no entity's id, label, alias or QID, with the names closest to it.

    The message ends with where to find the list of entities: the command for the command line,
    ``web_message`` the address for the server's pages and answers."""

    def __init__(self, value: str, hint: str | None):
        self.value = value
        self.hint = hint
        found = f"unknown entity '{value}'" + (f"; {hint}" if hint else "")
        separator = " " if hint else "; "
        super().__init__(found + separator + "`caucasus-kg query entities` lists them")
        self.web_message = found + separator + "/queries/entities lists them"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str


@dataclass
class CannedQuery:
    name: str
    title: str
    description: str
    parameters: list[Parameter]
    text: str
    path: Path | None = None

    @property
    def described(self) -> str:
        """How messages name it: by name, by file, or as the SPARQL text given inline."""
        if self.path is not None and self.path.parent.name != "queries":
            return f"the query in {self.path}"
        if self.name == INLINE:
            return "the query given"
        return f"query '{self.name}'"


@dataclass
class QueryResult:
    """The answer to a query: columns and rows of RDF terms (None for unbound), or a boolean."""

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[object, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None


def parse_query_text(name: str, text: str, path: Path | None = None) -> CannedQuery:
    title, description_lines, params = name, [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        body = stripped.lstrip("#").strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        value = value.strip()
        if key == "title":
            title = value
        elif key == "description":
            description_lines.append(value)
        elif key == "param":
            params.append(_parse_param(name, value))
        elif description_lines and body and ":" not in body[:15]:
            description_lines.append(body)
    return CannedQuery(name, title, " ".join(description_lines), params, text, path)


def _parse_param(query: str, spec: str) -> Parameter:
    head, _, description = spec.partition("--")
    parts = head.split()
    if len(parts) < 2 or parts[1] not in PARAM_TYPES:
        raise QueryError(f"query '{query}': bad parameter line '{spec}'; write "
                         "'# param: name type [default] -- description' with type one of "
                         + ", ".join(PARAM_TYPES), usage=False)
    default = " ".join(parts[2:]) or None
    return Parameter(parts[0], parts[1], default, description.strip())


def catalogue(queries_dir: Path) -> dict[str, CannedQuery]:
    """Every canned query by name, sorted."""
    found = {}
    for path in sorted(queries_dir.glob("*.rq")):
        found[path.stem] = parse_query_text(path.stem, path.read_text(encoding="utf-8"), path)
    return found


def find_query(spec: str, queries_dir: Path) -> CannedQuery:
    """A query by catalogue name, by file path, or given inline as SPARQL text."""
    own = queries_dir / f"{spec}.rq"
    if re.fullmatch(r"\w[\w.-]*", spec) and own.is_file():  # a name: read its file alone
        return parse_query_text(spec, own.read_text(encoding="utf-8"), own)
    known = catalogue(queries_dir)
    if spec in known:
        return known[spec]
    path = Path(spec)
    if spec.endswith(".rq") or (len(spec) < 4096 and "\n" not in spec and path.is_file()):
        if not path.is_file():
            raise QueryError(f"no query file {spec}")
        return parse_query_text(path.stem, path.read_text(encoding="utf-8"), path)
    if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP)\b", spec,
                 re.IGNORECASE):  # SPARQL text: run_query says what is wrong with it
        return parse_query_text(INLINE, spec)
    hint = did_you_mean(spec, known)
    shown = spec if len(spec) <= 60 else spec[:57] + "..."
    if hint or re.fullmatch(r"[\w.-]+", spec):
        raise QueryError(f"unknown query '{shown}'" + (f"; {hint} " if hint else "; ")
                         + "`caucasus-kg queries` lists the catalogue")
    raise QueryError(f"'{shown}' is neither a question of the catalogue, a .rq file nor a SPARQL "
                     "query (SELECT, ASK, CONSTRUCT or DESCRIBE); `caucasus-kg queries` lists "
                     "the catalogue")


def bind_parameters(query: CannedQuery, given: dict[str, str],
                    store: ox.Store) -> dict[ox.Variable, object]:
    """Check and convert ``--param`` values into SPARQL substitutions."""
    declared = {p.name: p for p in query.parameters}
    for name in given:
        if name not in declared:
            names = ", ".join(declared) or "none"
            raise QueryError(f"{query.described} has no parameter '{name}' "
                             f"(its parameters: {names})")
    bindings: dict[ox.Variable, object] = {}
    for param in query.parameters:
        value = given.get(param.name, param.default)
        if value is None:
            raise QueryError(f"{query.described} needs --param {param.name}=... "
                             f"({param.description or param.type})")
        bindings[ox.Variable(param.name)] = _convert(param, value, store)
    return bindings


def _convert(param: Parameter, value: str, store: ox.Store) -> object:
    if param.type == "iri":
        if param.default == ANY and value.strip().lower() == ANY:
            return ox.Literal(ANY)  # an optional entity left out
        return resolve_entity(value, store)
    if param.type == "date":
        try:
            text, datatype = partial_date(value)
        except DateFormatError as exc:
            raise QueryError(f"--param {param.name}: {exc}") from exc
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise QueryError(f"--param {param.name}: '{value}' is not a whole number")
        return ox.Literal(value.strip(), datatype=ox.NamedNode(_XSD + "integer"))
    return ox.Literal(value)


def resolve_entity(value: str, store: ox.Store) -> ox.NamedNode:
    """An id, label, alias, QID or IRI to the entity's IRI, looked up in the store."""
    value = value.strip()
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local  # a CURIE as query output prints it, e.g. id:russia
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        try:
            return ox.NamedNode(value)
        except ValueError as exc:
            raise QueryError(f"'{value}' is not a valid IRI: {exc}") from exc
    if all(SLUG.match(part) for part in value.split("/")):
        candidate = ox.NamedNode(str(ID) + value)
        if any(True for _ in store.quads_for_pattern(candidate, None, None, None)):
            return candidate
    if re.fullmatch(r"Q[1-9][0-9]*", value):
        hits = _entities_where(store, "?e ckg:wikidata ?wd", {"wd": ox.NamedNode(str(WD) + value)})
    else:
        hits = _entities_where(
            store, "{ ?e rdfs:label ?l } UNION { ?e skos:altLabel ?l } "
            "FILTER(LCASE(STR(?l)) = LCASE(?name))", {"name": ox.Literal(value)})
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        listing = ", ".join(h.value[len(str(ID)):] for h in hits)
        raise QueryError(f"'{value}' is ambiguous: it could be {listing}; give the id")
    raise UnknownEntity(value, did_you_mean(value, _entity_names(store)))


def _entity_names(store: ox.Store) -> list[str]:
    """Every entity's label, alias and id, labels first (suggestions prefer a label)."""
    names: list[str] = []
    for pattern in ("?e rdfs:label ?name", "?e skos:altLabel ?name",
                    "?e a ?type BIND(STRAFTER(STR(?e), STR(id:)) AS ?name)"):
        query = (f"SELECT DISTINCT ?name WHERE {{ {pattern} "
                 f"FILTER(STRSTARTS(STR(?e), \"{ID}\")) }}")
        found = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
        names += sorted(row["name"].value for row in found)
    return names


def _entities_where(store: ox.Store, pattern: str, values: dict[str, object]) -> list:
    query = f"SELECT DISTINCT ?e WHERE {{ {pattern} FILTER(STRSTARTS(STR(?e), \"{ID}\")) }}"
    query = substitute(query, {k: str(v) for k, v in values.items()})
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    return sorted((s["e"] for s in solutions), key=lambda n: n.value)


def run_query(query: CannedQuery, store: ox.Store, params: dict[str, str] | None = None,
              allow_service: bool = False) -> QueryResult:
    """Run a canned or ad-hoc query over the union of all graphs (or over the graphs its own
    FROM / FROM NAMED name).

    ``store`` is a ``pyoxigraph.Store`` or anything with its ``query`` method, such as
    :class:`caucasus_kg.store.remote.RemoteStore`. The text must pass
    :func:`caucasus_kg.core.sparql_text.check_query`: no update, no ``SERVICE`` unless
    ``allow_service``.
    """
    bindings = bind_parameters(query, params or {}, store)
    try:
        text, shape = substitute_checked(query.text, {v.value: str(t) for v, t in bindings.items()},
                                         allow_service=allow_service)
    except QueryRefused as exc:
        raise QueryError(f"{query.described}: {exc.message}"
                         + (" Give --allow-service to let this query contact the servers it "
                            "names." if exc.reason == "service" else "")) from None
    options = {"use_default_graph_as_union": not shape.has_dataset}
    try:
        answer = store.query(text, prefixes=PREFIXES, **options)
        if isinstance(answer, ox.QueryBoolean | bool):  # bool: from a SPARQL server
            return QueryResult(boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions) or hasattr(answer, "variables"):
            columns = [v.value for v in answer.variables]
            rows = [tuple(solution[c] for c in columns) for solution in answer]
            return QueryResult(columns=columns, rows=rows)
        triples = sorted(answer, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    except SyntaxError as exc:
        raise QueryError(f"{query.described} is not valid SPARQL: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"{query.described} failed: {exc}", usage=False) from exc
    return QueryResult(triples=triples)
