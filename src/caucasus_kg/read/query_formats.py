"""The names ``caucasus-kg query --format`` takes, apart from :mod:`caucasus_kg.read.results` so
that the command line can offer them (and refuse a wrong one) without importing pyoxigraph."""

from __future__ import annotations

TABLE = "table"
"""The aligned table for people."""

SPREADSHEET_CSV = "csv-safe"
"""CSV that is safe to open in a spreadsheet."""

QUERY_FORMATS = (TABLE, "json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml", "jsonld",
                 SPREADSHEET_CSV)
"""What ``caucasus-kg query --format`` takes: the table, the first name of every result format
of :mod:`caucasus_kg.read.results` (which a test holds to these), and the spreadsheet-safe CSV."""
