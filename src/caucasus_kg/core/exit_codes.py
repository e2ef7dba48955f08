"""The command line's exit codes, apart from :mod:`caucasus_kg.core.diagnostics` so that reading
the arguments (``--help``, a usage error) can use them without loading the diagnostics'
dataclasses. ``core.diagnostics`` exports them too."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the command line, as the design brief documents them."""

    OK = 0
    INVALID = 1  # data invalid, question failed
    USAGE = 2  # usage error or unreadable input


__all__ = ["ExitCode"]
