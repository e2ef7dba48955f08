"""Ontology quality: it parses, every term is labelled and defined, and its version is the package's."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from caucasus_kg import __version__
from caucasus_kg.model.namespaces import CKG, ONTOLOGY_IRI, VOCAB


def ontology_graph(project) -> Graph:
    graph = Graph()
    graph.parse(project.ontology_file, format="turtle")
    return graph


def test_version_matches_the_package(project) -> None:
    graph = ontology_graph(project)
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in graph
    assert str(graph.value(onto, OWL.versionInfo)) == __version__
    assert graph.value(onto, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{__version__}")


def test_every_class_and_property_has_an_english_label_and_definition(project) -> None:
    graph = ontology_graph(project)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             RDFS.Datatype)
    terms = {s for kind in kinds for s in graph.subjects(RDF.type, kind)
             if isinstance(s, URIRef) and str(s).startswith(str(CKG))}
    assert len(terms) > 90
    unlabelled = sorted(str(t) for t in terms
                        if not any(lbl.language == "en" for lbl in graph.objects(t, RDFS.label)))
    undefined = sorted(str(t) for t in terms
                       if not any(d.language == "en" for d in graph.objects(t, SKOS.definition)))
    assert unlabelled == []
    assert undefined == []


def test_every_term_used_in_the_ontology_is_declared(project) -> None:
    graph = ontology_graph(project)
    declared = set(graph.subjects(RDF.type, None))
    used = {o for p in (RDFS.subClassOf, RDFS.domain, RDFS.range) for o in graph.objects(None, p)
            if isinstance(o, URIRef) and str(o).startswith(str(CKG))}
    used |= {s for s, _, _ in graph if isinstance(s, URIRef) and str(s).startswith(str(CKG))}
    assert sorted(str(u) for u in used - declared) == []


def test_every_concept_scheme_has_labelled_defined_concepts(project) -> None:
    graph = Graph()
    graph.parse(project.vocabulary_file, format="turtle")
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(s) for s in schemes} == {str(VOCAB[n]) for n in
                                         ("stance", "weapon-category", "bound",
                                          "participation-status", "document-type")}
    stance = {str(n) for c in graph.subjects(SKOS.inScheme, VOCAB["stance"])
              for n in graph.objects(c, SKOS.notation)}
    assert stance == {"asserts", "alleges", "denies", "predicts", "assesses", "proposes",
                      "refuses", "characterises", "announces"}
    document_types = {str(n) for c in graph.subjects(SKOS.inScheme, VOCAB["document-type"])
                      for n in graph.objects(c, SKOS.notation)}
    assert document_types == {"news-article", "interview", "official-statement",
                              "government-notice", "legislation", "report", "dataset",
                              "documentation-example"}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        assert graph.value(concept, SKOS.prefLabel) is not None, concept
        assert graph.value(concept, SKOS.definition) is not None, concept
        assert graph.value(concept, SKOS.inScheme) in schemes, concept


def test_reused_standards(project) -> None:
    """Actors are PROV agents, evidence is a Web Annotation, claims and facts (events included:
    the record of an event, not the activity) PROV entities and never PROV activities."""
    from rdflib.namespace import PROV

    from caucasus_kg.model.namespaces import OA
    from caucasus_kg.sources.dataset import load_ontology

    onto = load_ontology(project)
    assert onto.is_subclass(CKG.Person, PROV.Agent)
    assert onto.is_subclass(CKG.Evidence, OA.Annotation)
    assert onto.is_subclass(CKG.Claim, PROV.Entity)
    assert onto.is_subclass(CKG.Withdrawal, PROV.Entity)
    assert not onto.is_subclass(CKG.Withdrawal, PROV.Activity)
    assert onto.is_subclass(CKG.Proposition, RDF.Statement)
