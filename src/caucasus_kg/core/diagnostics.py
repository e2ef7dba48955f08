"""Diagnostics: located, actionable messages about bad input, shared by every stage.

A diagnostic names the file and line, the fact it concerns, what is wrong and how to fix it. Stages
collect diagnostics instead of stopping at the first one, so a user sees every problem in one run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the input."""

    file: str
    line: int | None
    fact: str | None
    message: str
    fix: str | None = None
    severity: str = "error"  # "error" or "warning"

    def render(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        head = f"{where}: {self.severity}"
        if self.fact:
            head += f" in '{self.fact}'"
        text = f"{head}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def errors_in(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The errors among ``diagnostics``, in their order."""
    return [d for d in diagnostics if d.severity == "error"]


def warnings_in(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Everything among ``diagnostics`` that is not an error, in their order."""
    return [d for d in diagnostics if d.severity != "error"]


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def error(self, file: str, line: int | None, fact: str | None, message: str,
              fix: str | None = None) -> None:
        self.add(Diagnostic(file, line, fact, message, fix, "error"))

    def warning(self, file: str, line: int | None, fact: str | None, message: str,
                fix: str | None = None) -> None:
        self.add(Diagnostic(file, line, fact, message, fix, "warning"))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_in(self.items)

    @property
    def warnings(self) -> list[Diagnostic]:
        return warnings_in(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class InputError(Exception):
    """Input that cannot be read at all (missing, not UTF-8, not YAML): exit code 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))


class DataError(Exception):
    """Input that was read but is invalid (unknown reference, bad date, quote not found): exit 1."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))
