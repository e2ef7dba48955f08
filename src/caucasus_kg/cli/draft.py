"""``caucasus-kg draft``: propose the facts and claims of a new article as a fact file to review."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from caucasus_kg.cli.common import fail, open_for_query, project_of, report, report_format_option
from caucasus_kg.core.diagnostics import ExitCode, InputError
from caucasus_kg.draft.kinds import KINDS


@click.command("draft")
@click.argument("article", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The fact file to write (default: the article's name with .yaml, here). "
              "Its source text goes to sources/ beside it.")
@click.option("--publisher", help="Who published the article: an id, label, alias or QID of "
              "the graph, or the name of a new media outlet. Default: the HTML page's site.")
@click.option("--published", help="Publication date (YYYY-MM-DD), which relative dates such as "
              "'last year' count from. Default: the date the HTML or PDF gives.")
@click.option("--url", help="The article's web address.")
@click.option("--title", help="The article's title. Default: the one the document gives, or "
              "its first line.")
@click.option("--kind", type=click.Choice(KINDS), help="The kind of document.")
@click.option("--page", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the review page: the article beside the drafted entries, one "
              "HTML file that works offline.")
@click.option("--digest-only", is_flag=True,
              help="For a text that may not be stored in the graph: keep it in the sources "
              "folder (--sources) and name it in the fact file by its SHA-256.")
@click.option("--rules", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A cue file to use instead of the shipped rules.yaml.")
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@report_format_option()
@click.pass_context
def command(ctx: click.Context, article: Path, output: Path | None, publisher: str | None,
            published: str | None, url: str | None, title: str | None, kind: str | None,
            page: Path | None, digest_only: bool, rules: Path | None, force: bool,
            fmt: str) -> None:
    """Draft a fact file from ARTICLE (plain text, a saved HTML page or a PDF).

    Proposes the article's facts (events, rankings) and claims (who says what, with what
    stance), each quoting its exact sentence, with the graph's entities found by label, alias
    and QID. Every entry is marked `review: needed` with the cue that produced it: `validate`
    and `add` refuse the file until an analyst has checked each entry and removed the marker.
    Entries the graph already holds are written as further evidence for them.

    Exit codes: 0 drafted, 2 the article cannot be read (nothing is written).
    """
    from caucasus_kg.ops.draft import DraftRequest, draft_article, report_json  # lazy: the command's work

    project = project_of(ctx)
    store = open_for_query(ctx, project)
    request = DraftRequest(article=article, output=output, publisher=publisher,
                           published=published, url=url, title=title, kind=kind, page=page,
                           digest_only=digest_only, rules=rules, force=force)
    try:
        result = draft_article(project, store, request)
    except InputError as exc:
        report(exc.diagnostics)
        fail(ExitCode.USAGE, "nothing was written")
    if fmt == "json":
        click.echo(report_json(result))
        sys.exit(int(ExitCode.OK))
    counts = result.report["counts"]
    where = f" (text: {result.report['text']})" if result.report["text"] else \
        f" (text kept in {result.report['kept_text']})"
    click.echo(f"drafted: {result.output}{where}")
    click.echo(f"  {_count(counts['facts'], 'fact')}, {_count(counts['claims'], 'claim')}, "
               f"{_count(counts['new_entities'], 'new entity', 'new entities')}: every entry is "
               "marked 'review: needed'")
    if counts["already_in_graph"]:
        click.echo(f"  {counts['already_in_graph']} already in the graph: written as further "
                   "evidence for them")
    if result.report["new_names"]:
        names = ", ".join(n["name"] for n in result.report["new_names"])
        click.echo(f"  names not in the graph: {names}")
    if result.page is not None:
        click.echo(f"  review page: {result.page}")


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"
