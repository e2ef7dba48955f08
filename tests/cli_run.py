"""Running the command line inside the test process, as a user's shell would see it: the exit
code, and the bytes written to stdout and to stderr."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from caucasus_kg.cli import main


class CliResult(NamedTuple):
    """What one run of the command line left: its exit code and what it wrote."""

    exit_code: int
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")

    @property
    def output(self) -> str:
        """stdout then stderr, to show in an assertion's message."""
        return self.stdout + self.stderr


def invoke(args: Sequence[str | Path]) -> CliResult:
    """Run ``caucasus-kg ARGS`` in this process, stdin empty; an exception the command line
    does not turn into a message (with ``--debug``) is raised here."""
    out, err = io.BytesIO(), io.BytesIO()
    # kept in locals: a wrapper that is collected closes its buffer before it is read
    stdin = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stdout = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", newline="\n", write_through=True)
    streams = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    else:  # main always exits; this is only for a main that would return
        code = 0
    finally:
        stdout.flush()
        stderr.flush()
        sys.stdin, sys.stdout, sys.stderr = streams
    if code is None:
        code = 0
    elif not isinstance(code, int):
        err.write(f"{code}\n".encode())
        code = 1
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli(*args: str | Path) -> tuple[int, str, str]:
    """``caucasus-kg ARGS`` in this process: (exit code, stdout, stderr)."""
    result = invoke(args)
    return result.exit_code, result.stdout, result.stderr
