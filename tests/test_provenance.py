"""Evidence and the facts-versus-claims principle, checked on the shipped graph."""

from __future__ import annotations

import re

from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from caucasus_kg.model.namespaces import CKG, OA
from caucasus_kg.sources.dataset import Dataset

ARTICLE = "graphs/sources/armenpress-azerbaijan-arms-imports.txt"
ROOT_FACT_FILE = "armenpress-azerbaijan-arms-imports.yaml"

NOT_FACTS = {
    # The headline (stored as the document's dct:title), the reading time, speech tags and a
    # note on the interview's language carry no fact of their own.
    "Azerbaijan named one of biggest arms importers in the world: Analyst comments on Baku’s "
    "potential goals",
    "6 minute read",
    "Harutyunov said.",
    "Harutyunov added.",
    "Full interview available in Armenian.",
}


def selectors(dataset: Dataset):
    graph = dataset.data_union()
    for selector in graph.subjects(RDF.type, OA.TextQuoteSelector):
        target = graph.value(predicate=OA.hasSelector, object=selector)
        source = graph.value(target, OA.hasSource)
        text = str(graph.value(source, CKG.text))
        position = next(s for s in graph.objects(target, OA.hasSelector)
                        if (s, RDF.type, OA.TextPositionSelector) in graph)
        yield (graph, selector, text, int(graph.value(position, OA.start)),
               int(graph.value(position, OA.end)))


def test_every_quote_occurs_at_its_recorded_position(dataset: Dataset) -> None:
    checked = 0
    for graph, selector, text, start, end in selectors(dataset):
        exact = str(graph.value(selector, OA.exact))
        assert text[start:end] == exact
        assert text[:start].endswith(str(graph.value(selector, OA.prefix)))
        assert text[end:].startswith(str(graph.value(selector, OA.suffix)))
        checked += 1
    assert checked >= 42  # every quote of the founding fact file


def test_stored_source_text_is_the_article(project, dataset: Dataset) -> None:
    graph = dataset.data_union()
    texts = [str(t) for t in graph.objects(None, CKG.text)]
    article = (project.root / ARTICLE).read_text("utf-8")
    assert texts == [article]


def test_every_sentence_of_the_article_is_captured(project, dataset: Dataset) -> None:
    """Each sentence is at least half covered by some quote, unless it carries no fact."""
    article = (project.root / ARTICLE).read_text("utf-8")
    covered = [False] * len(article)
    for _graph, _selector, text, start, end in selectors(dataset):
        assert text == article
        covered[start:end] = [True] * (end - start)
    missing = []
    position = 0
    for sentence in re.split(r"(?<=[.!?”\"])\s+|\n", article):
        start = article.find(sentence, position)
        position = start + len(sentence)
        if not sentence.strip() or sentence in NOT_FACTS:
            continue
        if sum(covered[start:position]) < len(sentence) / 2:
            missing.append(sentence)
    assert missing == []


def test_every_fact_and_claim_has_attributed_evidence(dataset: Dataset) -> None:
    graph = dataset.data_union()
    from rdflib.namespace import PROV

    subjects = {s for s, _, o in graph.triples((None, RDF.type, None))
                if dataset.ontology.is_subclass(o, CKG.Fact) or o == CKG.Claim}
    assert len(subjects) >= 38  # the founding fact file's 14 facts and 24 claims
    for node in subjects:
        evidence = list(graph.objects(node, CKG.hasEvidence))
        assert evidence, node
        for ev in evidence:
            assert graph.value(ev, PROV.wasAttributedTo) is not None, ev


def test_propositions_are_never_asserted(dataset: Dataset) -> None:
    graph = dataset.data_union()
    propositions = list(graph.subjects(RDF.type, CKG.Proposition))
    assert propositions  # the CFE violation allegation has one
    for node in propositions:
        triple = (graph.value(node, RDF.subject), graph.value(node, RDF.predicate),
                  graph.value(node, RDF.object))
        assert None not in triple
        assert triple not in graph


def test_characterisations_appear_only_as_claims_or_quotes(dataset: Dataset) -> None:
    """'false allegations' and 'fake news' are Armenpress's words: claims, never facts."""
    graph = dataset.data_union()
    claims = set(graph.subjects(RDF.type, CKG.Claim))
    loaded = re.compile(r"\b(false|fake|manipulat\w*|aggression|violat\w*)\b", re.IGNORECASE)
    offenders = []
    for s, p, o in graph:
        if not isinstance(o, Literal) or not loaded.search(str(o)):
            continue
        if s in claims or p in (OA.exact, OA.prefix, OA.suffix, CKG.text):
            continue
        if p == RDFS.label and str(s).startswith(str(CKG)):
            continue  # ontology terms
        offenders.append((str(s), str(p), str(o)))
    assert offenders == []
    stances = {str(graph.value(c, CKG.stance)).rsplit("/", 1)[-1]
               for c in claims if "false" in str(graph.value(c, CKG.summary))}
    assert stances == {"characterises"}


def test_allegations_are_claims_with_the_right_stance(dataset: Dataset) -> None:
    graph = dataset.data_union()
    from caucasus_kg.model.namespaces import ID, VOCAB

    allegation = ID["azerbaijan-alleges-armenia-prepares-for-war"]
    assert (allegation, RDF.type, CKG.Claim) in graph
    assert graph.value(allegation, CKG.claimant) == ID["azerbaijan"]
    assert graph.value(allegation, CKG.stance) == VOCAB["stance/alleges"]
    denial = ID["armenia-denies-preparing-for-war"]
    assert graph.value(denial, CKG.denies) == allegation
    assert graph.value(denial, CKG.stance) == VOCAB["stance/denies"]


def test_a_changed_quote_fails_the_build_with_a_clear_message(tmp_project, cli) -> None:
    path = tmp_project.graphs_dir / ROOT_FACT_FILE
    text = path.read_text("utf-8")
    original = "quote: On 7 November 2023, Russia withdrew from the treaty"
    assert original in text
    line = text[:text.index(original)].count("\n") + 1
    path.write_text(text.replace(original, original.replace("7 November", "8 November")),
                    "utf-8")
    code, out, err = cli("--project", tmp_project.root, "--store", tmp_project.store_path,
                         "build")
    assert code == 1
    assert (f"{ROOT_FACT_FILE}:{line}: error in 'russia-withdraws-from-cfe-2023': the quote is "
            "not found in the source text sources/armenpress-azerbaijan-arms-imports.txt") in err
    assert "the closest passage is" in err
    assert not tmp_project.store_path.exists()
