"""Contradictions between files are errors naming both places; contested claims become disputes."""

from __future__ import annotations

import pytest
from conftest import TODAY

from caucasus_kg.checks import contradictions
from caucasus_kg.model.namespaces import CKG, ID
from caucasus_kg.ops.build import build, check
from caucasus_kg.sources.dataset import load_dataset
from caucasus_kg.store.embedded import open_store

SOURCE = "Russia left the CFE Treaty on 8 November 2023, the agency said. Moscow denied it.\n"


def add_file(project, body: str, name: str = "second.yaml") -> None:
    (project.graphs_dir / "sources" / "second.txt").write_text(SOURCE, "utf-8")
    header = ("source:\n  id: second\n  title: Second\n  text: sources/second.txt\n"
              "  publisher: armenpress\n")
    (project.graphs_dir / name).write_text(header + body, "utf-8")


EVIDENCE = ("    evidence:\n      - quote: Russia left the CFE Treaty on 8 November 2023\n"
            "        attributed_to: armenpress\n")


def test_another_date_for_the_same_entity_is_a_contradiction(tmp_project) -> None:
    add_file(tmp_project, "events:\n  - id: russia-withdraws-from-cfe-2023\n"
             "    type: Withdrawal\n    date: 2023-11-08\n" + EVIDENCE)
    errors = [d.render() for d in check(tmp_project, today=TODAY).errors]
    assert errors == [
        "second.yaml:7: error in 'russia-withdraws-from-cfe-2023': contradiction: date is "
        "2023-11-08 here but 2023-11-07 in armenpress-azerbaijan-arms-imports.yaml:220; it has "
        "one value\n    fix: if the sources disagree, keep the better-sourced value as the fact "
        "and record the other as a claim by its source (stance asserts)"]


def test_the_same_event_under_another_id_with_another_date(tmp_project) -> None:
    add_file(tmp_project, "events:\n  - id: russia-leaves-cfe\n    type: Withdrawal\n"
             "    label: Russia leaves the CFE Treaty\n    actor: russia\n"
             "    treaty: cfe-treaty\n    date: 2023-11-08\n" + EVIDENCE)
    errors = check(tmp_project, today=TODAY).errors
    assert [(e.file, e.line, e.fact) for e in errors] == [("second.yaml", 7, "russia-leaves-cfe")]
    assert "already records this as 'russia-withdraws-from-cfe-2023'" in errors[0].message
    assert "with date 2023-11-07; here the date is 2023-11-08" in errors[0].message


def test_the_same_event_under_another_id_with_the_same_date_is_a_duplicate(tmp_project) -> None:
    add_file(tmp_project, "events:\n  - id: russia-leaves-cfe\n    type: Withdrawal\n"
             "    label: Russia leaves the CFE Treaty\n    actor: russia\n"
             "    treaty: cfe-treaty\n    date: 2023-11-07\n" + EVIDENCE)
    result = check(tmp_project, today=TODAY)
    assert result.errors == []
    assert [(w.file, w.line, w.fact, w.severity) for w in result.warnings] == [
        ("second.yaml", 7, "russia-leaves-cfe", "warning")]
    assert "duplicate of 'id:russia-withdraws-from-cfe-2023'" in result.warnings[0].message


def test_opposed_claims_on_one_proposition_are_recorded_as_a_dispute(tmp_project) -> None:
    add_file(tmp_project, "claims:\n  - id: russia-denies-violating-cfe\n"
             "    label: Russia denies violating the CFE Treaty\n    claimant: russia\n"
             "    stance: denies\n    about: cfe-treaty\n"
             "    proposition: {subject: azerbaijan, predicate: violated, object: cfe-treaty}\n"
             "    evidence:\n      - quote: Moscow denied it.\n        attributed_to: armenpress\n")
    info, result = build(tmp_project, today=TODAY)
    assert result.errors == []
    assert [(d.claim, d.other) for d in result.disputes] == [
        (str(ID["russia-denies-violating-cfe"]), str(ID["harutyunov-alleges-azerbaijan-violated-cfe"]))]
    store = open_store(tmp_project.store_path)
    denial, allegation = (ID["russia-denies-violating-cfe"],
                          ID["harutyunov-alleges-azerbaijan-violated-cfe"])
    assert bool(store.query(f"ASK {{ GRAPH <https://w3id.org/caucasus-kg/graph/derived> "
                            f"{{ <{denial}> <{CKG.disputes}> <{allegation}> }} }}"))


@pytest.mark.parametrize("limit", [contradictions.VALUES_LIMIT, 0])
def test_findings_limited_to_nodes_are_those_involving_them(tmp_project, monkeypatch,
                                                            limit) -> None:
    """Limited to some nodes, the search reports the findings involving them and no other,
    whether the nodes are written into the queries or the findings are filtered afterwards
    (for the many nodes of an import)."""
    monkeypatch.setattr(contradictions, "VALUES_LIMIT", limit)
    add_file(tmp_project, "events:\n  - id: russia-withdraws-from-cfe-2023\n"
             "    type: Withdrawal\n    date: 2023-11-08\n" + EVIDENCE
             + "claims:\n  - id: russia-denies-violating-cfe\n"
             "    label: Russia denies violating the CFE Treaty\n    claimant: russia\n"
             "    stance: denies\n    about: cfe-treaty\n"
             "    proposition: {subject: azerbaijan, predicate: violated, object: cfe-treaty}\n"
             "    evidence:\n      - quote: Moscow denied it.\n        attributed_to: armenpress\n")
    dataset = load_dataset(tmp_project, today=TODAY)
    withdrawal, denial = (str(ID["russia-withdraws-from-cfe-2023"]),
                          str(ID["russia-denies-violating-cfe"]))

    def found(nodes: set[str]) -> tuple[list[str | None], list[tuple[str, str]]]:
        findings = contradictions.find(dataset.store, dataset.ontology, nodes)
        return ([e.fact for e in findings.errors],
                [(d.claim, d.other) for d in findings.disputes])

    assert found({withdrawal}) == (["russia-withdraws-from-cfe-2023"], [])
    assert found({denial}) == ([], [(denial, str(ID["harutyunov-alleges-azerbaijan-violated-cfe"]))])
    assert found({str(ID["azerbaijan"])}) == ([], [])
