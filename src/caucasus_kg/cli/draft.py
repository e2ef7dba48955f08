"""``caucasus-kg draft``: propose the facts and claims of a new article as a fact file to review."""

from __future__ import annotations

import sys
from argparse import Namespace

from caucasus_kg.cli.arguments import CommandParser, Invocation, add_report_format, path_value
from caucasus_kg.draft.kinds import KINDS

DESCRIPTION = """\
Draft a fact file from ARTICLE (plain text, a saved HTML page or a PDF).

Proposes the article's facts (events, rankings) and claims (who says what, with what stance),
each quoting its exact sentence, with the graph's entities found by label, alias and QID.
Every entry is marked `review: needed` with the cue that produced it: `validate` and `add`
refuse the file until an analyst has checked each entry and removed the marker. Entries the
graph already holds are written as further evidence for them.

Exit codes: 0 drafted, 2 the article cannot be read (nothing is written)."""


def configure(parser: CommandParser) -> None:
    parser.add_argument("article", metavar="ARTICLE", type=path_value(folder=False),
                        help="The article: plain text, a saved HTML page or a PDF.")
    parser.add_argument("-o", "--output", type=path_value(folder=False), metavar="FILE",
                        help="The fact file to write (default: the article's name with .yaml, "
                        "here). Its source text goes to sources/ beside it.")
    parser.add_argument("--publisher",
                        help="Who published the article: an id, label, alias or QID of the "
                        "graph, or the name of a new media outlet. Default: the HTML page's "
                        "site.")
    parser.add_argument("--published", metavar="DATE",
                        help="Publication date (YYYY-MM-DD), which relative dates such as 'last "
                        "year' count from. Default: the date the HTML or PDF gives.")
    parser.add_argument("--url", help="The article's web address.")
    parser.add_argument("--title", help="The article's title. Default: the one the document "
                        "gives, or its first line.")
    parser.add_argument("--kind", choices=KINDS, metavar="KIND",
                        help=f"The kind of document: {', '.join(KINDS)} (quoted when it has a "
                        "space: --kind 'news article').")
    parser.add_argument("--page", type=path_value(folder=False), metavar="FILE",
                        help="Also write the review page: the article beside the drafted "
                        "entries, one HTML file that works offline.")
    parser.add_argument("--digest-only", action="store_true",
                        help="For a text that may not be stored in the graph: keep it in the "
                        "sources folder (--sources) and name it in the fact file by its "
                        "SHA-256.")
    parser.add_argument("--rules", type=path_value(exists=True, folder=False), metavar="FILE",
                        help="A cue file to use instead of the shipped rules.yaml.")
    parser.add_argument("--force", action="store_true",
                        help="Replace files that already exist.")
    add_report_format(parser)


def run(invocation: Invocation, args: Namespace) -> None:
    # lazy: what the command does, not needed for --help or a usage error
    from caucasus_kg.cli.common import fail, open_for_query, out, project_of, report
    from caucasus_kg.core.diagnostics import InputError
    from caucasus_kg.core.exit_codes import ExitCode
    from caucasus_kg.ops.draft import DraftRequest, draft_article, report_json

    project = project_of(invocation)
    store = open_for_query(invocation, project)
    request = DraftRequest(article=args.article, output=args.output, publisher=args.publisher,
                           published=args.published, url=args.url, title=args.title,
                           kind=args.kind, page=args.page, digest_only=args.digest_only,
                           rules=args.rules, force=args.force)
    try:
        result = draft_article(project, store, request)
    except InputError as exc:
        report(exc.diagnostics)
        fail(ExitCode.USAGE, "nothing was written")
    if args.fmt == "json":
        out(report_json(result))
        sys.exit(int(ExitCode.OK))
    counts = result.report["counts"]
    where = f" (text: {result.report['text']})" if result.report["text"] else \
        f" (text kept in {result.report['kept_text']})"
    out(f"drafted: {result.output}{where}")
    out(f"  {_count(counts['facts'], 'fact')}, {_count(counts['claims'], 'claim')}, "
        f"{_count(counts['new_entities'], 'new entity', 'new entities')}: every entry is "
        "marked 'review: needed'")
    if counts["already_in_graph"]:
        out(f"  {counts['already_in_graph']} already in the graph: written as further "
            "evidence for them")
    if result.report["new_names"]:
        names = ", ".join(n["name"] for n in result.report["new_names"])
        out(f"  names not in the graph: {names}")
    if result.page is not None:
        out(f"  review page: {result.page}")


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"
