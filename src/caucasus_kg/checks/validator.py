"""The SHACL engine a command uses, chosen once and passed down.

Two engines give the same results: the shapes compiled to SPARQL and run in Oxigraph (the
default, :mod:`caucasus_kg.checks.shacl_sparql`) and pySHACL, the reference
(:mod:`caucasus_kg.checks.shacl_reference`). The command line chooses (``validate --reference``,
``--validator pyshacl``); nothing in the library reads the environment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from rdflib import Graph, URIRef

from caucasus_kg.checks.shacl_reference import run_shacl, to_diagnostics
from caucasus_kg.checks.shacl_results import ShaclResult
from caucasus_kg.checks.shacl_sparql import NON_DATA_GRAPHS, store_diagnostics, validate_store
from caucasus_kg.core.diagnostics import Diagnostic
from caucasus_kg.model.terms import to_rdflib
from caucasus_kg.sources.dataset import Dataset


class Validator(ABC):
    """Validates the data graphs of a dataset's working store against the shapes."""

    name: str

    @abstractmethod
    def validate(self, dataset: Dataset, shapes: Graph, focus: Iterable[str] | None = None
                 ) -> tuple[list[ShaclResult], list[Diagnostic]]:
        """The results (only those on ``focus`` nodes, if given) and their located diagnostics.

        The working store holds the data graphs being checked and, when files are added, the
        stored neighbourhood they touch; the ontology gives the class hierarchy."""


class SparqlValidator(Validator):
    name = "sparql"

    def validate(self, dataset: Dataset, shapes: Graph, focus: Iterable[str] | None = None
                 ) -> tuple[list[ShaclResult], list[Diagnostic]]:
        dataset.add_ontology_to_store()
        store = dataset.store
        results = validate_store(store, shapes, dataset.ontology.graph,
                                 None if focus is None else list(focus))
        return results, store_diagnostics(results, store)


class ReferenceValidator(Validator):
    name = "pyshacl"

    def validate(self, dataset: Dataset, shapes: Graph, focus: Iterable[str] | None = None
                 ) -> tuple[list[ShaclResult], list[Diagnostic]]:
        if focus is None:  # the graphs as loaded: the store keeps xsd:integer for its subtypes
            data = dataset.data_union()
        else:
            data = to_rdflib(dataset.store, exclude=set(NON_DATA_GRAPHS))
        results = run_shacl(data, shapes, dataset.ontology.graph,
                            None if focus is None else [URIRef(f) for f in focus])
        return results, to_diagnostics(results, data)


VALIDATORS: dict[str, Validator] = {v.name: v for v in (SparqlValidator(), ReferenceValidator())}
DEFAULT_VALIDATOR = VALIDATORS["sparql"]
