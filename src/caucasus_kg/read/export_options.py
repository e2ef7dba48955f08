"""The names ``caucasus-kg export`` takes (formats, timeline lanes, Graphviz engines), apart from
:mod:`caucasus_kg.read.export` so that the command line can offer them without importing networkx."""

from __future__ import annotations

FORMATS = ("html", "graphml", "gexf", "dot", "svg", "json", "timeline")
GROUP_BY = ("actor", "treaty", "none")
"""How the timeline groups its events into lanes."""
GRAPHVIZ_ENGINES = ("dot", "neato", "fdp", "sfdp", "circo", "twopi")
EVIDENCE_KINDS = ("quote", "anchored-quote", "report", "record")
"""What ``--evidence`` takes: a quote of a stored text, a quote of a text kept elsewhere, a
report in the curator's words, a dataset record."""
