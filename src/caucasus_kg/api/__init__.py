"""The Python API: a project's knowledge graph for notebooks and scripts (docs/python.md).

    import caucasus_kg
    kg = caucasus_kg.open()                      # the project containing the current directory
    kg.query("treaty-status-as-of", date="2023-12-01").to_pandas()
    kg.explain("russia-withdraws-from-cfe-2023").to_dict()

The command line is a client of the same functions (:mod:`caucasus_kg.api.jobs`), so an answer,
a report and every error message are what the corresponding command prints.
"""

from __future__ import annotations

from typing import Any

from caucasus_kg.api.answers import Table, Triples
from caucasus_kg.api.graph import KnowledgeGraph, StaleStoreWarning, open
from caucasus_kg.api.jobs import ValidationReport
from caucasus_kg.api.values import python_value
from caucasus_kg.core.diagnostics import DataError, Diagnostic, InputError
from caucasus_kg.read.explain import Explanation
from caucasus_kg.read.queries import CannedQuery, QueryError, UnknownEntity
from caucasus_kg.store.backend import RemoteStoreError, StoreError

__all__ = [
    "CannedQuery", "DataError", "Diagnostic", "Explanation", "InputError", "KnowledgeGraph",
    "NetworkError", "QueryError", "RemoteStoreError", "StaleStoreWarning", "StoreError", "Table",
    "Triples", "UnknownEntity", "ValidationReport", "open", "python_value",
]


def __getattr__(name: str) -> Any:
    """``NetworkError`` comes with networkx, which only :meth:`KnowledgeGraph.network` needs."""
    if name == "NetworkError":
        from caucasus_kg.read.network import NetworkError  # lazy: networkx

        return NetworkError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
