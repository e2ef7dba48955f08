"""The command line end to end: build, query, queries, validate, explain, exit codes, formats."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest


@pytest.fixture(scope="module")
def built(tmp_path_factory, project):
    """A store built once by the real `build` command for the read-only tests here."""
    from cli_run import invoke

    store = tmp_path_factory.mktemp("cli") / "store"
    result = invoke(["--project", str(project.root), "--store", str(store), "build"])
    assert result.exit_code == 0, result.stderr
    return ["--project", str(project.root), "--store", str(store)]


def test_build_reports_what_it_stored(built, cli) -> None:
    code, out, err = cli(*built, "build")
    assert code == 0
    assert out == ""
    # the founding article, the three curated CFE and membership files, ontology, vocabularies
    assert "built: " in err and " triples in 6 graphs" in err


LAW = "Russian federal law on the denunciation of the CFE Treaty (2023)"
SUSPENDED = "suspension of participation"


def test_who_suspended_cfe_table(built, cli) -> None:
    code, out, err = cli(*built, "query", "who-suspended-cfe")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["actor", "action", "announced", "effective", "via",
                                "authorised_by", "in_response_to", "fact"]
    body = [" ".join(line.split()) for line in lines[2:]]
    allies = "NATO allies of the United States"
    assert body == [
        f"Russia {SUSPENDED} 2007-07-14 2007-12-12 id:russia-suspends-cfe-operation-2007",
        f"Russia denunciation 2023-05-29 2023-11-07 {LAW} id:russia-denounces-cfe-2023",
        f"Russia withdrawal 2023-11-07 {LAW} id:russia-withdraws-from-cfe-2023",
        f"{allies} {SUSPENDED} 2023-11-07 2023-12-07 Russia withdrawal "
        "id:nato-allies-suspend-cfe-2023",
        f"United States {SUSPENDED} 2023-11-07 2023-12-07 Russia withdrawal "
        "id:united-states-suspends-cfe-2023",
        f"Czechia {SUSPENDED} 2023-11-07 2023-12-07 {allies} Russia withdrawal "
        "id:nato-allies-suspend-cfe-2023",
        f"Slovakia {SUSPENDED} 2023-11-07 2023-12-07 {allies} Russia withdrawal "
        "id:nato-allies-suspend-cfe-2023",
        f"Canada {SUSPENDED} 2023-11-07 2024-02-07 Russia withdrawal "
        "id:canada-suspends-cfe-2024",
        "(8 rows)",
    ]


def test_who_suspended_cfe_csv_tsv_json(built, cli) -> None:
    """csv, tsv and json are the SPARQL 1.1 result formats: full IRIs, typed terms in TSV."""
    _, out, _ = cli(*built, "query", "who-suspended-cfe", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["actor"], r["action"], r["announced"], r["effective"], r["fact"])
            for r in rows][2] == (
        "Russia", "withdrawal", "", "2023-11-07",
        "https://w3id.org/caucasus-kg/id/russia-withdraws-from-cfe-2023")
    assert [(r["actor"], r["action"], r["announced"], r["effective"]) for r in rows][:5] == [
        ("Russia", SUSPENDED, "2007-07-14", "2007-12-12"),
        ("Russia", "denunciation", "2023-05-29", "2023-11-07"),
        ("Russia", "withdrawal", "", "2023-11-07"),
        ("NATO allies of the United States", SUSPENDED, "2023-11-07", "2023-12-07"),
        ("United States", SUSPENDED, "2023-11-07", "2023-12-07"),
    ]
    # CRLF, as RFC 4180 and the SPARQL 1.1 CSV format write it
    assert out.startswith("actor,action,announced,effective,via,authorised_by,in_response_to,"
                          "fact\r\n")
    _, out, _ = cli(*built, "query", "who-suspended-cfe", "-f", "tsv")
    assert out.split("\n")[0] == ("?actor\t?action\t?announced\t?effective\t?via\t"
                                  "?authorised_by\t?in_response_to\t?fact")
    date = "^^<http://www.w3.org/2001/XMLSchema#date>"
    assert out.split("\n")[3].split("\t") == [
        '"Russia"@en', '"withdrawal"@en', "", f'"2023-11-07"{date}', '""', f'"{LAW}"', '""',
        "<https://w3id.org/caucasus-kg/id/russia-withdraws-from-cfe-2023>"]
    _, out, _ = cli(*built, "query", "who-suspended-cfe", "-f", "json")
    data = json.loads(out)
    assert data["head"]["vars"] == ["actor", "action", "announced", "effective", "via",
                                    "authorised_by", "in_response_to", "fact"]
    # an action announced before it took effect has both dates; one that was not, no
    # announced date at all
    xsd_date = "http://www.w3.org/2001/XMLSchema#date"
    assert data["results"]["bindings"][1] == {
        "actor": {"type": "literal", "value": "Russia", "xml:lang": "en"},
        "action": {"type": "literal", "value": "denunciation", "xml:lang": "en"},
        "announced": {"type": "literal", "value": "2023-05-29", "datatype": xsd_date},
        "effective": {"type": "literal", "value": "2023-11-07", "datatype": xsd_date},
        "via": {"type": "literal", "value": ""},
        "authorised_by": {"type": "literal", "value": LAW},
        "in_response_to": {"type": "literal", "value": ""},
        "fact": {"type": "uri",
                 "value": "https://w3id.org/caucasus-kg/id/russia-denounces-cfe-2023"}}
    assert "announced" not in data["results"]["bindings"][2]


def test_output_is_deterministic(built, cli) -> None:
    first = cli(*built, "query", "who-suspended-cfe", "-f", "json")
    second = cli(*built, "query", "who-suspended-cfe", "-f", "json")
    assert first == second


def test_inline_query_and_parameters(built, cli) -> None:
    code, out, _ = cli(*built, "query",
                       "SELECT ?label WHERE { ?s a ckg:Alliance ; rdfs:label ?label } "
                       "ORDER BY ?label", "-f", "csv")
    assert code == 0
    assert out == "label\r\nCollective Security Treaty Organization\r\nNATO\r\n"
    code, out, _ = cli(*built, "query", "who-suspended-cfe", "--param", "treaty=CFE Treaty",
                       "-f", "csv")
    assert code == 0 and len(out.splitlines()) == 9  # the header and 8 rows


def test_query_errors_exit_2(built, cli) -> None:
    code, out, err = cli(*built, "query", "who-suspendd-cfe")
    assert code == 2
    assert out == ""
    assert "unknown query 'who-suspendd-cfe'; did you mean 'who-suspended-cfe'?" in err
    code, _, err = cli(*built, "query", "who-suspended-cfe", "--param", "colour=red")
    assert code == 2 and "has no parameter 'colour'" in err
    code, _, err = cli(*built, "query", "who-suspended-cfe", "--param", "treaty=Narnia")
    assert code == 2 and "unknown entity 'Narnia'" in err
    code, _, err = cli(*built, "query", "SELECT ?x WHERE { ?x ?y }")
    assert code == 2 and "error: the query given is not valid SPARQL: error at 1:" in err
    code, _, err = cli(*built, "query", "SELEC ?x")
    assert code == 2 and "'SELEC ?x' is neither a question of the catalogue" in err


def test_update_is_refused(built, cli) -> None:
    code, out, err = cli(*built, "query", "DELETE WHERE { ?s ?p ?o }")
    assert code == 2
    assert "SPARQL Update is not allowed" in err
    code, out, _ = cli(*built, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "-f",
                       "csv")
    assert int(out.splitlines()[1]) > 2000


def test_queries_lists_the_catalogue(built, cli) -> None:
    code, out, _ = cli(*built, "queries")
    assert code == 0
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("who-suspended-cfe "))
    assert lines[first].split(None, 1)[1].startswith("Who suspended participation in")
    assert lines[first + 1].split() == ["--param", "treaty=<iri>", "(default", "cfe-treaty)",
                                        "the", "treaty", "to", "ask", "about", "(id,", "label",
                                        "or", "alias)"]
    code, out, _ = cli(*built, "queries", "-f", "json")
    names = [q["name"] for q in json.loads(out)]
    assert "who-suspended-cfe" in names and names == sorted(names)


def test_reports_share_one_format_option(built, cli) -> None:
    """text|json (-f or --format) on every command that prints a report; `queries` still takes
    its older `table` for text without listing it."""
    text = cli(*built, "queries")
    assert cli(*built, "queries", "-f", "text") == text == cli(*built, "queries", "-f", "table")
    for command in ("queries", "validate", "add", "explain"):
        code, out, _ = cli(command, "--help")
        words = " ".join(out.split())  # the help is wrapped to the terminal's width
        assert code == 0 and "-f FORMAT, --format FORMAT" in words, command
        assert "Report format: text (the default) for people, json for scripts." in words
    code, _, err = cli(*built, "queries", "-f", "csv")
    assert code == 2 and "argument -f/--format: invalid choice: 'csv'" in err
    code, out, _ = cli(*built, "validate", "-f", "json")
    assert code == 0 and json.loads(out) == {"valid": True, "problems": []}


def test_explain_accepts_the_curie_that_query_output_prints(built, cli) -> None:
    code, out, _ = cli(*built, "explain", "id:russia-withdraws-from-cfe-2023")
    assert code == 0
    assert out.startswith("Russia withdraws from the CFE Treaty  (id:russia-withdraws-")


def test_explain_shows_quote_source_and_attribution(built, cli) -> None:
    code, out, _ = cli(*built, "explain", "russia-withdraws-from-cfe-2023")
    assert code == 0
    assert "Russia withdraws from the CFE Treaty  (id:russia-withdraws-from-cfe-2023)" in out
    assert '[1] "On 7 November 2023, Russia withdrew from the treaty"' in out
    assert "attributed to: Armenpress" in out
    assert "published by Armenpress" in out
    code, out, _ = cli(*built, "explain", "CAWAT", "-f", "json")
    data = json.loads(out)
    assert data["id"] == "id:cawat"
    assert data["evidence"][0]["quote"].startswith("the Centre for Analysis of World Arms Trade")
    assert {"id": "id:cawat-ranking-azerbaijan-2024",
            "label": "Azerbaijan ranked 16th biggest arms importer in 2024 by CAWAT",
            "relation": "ranked by"} in data["involved_in"]


def test_explain_a_claim_shows_who_said_it(built, cli) -> None:
    code, out, _ = cli(*built, "explain", "armenia-denies-preparing-for-war")
    assert code == 0
    assert "claimant: Armenia" in out
    assert "stance: denies" in out
    assert "denies: Azerbaijan alleges that Armenia is preparing for war and buying weapons" in out


def test_explain_unknown_entity_exits_2_like_every_command(built, cli) -> None:
    code, out, err = cli(*built, "explain", "atlantis")
    assert code == 2 and out == ""
    assert "unknown entity 'atlantis'" in err


@pytest.mark.parametrize("command", [
    ["explain", "rusia"],
    ["query", "arms-procurements", "--param", "recipient=rusia"],
    ["export", "html", "--focus", "rusia", "-o", "{tmp}/net.html"],
])
def test_a_misspelt_entity_gets_the_same_suggestion_and_exit_code(command, built, cli,
                                                                  tmp_path) -> None:
    code, out, err = cli(*built, *[part.format(tmp=tmp_path) for part in command])
    assert code == 2 and out == ""
    assert "unknown entity 'rusia'; did you mean 'Russia'?" in err
    assert not (tmp_path / "net.html").exists()


def test_validate_shipped_graph_exits_0(cli, project) -> None:
    code, out, err = cli("--project", project.root, "validate")
    assert code == 0, out
    assert out == ""
    assert "valid:" in err and "0 error(s), 0 warning(s)" in err


def test_validate_broken_file_exits_1_with_readable_messages(cli, tmp_path, project) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("events:\n"
                      "  - id: russia-suspends-cfe-2007\n"
                      "    type: SuspensionOfParticipation\n"
                      "    label: Russia suspends the CFE Treaty\n"
                      "    actor: Rusia\n"
                      "    treaty: cfe-treaty\n"
                      "    date: 2007-12-32\n", "utf-8")
    code, out, err = cli("--project", project.root, "validate", broken)
    assert code == 1
    assert f"{broken}:5: error in 'russia-suspends-cfe-2007': actor: unknown entity 'Rusia'" \
        in out
    assert "fix: did you mean 'Russia'?" in out
    assert f"{broken}:7: error in 'russia-suspends-cfe-2007': '2007-12-32' is not a date: " \
        "December 2007 has 31 days" in out
    assert f"{broken}:2: error in 'russia-suspends-cfe-2007': the fact has no evidence" in out
    assert "invalid: 3 error(s)" in err
    code, out, _ = cli("--project", project.root, "validate", broken, "--format", "json")
    report = json.loads(out)
    assert report["valid"] is False
    assert [(p["line"], p["fact"]) for p in report["problems"]] == [
        (2, "russia-suspends-cfe-2007"), (5, "russia-suspends-cfe-2007"),
        (7, "russia-suspends-cfe-2007")]


def test_validate_unreadable_file_exits_2(cli, tmp_path, project) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"events: [\n")
    code, out, _ = cli("--project", project.root, "validate", broken)
    assert code == 2
    assert "not valid YAML" in out
    code, _, err = cli("--project", project.root, "validate", tmp_path / "missing.yaml")
    assert code == 2 and "no such file" in err


def test_query_builds_the_store_when_missing(tmp_project, cli) -> None:
    args = ["--project", tmp_project.root, "--store", tmp_project.store_path]
    assert not tmp_project.store_path.exists()
    code, out, err = cli(*args, "query", "who-suspended-cfe", "-f", "csv")
    assert code == 0
    assert "building it from" in err
    assert len(out.splitlines()) == 9  # the header and 8 rows
    (tmp_project.graphs_dir / "armenpress-azerbaijan-arms-imports.yaml").write_text(
        (tmp_project.graphs_dir / "armenpress-azerbaijan-arms-imports.yaml").read_text() + "\n")
    code, _, err = cli(*args, "query", "who-suspended-cfe")
    assert code == 0 and "changed since the store was built" in err


def test_not_a_project_is_a_usage_error(cli, tmp_path) -> None:
    code, _, err = cli("--project", tmp_path, "queries")
    assert code == 2
    assert "is not a caucasus-kg project" in err


def test_installed_console_script_runs() -> None:
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("caucasus-kg")
    command = [str(exe)] if exe.exists() else [shutil.which("caucasus-kg") or "caucasus-kg"]
    result = subprocess.run([*command, "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("caucasus-kg, version ")


# --- Reading the command line --------------------------------------------------------------

def test_options_may_follow_or_precede_arguments(built, cli) -> None:
    before = cli(*built, "query", "-f", "csv", "who-suspended-cfe")
    after = cli(*built, "query", "who-suspended-cfe", "-f", "csv")
    assert before == after and before[0] == 0 and before[1].count("\r\n") == 9
    project = built[1]
    assert cli(f"--project={project}", *built[2:], "query", "who-suspended-cfe", "-f",
               "csv") == before


def test_a_global_option_after_the_command_says_where_it_goes(built, cli) -> None:
    code, out, err = cli("query", "who-suspended-cfe", *built)
    assert (code, out) == (2, "")
    assert ("error: unrecognized arguments: " in err
            and "(--project goes before the command's name: caucasus-kg --project ... query ...)"
            in err)


def test_a_mistyped_command_gets_a_suggestion(cli) -> None:
    code, out, err = cli("qeury", "who-suspended-cfe")
    assert (code, out) == (2, "")
    assert "error: no command 'qeury'; did you mean 'query'?" in err
    assert err.rstrip().endswith("fix: see `caucasus-kg --help`")


def test_no_command_shows_the_help_and_exits_2(cli) -> None:
    code, out, err = cli()
    assert (code, out) == (2, "")
    assert err.startswith("usage: caucasus-kg [GLOBAL OPTIONS] COMMAND [ARGS]...")
    assert "  query     Answer a catalogue question, a .rq file or inline SPARQL." in err


def test_a_wrong_validator_in_the_environment_is_a_usage_error(built, cli, monkeypatch) -> None:
    monkeypatch.setenv("CAUCASUS_KG_VALIDATOR", "shacl")
    code, out, err = cli(*built, "build")
    assert (code, out) == (2, "")
    assert "error: CAUCASUS_KG_VALIDATOR='shacl' is not one of sparql, pyshacl" in err


@pytest.mark.parametrize(("args", "message"), [
    (("serve", "--port", "70000"), "argument --port: 70000 is not from 0 to 65535"),
    (("serve", "--query-timeout", "nan"), "argument --query-timeout: nan is not at least 0.1"),
    (("serve", "--allow-origin", "http://a.example/x"),
     "argument --allow-origin: 'http://a.example/x' is not an origin"),
    (("export", "html", "--depth", "two"), "argument --depth: 'two' is not a whole number"),
    (("import", "sipri", "no-such.csv"), "argument FILE: 'no-such.csv' does not exist"),
])
def test_bad_values_are_usage_errors_before_any_work(built, cli, args, message) -> None:
    code, out, err = cli(*built, *args)
    assert (code, out) == (2, "")
    assert f"error: {message}" in err
    assert err.rstrip().endswith(f"fix: see `caucasus-kg {args[0]} --help`")


def test_a_reader_that_goes_away_ends_the_command_quietly(built) -> None:
    """`caucasus-kg query ... | head -1` where head has already gone: writing fails (a broken
    pipe), and the command stops with exit 1 without a traceback or a word."""
    import subprocess
    import sys

    from project_files import ROOT

    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait(timeout=30)  # the pipe now has no reader
    command = [sys.executable, "-m", "caucasus_kg.cli", *built, "query", "entities"]
    done = subprocess.run(command, stdout=reader.stdin, stderr=subprocess.PIPE, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    reader.stdin.close()
    assert (done.returncode, done.stderr) == (1, b"")


def test_the_validator_names_are_the_engines() -> None:
    """`--validator` lists its choices without loading the engines (rdflib, pySHACL): the
    list is the engines' names."""
    from caucasus_kg.checks.validator import VALIDATORS as ENGINES
    from caucasus_kg.cli import VALIDATORS

    assert set(VALIDATORS) == set(ENGINES)
