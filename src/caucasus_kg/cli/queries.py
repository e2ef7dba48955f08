"""``caucasus-kg queries``: the catalogue of canned questions and their parameters."""

from __future__ import annotations

from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, add_report_format

DESCRIPTION = "List the catalogue of canned questions with their parameters."


def configure(parser: CommandParser) -> None:
    add_report_format(parser, aliases={"table": "text"})


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    import json

    from caucasus_kg.cli.common import fail, out, project_of
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.read.queries import QueryError, catalogue

    project = project_of(invocation)
    try:
        known = catalogue(project.queries_dir)
    except QueryError as exc:
        fail(ExitCode.INVALID, str(exc))
    if args.fmt == "json":
        listed = [{"name": q.name, "title": q.title, "description": q.description,
                   "parameters": [p.__dict__ for p in q.parameters]} for q in known.values()]
        out(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    width = max((len(n) for n in known), default=4)
    for name, q in known.items():
        out(f"{name.ljust(width)}  {q.title}")
        for p in q.parameters:
            default = f" (default {p.default})" if p.default else " (required)"
            out(f"{''.ljust(width)}    --param {p.name}=<{p.type}>{default}  "
                f"{p.description}")
