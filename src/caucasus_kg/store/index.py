"""What the store already holds, as the loader needs it when new files are added.

Adding a small file to a large graph must not re-read every file the graph was built from, so the
entities and source documents a new file refers to are looked up in the store, on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping

import pyoxigraph as ox
from rdflib import URIRef

from caucasus_kg.core.sparql_text import substitute
from caucasus_kg.model.namespaces import ID, PREFIXES, QID, SLUG, SOURCE, WD
from caucasus_kg.sources.factfile import SourceText
from caucasus_kg.sources.references import Declaration, EntityIndex
from caucasus_kg.sources.texts import TextFinder


def _query(store: ox.Store, text: str, **bindings: object) -> list[ox.QuerySolution]:
    text = substitute(text, {k: str(v) for k, v in bindings.items()})
    return list(store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True))


_STORED = """
    SELECT ?node ?type ?label ?alias ?wd ?file ?line WHERE {
      ?node a ?type .
      OPTIONAL { ?node rdfs:label ?label }
      OPTIONAL { ?node skos:altLabel ?alias }
      OPTIONAL { ?node ckg:wikidata ?wd }
      OPTIONAL { ?node ckg:sourceFile ?file . OPTIONAL { ?node ckg:sourceLine ?line } }
    }"""
_BATCH = 2000


def _with_nodes(slugs: list[str]) -> str:
    values = " ".join(f"<{ID}{slug}>" for slug in slugs)
    return _STORED.replace("{", "{ VALUES ?node { " + values + " }", 1)


class StoreIndex(EntityIndex):
    """An entity index backed by the store: entities of the new files plus those already stored."""

    def __init__(self, store: ox.Store, names: dict[str, list[str]] | None = None) -> None:
        """``names`` caches what a name (a label or QID, not an id) matched in the store, as
        IRIs: each label lookup reads every stored label (a tenth of a second at a million
        triples), so the indexes of several loads against the same store share it."""
        super().__init__()
        self.store = store
        self._names = {} if names is None else names
        self._all_names: list[str] | None = None
        self._absent: set[str] = set()

    def prefetch(self, slugs: Iterable[str]) -> None:
        """Look many slugs up in the store in a few queries (a large file declares thousands)."""
        wanted = sorted({s for s in slugs if SLUG.match(s) and s not in self.by_slug})
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start:start + _BATCH]
            rows = _query(self.store, _with_nodes(chunk))
            by_node: dict[str, list[ox.QuerySolution]] = {}
            for row in rows:
                by_node.setdefault(row["node"].value, []).append(row)
            for slug in chunk:
                found = by_node.get(str(ID) + slug)
                if found:
                    self._remember(self._declaration(slug, found))
                else:
                    self._absent.add(slug)

    def _stored(self, slug: str) -> Declaration | None:
        if not SLUG.match(slug) or slug in self._absent:
            return None
        rows = _query(self.store, _with_nodes([slug]))
        if not rows:
            return None
        return self._declaration(slug, rows)

    def _declaration(self, slug: str, rows: list[ox.QuerySolution]) -> Declaration:
        node = ox.NamedNode(str(ID) + slug)
        files = sorted({(r["file"].value, int(r["line"].value) if r["line"] else None)
                        for r in rows if r["file"] is not None},
                       key=lambda fl: (fl[0], fl[1] or 0))
        file, line = files[0] if files else ("store", None)
        decl = Declaration(slug=slug, iri=URIRef(node.value),
                           types={URIRef(r["type"].value) for r in rows},
                           file=file, line=line, mentions=list(files) or [(file, line)])
        decl.labels = sorted({r["label"].value for r in rows if r["label"] is not None})
        decl.aliases = sorted({r["alias"].value for r in rows if r["alias"] is not None})
        qids = sorted({r["wd"].value[len(str(WD)):] for r in rows if r["wd"] is not None})
        decl.wikidata = qids[0] if qids else None
        return decl

    def _remember(self, decl: Declaration) -> Declaration:
        if decl.slug not in self.by_slug:
            super().declare(decl)
        return self.by_slug[decl.slug]

    def declare(self, decl: Declaration) -> Declaration | None:
        if decl.slug not in self.by_slug:
            stored = self._stored(decl.slug)
            if stored is not None:
                self._remember(stored)
        return super().declare(decl)

    def resolve(self, name: str) -> Declaration:
        local = super().candidates(name)
        if len(local) == 1 and local[0].slug == name.strip():
            return local[0]
        stored = self._resolve_stored(name.strip())
        hits = {d.slug: d for d in local + stored}
        if len(hits) == 1:
            return self._remember(next(iter(hits.values())))
        if len(hits) > 1:
            return self._one(name, list(hits.values()), None)
        return super().resolve(name)  # raises, with suggestions from every known name

    def _resolve_stored(self, name: str) -> list[Declaration]:
        if name.startswith(str(ID)):
            name = name[len(str(ID)):]
        if SLUG.match(name):
            decl = self.by_slug.get(name) or self._stored(name)
            if decl is not None:
                return [decl]
        qid = name[len(str(WD)):] if name.startswith(str(WD)) else name
        key = qid if QID.match(qid) else name
        iris = self._names.get(key)
        if iris is None:
            if QID.match(qid):
                rows = _query(self.store, "SELECT DISTINCT ?e WHERE { ?e ckg:wikidata ?wd }",
                              wd=ox.NamedNode(str(WD) + qid))
            else:
                rows = _query(self.store, """
                    SELECT DISTINCT ?e WHERE { { ?e rdfs:label ?l } UNION { ?e skos:altLabel ?l }
                      FILTER(LCASE(STR(?l)) = LCASE(?name)) }""", name=ox.Literal(name))
            iris = self._names[key] = sorted(row["e"].value for row in rows)
        found = []
        for iri in iris:
            if iri.startswith(str(ID)) and "/" not in iri[len(str(ID)):]:
                decl = self.by_slug.get(iri[len(str(ID)):]) or self._stored(iri[len(str(ID)):])
                if decl is not None:
                    found.append(decl)
        return found

    def _display_names(self) -> Iterator[str]:
        if self._all_names is None:
            rows = _query(self.store, """
                SELECT DISTINCT ?l WHERE { ?e rdfs:label|skos:altLabel ?l
                  FILTER(STRSTARTS(STR(?e), STR(id:))
                         && !CONTAINS(STRAFTER(STR(?e), STR(id:)), "/")) }""")
            self._all_names = sorted(r["l"].value for r in rows)
        yield from self._all_names
        yield from super()._display_names()


class StoreSources(MutableMapping[str, SourceText]):
    """Source documents by id: those of the new files, then those in the store."""

    def __init__(self, store: ox.Store, texts: TextFinder | None = None) -> None:
        self.store = store
        self.texts = texts or TextFinder()
        self.local: dict[str, SourceText] = {}

    def __getitem__(self, slug: str) -> SourceText:
        if slug in self.local:
            return self.local[slug]
        if not SLUG.match(slug):
            raise KeyError(slug)
        node = ox.NamedNode(str(SOURCE) + slug)
        rows = _query(self.store, """SELECT ?text ?digest ?file WHERE { ?doc a ckg:SourceDocument .
            OPTIONAL { ?doc ckg:text ?text } OPTIONAL { ?doc ckg:textSha256 ?digest }
            OPTIONAL { ?doc ckg:sourceFile ?file } } LIMIT 1""", doc=node)
        if not rows:
            raise KeyError(slug)
        row = rows[0]
        if row["text"] is not None:
            file = row["file"].value if row["file"] is not None else slug
            return SourceText(slug, URIRef(node.value), row["text"].value, file)
        digest = row["digest"].value if row["digest"] is not None else None
        source = SourceText(slug, URIRef(node.value), None, None, stored=False, sha256=digest)
        found = self.texts.find(digest) if digest else None
        if found is not None:
            source.text, source.file = found[1], str(found[0])
        return source

    def __setitem__(self, slug: str, value: SourceText) -> None:
        self.local[slug] = value

    def __delitem__(self, slug: str) -> None:
        del self.local[slug]

    def __iter__(self) -> Iterator[str]:
        rows = _query(self.store, "SELECT ?doc WHERE { ?doc a ckg:SourceDocument }")
        stored = {r["doc"].value[len(str(SOURCE)):] for r in rows}
        return iter(sorted(stored | set(self.local)))

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __contains__(self, slug: object) -> bool:
        if not isinstance(slug, str):
            return False
        try:
            self[slug]
        except KeyError:
            return False
        return True
