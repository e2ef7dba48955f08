"""Property-based: whatever an analyst (or a broken editor) feeds `add`, it never crashes, and a
rejected file never changes graphs/ or the store."""

from __future__ import annotations

import shutil

import yaml
from cli_run import invoke
from conftest import tree_digest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

TEXT = "Russia suspended its participation in the treaty on 12 December 2007.\n"

BASE = {
    "source": {"id": "prop-source", "title": "Property test", "text": "note.txt",
               "publisher": "armenpress"},
    "events": [{
        "id": "russia-suspends-cfe-2007", "type": "SuspensionOfParticipation",
        "label": "Russia suspends the CFE Treaty", "actor": "russia", "treaty": "cfe-treaty",
        "date": "2007-12-12",
        "evidence": [{"quote": "Russia suspended its participation in the treaty",
                      "attributed_to": "armenpress"}],
    }],
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["2023-02-30", "2024", "9999-99-99", "russia", "Rusia", "Q227", "Senate",
                     "cfe-treaty", "a b", "<http://x>", "alleges", "-5", "1e400", "\x00",
                     "https://w3id.org/caucasus-kg/id/russia"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)),
    max_leaves=8)
keys = st.sampled_from(["id", "type", "label", "actor", "treaty", "date", "evidence",
                        "effective_date", "in_response_to", "value", "stance", "aliases",
                        "wikidata", "note", "unknown_key", "quote", "source", "events",
                        "claims", "actors"])


@st.composite
def fact_files(draw) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "bytes", "yaml-text"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "yaml-text":
        return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        target = draw(st.sampled_from(["event", "evidence", "source", "top"]))
        try:
            holder = {"event": lambda: doc["events"][0],
                      "evidence": lambda: doc["events"][0]["evidence"][0],
                      "source": lambda: doc["source"], "top": lambda: doc}[target]()
        except (KeyError, IndexError, TypeError):
            holder = doc
        if not isinstance(holder, dict):
            holder = doc
        if draw(st.booleans()) and holder:
            holder.pop(draw(st.sampled_from(sorted(holder))), None)
        else:
            holder[draw(keys)] = draw(values)
    return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8", "surrogatepass")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=fact_files())
def test_add_never_crashes_and_rejections_change_nothing(content: bytes, tmp_path_factory,
                                                         built_template) -> None:
    work = tmp_path_factory.mktemp("prop")
    project = work / "project"
    shutil.copytree(built_template, project)
    incoming = work / "incoming"
    incoming.mkdir()
    (incoming / "note.txt").write_text(TEXT, "utf-8")
    path = incoming / "new.yaml"
    path.write_bytes(content)
    state = project / ".caucasus-kg"
    before = tree_digest(project / "graphs", state)
    result = invoke(["--project", str(project), "add", str(path)])
    assert result.exit_code in (0, 1, 2)
    event(f"exit {result.exit_code}")
    if result.exit_code != 0:
        assert "nothing was changed" in result.stdout + result.stderr
        assert tree_digest(project / "graphs", state) == before
    else:
        assert (project / "graphs" / "new.yaml").exists()
    shutil.rmtree(work, ignore_errors=True)
