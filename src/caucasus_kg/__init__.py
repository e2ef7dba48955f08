"""caucasus-kg: a knowledge graph of security in the South Caucasus, built on W3C standards."""

__version__ = "0.1.0"
