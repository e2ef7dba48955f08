"""The document types of the vocabulary a drafted source may be given (``draft --kind``), apart
from the drafting code so that the command line offers them without importing it."""

from __future__ import annotations

KINDS = ("news article", "interview", "official statement", "government notice", "legislation",
         "report", "dataset")
