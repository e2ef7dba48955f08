"""The fact-file loader: located, actionable errors for bad input, and nothing written on failure."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import TODAY, tree_digest
from rdflib import Literal
from rdflib.namespace import XSD

from caucasus_kg.core.diagnostics import InputError
from caucasus_kg.core.project import Project
from caucasus_kg.model.namespaces import CKG, ID, OA
from caucasus_kg.ops.build import check

SOURCE_TEXT = "On 1 March 2024, Armenia signed the treaty. Baku said it was a “provocation”.\n"

HEADER = """\
source:
  id: test-source
  title: A test article
  text: sources/test-source.txt
  publisher: armenpress
events:
  - id: armenia-signs-cfe-2024
    type: Signature
"""

GOOD = HEADER + """\
    label: Armenia signs the CFE Treaty
    actor: armenia
    treaty: cfe-treaty
    date: 2024-03-01
    evidence:
      - quote: On 1 March 2024, Armenia signed the treaty.
        attributed_to: armenpress
"""


def write(project: Project, body: str, name: str = "new-facts.yaml") -> Path:
    (project.graphs_dir / "sources" / "test-source.txt").write_text(SOURCE_TEXT, "utf-8")
    path = project.graphs_dir / name
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


def errors_of(project: Project) -> list[str]:
    result = check(project, today=TODAY)
    return [d.render() for d in result.errors]


def test_good_file_loads_with_its_evidence(tmp_project: Project) -> None:
    write(tmp_project, GOOD)
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "new-facts.yaml")
    fact = ID["armenia-signs-cfe-2024"]
    assert (fact, CKG.actor, ID["armenia"]) in graph
    assert str(graph.value(fact, CKG.date)) == "2024-03-01"
    evidence = graph.value(fact, CKG.hasEvidence)
    assert evidence == ID["armenia-signs-cfe-2024/evidence/1"]


@pytest.mark.parametrize(
    ("replace", "by", "line", "expected"),
    [
        ("actor: armenia", "actor: Azerbaijn", 10,
         ["unknown entity 'Azerbaijn'", "did you mean 'Azerbaijan'?"]),
        ("date: 2024-03-01", "date: 2023-02-30", 12,
         ["'2023-02-30' is not a date: February 2023 has 28 days"]),
        ("date: 2024-03-01", "date: 2024-13-01", 12, ["has month 13"]),
        ("date: 2024-03-01", "date: yesterday", 12, ["'yesterday' is not a date"]),
        ("treaty: cfe-treaty", "treaty: russia", 11,
         ["'treaty' expects a treaty, but 'russia' is a state"]),
        ("type: Signature", "type: Signatur", 8,
         ["unknown type 'Signatur'", "did you mean 'Signature'?"]),
        ("type: Signature", "type: State", 8, ["type 'State' does not belong under 'events'"]),
        ("    date: 2024-03-01\n", "    date: 2024-03-01\n    efective_date: 2024-03-02\n", 13,
         ["unknown key 'efective_date'", "did you mean 'effective_date'?"]),
        ("id: armenia-signs-cfe-2024", "id: Armenia Signs", 7,
         ["'Armenia Signs' is not a valid id", "use 'armenia-signs'"]),
        ("id: armenia-signs-cfe-2024", "id: russia", 7,
         ["'russia' is typed two incompatible ways: a state at "
          "armenpress-azerbaijan-arms-imports.yaml:37 and a signature here"]),
        ("quote: On 1 March 2024, Armenia signed the treaty.",
         "quote: On 1 March 2024, Armenia ratified the treaty.", 14,
         ["the quote is not found in the source text sources/test-source.txt",
          "the closest passage is: \"On 1 March 2024, Armenia signed the treaty.\""]),
        ("attributed_to: armenpress", "attributed_to: nobody-here", 15,
         ["attributed_to: unknown entity 'nobody-here'"]),
        ("    evidence:\n      - quote: On 1 March 2024, Armenia signed the treaty.\n"
         "        attributed_to: armenpress\n", "", 7, ["the fact has no evidence"]),
        ("text: sources/test-source.txt", "text: sources/missing.txt", 4,
         ["the source text 'sources/missing.txt' does not exist"]),
        ("publisher: armenpress", "publisher: cfe-treaty", 5,
         ["'publisher' expects an actor, but 'cfe-treaty' is a treaty"]),
    ],
    ids=["unknown-actor", "impossible-date", "month-13", "not-a-date", "wrong-class",
         "unknown-type", "type-in-wrong-section", "unknown-key", "bad-id", "duplicate-id",
         "quote-not-found", "unknown-attribution", "no-evidence", "missing-source-text",
         "publisher-not-an-actor"],
)
def test_bad_fact_is_reported_with_file_line_and_fix(
        tmp_project: Project, replace: str, by: str, line: int, expected: list[str]) -> None:
    assert replace in GOOD
    write(tmp_project, GOOD.replace(replace, by))
    result = check(tmp_project, today=TODAY)
    matching = [d for d in result.errors if all(e in d.render() for e in expected)]
    assert matching, "\n".join(d.render() for d in result.errors)
    assert matching[0].file == "new-facts.yaml"
    assert matching[0].line == line


def test_ambiguous_name_lists_the_candidates(tmp_project: Project) -> None:
    # "Senate" is only the US Senate's alias; declare a second body with the same alias.
    body = GOOD + textwrap.dedent("""\
        actors:
          - id: armenian-parliament
            type: LegislativeBody
            label: National Assembly of Armenia
            aliases: [Senate]
        """)
    write(tmp_project, body.replace("publisher: armenpress", "publisher: Senate"))
    errors = errors_of(tmp_project)
    assert any("'Senate' is ambiguous: it could be 'armenian-parliament'" in e
               and "'us-senate'" in e for e in errors), errors


def test_curly_quote_mismatch_explains_the_difference(tmp_project: Project) -> None:
    body = GOOD.replace("        attributed_to: armenpress\n",
                        "        attributed_to: armenpress\n"
                        "      - quote: Baku said it was a \"provocation\".\n"
                        "        attributed_to: azerbaijan\n", 1)
    write(tmp_project, body)
    errors = errors_of(tmp_project)
    assert any("differs from the source only in quotation marks" in e for e in errors), errors


def test_future_date_is_a_warning_not_an_error(tmp_project: Project) -> None:
    write(tmp_project, GOOD.replace("date: 2024-03-01", "date: 2031-03-01"))
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    assert [(w.line, w.message) for w in result.warnings] == \
        [(12, "the date 2031-03-01 is in the future")]


def test_negative_and_absurd_amounts_are_rejected(tmp_project: Project) -> None:
    deals = ""
    for slug, amount in (("deal-negative", "-5"), ("deal-absurd", "5e20")):
        deals += (f"  - id: {slug}\n    type: ArmsProcurement\n    label: A deal\n"
                  f"    recipient: armenia\n"
                  f"    value: {{amount: {amount}, currency: USD, bound: exactly}}\n"
                  f"    evidence:\n      - quote: Armenia signed the treaty.\n"
                  f"        attributed_to: armenpress\n")
    body = GOOD + deals
    write(tmp_project, body)
    errors = errors_of(tmp_project)
    assert any("deal-negative" in e and "amount -5 is negative" in e for e in errors), errors
    assert any("deal-absurd" in e and "absurdly large" in e for e in errors), errors


RANKED = GOOD + """\
indicators:
  - id: armenia-ranking-2024
    type: Ranking
    label: Armenia ranked third
    ranked_entity: armenia
    rank: 3
    year: 2024
    ranking_population: treaty signatories
    ranked_by: armenpress
    evidence:
      - quote: Armenia signed the treaty.
        attributed_to: armenpress
"""


def test_whole_numbers_are_written_as_xsd_integer(tmp_project: Project) -> None:
    """A rank (ckg:positiveInteger), a source line and a quote's offsets are xsd:integer
    literals, the type the store keeps; no narrower integer type is written."""
    write(tmp_project, RANKED)
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "new-facts.yaml")
    ranking = ID["armenia-ranking-2024"]
    assert graph.value(ranking, CKG.rank) == Literal("3", datatype=XSD.integer)
    assert graph.value(ranking, CKG.sourceLine) == Literal("17", datatype=XSD.integer)
    position = ID["armenia-ranking-2024/evidence/1/position"]
    quote = "Armenia signed the treaty."
    start = SOURCE_TEXT.index(quote)
    assert graph.value(position, OA.start) == Literal(str(start), datatype=XSD.integer)
    assert graph.value(position, OA.end) == Literal(str(start + len(quote)), datatype=XSD.integer)
    integers = {o.datatype for o in graph.objects() if isinstance(o, Literal)
                and o.datatype is not None and o.datatype.startswith(str(XSD))
                and "nteger" in o.datatype}
    assert integers == {XSD.integer}


PROCURED = GOOD + """\
  - id: armenia-buys-arms-2024
    type: ArmsProcurement
    label: Armenia buys arms
    recipient: armenia
    quantity: 24
    evidence:
      - quote: Armenia signed the treaty.
        attributed_to: armenpress
"""


@pytest.mark.parametrize(("body", "line", "fact", "message", "fix"), [
    (RANKED.replace("rank: 3", "rank: 0"), 21, "armenia-ranking-2024",
     "'rank' must be at least 1, found 0", "write a whole number of 1 or more, e.g. rank: 16"),
    (RANKED.replace("rank: 3", "rank: -3"), 21, "armenia-ranking-2024",
     "'rank' must be at least 1, found -3", "write a whole number of 1 or more, e.g. rank: 16"),
    (PROCURED.replace("quantity: 24", "quantity: -1"), 20, "armenia-buys-arms-2024",
     "'quantity' must be at least 0, found -1",
     "write a whole number of 0 or more, e.g. quantity: 15"),
], ids=["rank-0", "rank-minus-3", "quantity-minus-1"])
def test_a_number_below_its_range_is_refused_with_its_line_and_a_fix(
        tmp_project: Project, body: str, line: int, fact: str, message: str, fix: str) -> None:
    write(tmp_project, body)
    result = check(tmp_project, today=TODAY)
    assert [(e.file, e.line, e.fact, e.message, e.fix) for e in result.errors] == \
        [("new-facts.yaml", line, fact, message, fix)]


def test_a_count_of_zero_is_accepted(tmp_project: Project) -> None:
    write(tmp_project, PROCURED.replace("quantity: 24", "quantity: 0"))
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "new-facts.yaml")
    assert str(graph.value(ID["armenia-buys-arms-2024"], CKG.quantity)) == "0"


def test_literal_with_quotes_and_newlines_round_trips(tmp_project: Project) -> None:
    body = GOOD.replace("    label: Armenia signs the CFE Treaty\n",
                        "    label: Armenia signs the CFE Treaty\n"
                        "    note: |\n      He said \"yes\" and 'no';\n      then left.\n")
    write(tmp_project, body)
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "new-facts.yaml")
    from rdflib.namespace import RDFS

    assert str(graph.value(ID["armenia-signs-cfe-2024"], RDFS.comment)) == \
        "He said \"yes\" and 'no';\nthen left.\n"


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"events:\n  - id: x\n   type: State\n", "not valid YAML", 3),
        (b"\xff\xfe\x00\x01garbage", "binary", None),
        ("source:\n  title: caf\u00e9\n".encode("latin-1"), "not UTF-8", 2),
        (b"events:\n  - id: a\n    id: b\n", "the key 'id' appears twice", 3),
    ],
    ids=["yaml-syntax", "binary", "latin-1", "duplicate-key"],
)
def test_unreadable_files_raise_input_errors(tmp_project: Project, content: bytes,
                                             message: str, line: int | None) -> None:
    (tmp_project.graphs_dir / "broken.yaml").write_bytes(content)
    with pytest.raises(InputError) as info:
        check(tmp_project, today=TODAY)
    [diagnostic] = info.value.diagnostics
    assert diagnostic.file == "broken.yaml"
    assert message in diagnostic.message
    assert diagnostic.line == line


def test_norway_stays_a_string_and_dates_stay_strings(tmp_project: Project) -> None:
    body = GOOD.replace("    label: Armenia signs the CFE Treaty\n",
                        "    label: Armenia signs the CFE Treaty\n    aliases: [NO, yes]\n")
    write(tmp_project, body)
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    decl = result.dataset.index.by_slug["armenia-signs-cfe-2024"]
    assert decl.aliases == ["NO", "yes"]


@pytest.mark.parametrize("broken", ["unknown-actor", "quote", "yaml"])
def test_failed_build_leaves_store_and_graphs_unchanged(tmp_project: Project, cli,
                                                        broken: str) -> None:
    code, _, _ = cli("--project", tmp_project.root, "--store", tmp_project.store_path, "build")
    assert code == 0
    write(tmp_project, GOOD)
    code, _, _ = cli("--project", tmp_project.root, "--store", tmp_project.store_path, "build")
    assert code == 0
    before = tree_digest(tmp_project.store_path.parent, tmp_project.graphs_dir)
    path = tmp_project.graphs_dir / "new-facts.yaml"
    text = path.read_text("utf-8")
    if broken == "unknown-actor":
        text = text.replace("actor: armenia", "actor: Armenya")
    elif broken == "quote":
        text = text.replace("Armenia signed the treaty.", "Armenia signed the treaty today.")
    else:
        text = text.replace("    type: Signature", "   type: Signature")
    path.write_text(text, "utf-8")
    before = tree_digest(tmp_project.store_path.parent)
    code, out, err = cli("--project", tmp_project.root, "--store", tmp_project.store_path,
                         "build")
    assert code == (2 if broken == "yaml" else 1)
    assert "new-facts.yaml:" in err
    assert "the store was not changed" in err
    assert tree_digest(tmp_project.store_path.parent) == before


ADDITION = HEADER + """\
    evidence:
      - quote: Armenia signed the treaty.
        attributed_to: armenia
"""


def test_a_second_file_adds_evidence_to_an_existing_entity(tmp_project: Project) -> None:
    write(tmp_project, GOOD)
    (tmp_project.graphs_dir / "second.yaml").write_text(
        ADDITION.replace("id: test-source", "id: test-source-2"), "utf-8")
    result = check(tmp_project, today=TODAY)
    assert [d.render() for d in result.errors] == []
    union = result.dataset.data_union()
    evidence = sorted(str(e) for e in union.objects(ID["armenia-signs-cfe-2024"],
                                                     CKG.hasEvidence))
    assert evidence == [str(ID["armenia-signs-cfe-2024/evidence/1"]),
                        str(ID["armenia-signs-cfe-2024/evidence/second/1"])]
    from rdflib.namespace import RDFS

    assert len(list(union.objects(ID["armenia-signs-cfe-2024"], RDFS.label))) == 1


def test_a_second_label_for_an_existing_entity_is_refused(tmp_project: Project) -> None:
    write(tmp_project, GOOD)
    (tmp_project.graphs_dir / "second.yaml").write_text(
        ADDITION.replace("id: test-source", "id: test-source-2")
        .replace("    type: Signature\n", "    type: Signature\n    label: Another name\n"),
        "utf-8")
    errors = errors_of(tmp_project)
    assert any("second.yaml:7: error in 'armenia-signs-cfe-2024': the id "
               "'armenia-signs-cfe-2024' is already declared at new-facts.yaml:7" in e
               and "leave out 'label'" in e for e in errors), errors


def test_an_entity_without_any_label_is_refused(tmp_project: Project) -> None:
    write(tmp_project, GOOD.replace("    label: Armenia signs the CFE Treaty\n", ""))
    errors = errors_of(tmp_project)
    assert any("new-facts.yaml:7: error in 'armenia-signs-cfe-2024': the entry has no 'label'"
               in e for e in errors), errors


def test_month_lengths_are_the_gregorian_calendars() -> None:
    """Dates are checked without the calendar module (which the command line need not load):
    every month of four centuries, leap years and century rules included, has calendar's days,
    and the month named in a message is English whatever the locale."""
    import calendar

    from caucasus_kg.model.dates import MONTHS, DateFormatError, days_in_month, partial_date

    for year in range(1, 2401):
        for month in range(1, 13):
            assert days_in_month(year, month) == calendar.monthrange(year, month)[1]
    assert MONTHS == ("January", "February", "March", "April", "May", "June", "July",
                      "August", "September", "October", "November", "December")
    with pytest.raises(DateFormatError, match="February 1900 has 28 days"):
        partial_date("1900-02-29")
    assert partial_date("2000-02-29") == ("2000-02-29", partial_date("2000-01-01")[1])
