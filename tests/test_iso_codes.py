"""ISO 3166 codes of states: every curated state has them and they are the ones pycountry gives
its name; the fact-file key ``iso3166:`` refuses codes that are not one country's; importers
attach codes to the states they create.
"""

from __future__ import annotations

import textwrap
import unicodedata
from pathlib import Path

import pycountry
import pytest
from conftest import TODAY
from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SKOS

from caucasus_kg.core.project import Project
from caucasus_kg.model import iso3166
from caucasus_kg.model.namespaces import CKG, ID
from caucasus_kg.ops.build import check
from caucasus_kg.sources.importers import sipri, unoda
from caucasus_kg.sources.importers.names import NameResolver
from caucasus_kg.sources.importers.records import Triples, declare_actors

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"

WITHOUT_CODES: dict[str, str] = {}
"""Curated states that ISO 3166 does not list, with the reason (none so far)."""


def _key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _iso_names(codes: iso3166.Codes) -> set[str]:
    """Every name pycountry gives the country, a former one's split at its commas."""
    if codes.alpha4:
        entry = pycountry.historic_countries.get(alpha_4=codes.alpha4)
        return {_key(part.strip()) for part in entry.name.split(",")}
    entry = pycountry.countries.get(alpha_3=codes.alpha3)
    return {_key(getattr(entry, attr)) for attr in ("name", "official_name", "common_name")
            if getattr(entry, attr, None)}


def _curated_states(dataset, only: str | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """slug -> (label and aliases, codes) of every state the fact files (or the file ``only``)
    declare."""
    states: dict[str, tuple[list[str], list[str]]] = {}
    for named in dataset.graphs:
        if not named.file.endswith(".yaml") or only not in (None, named.file):
            continue
        graph = named.to_rdflib()
        for state in graph.subjects(RDF.type, CKG.State):
            names, codes = states.setdefault(str(state)[len(str(ID)):], ([], []))
            names += [str(x) for p in (RDFS.label, SKOS.altLabel) for x in graph.objects(state, p)]
            codes += [str(graph.value(state, CKG[p]))
                      for p in (iso3166.ALPHA2, iso3166.ALPHA3, iso3166.ALPHA4)
                      if graph.value(state, CKG[p]) is not None]
    return states


def test_every_curated_state_has_the_codes_pycountry_gives_its_name(dataset) -> None:
    states = _curated_states(dataset)
    assert len(states) >= 7
    missing = sorted(slug for slug, (_, codes) in states.items()
                     if not codes and slug not in WITHOUT_CODES)
    assert missing == [], "states without 'iso3166:' (add the codes, or list the state in " \
                          "WITHOUT_CODES and docs/importing.md with the reason)"
    for slug, (names, codes) in states.items():
        if not codes:
            continue
        country = iso3166.from_codes(codes)  # raises unless they are one country's
        assert country.alpha2 or country.alpha4, slug
        # the codes belong to the state: one of its names is the standard's, or a dataset
        # spelling that the importers map to the same country
        by_name = {iso3166.for_name(n).alpha3 for n in names if iso3166.for_name(n)}
        assert {_key(n) for n in names} & _iso_names(country) or country.alpha3 in by_name, \
            (slug, names, codes, country.name)


def test_no_two_curated_states_share_a_code(dataset) -> None:
    seen: dict[str, str] = {}
    for slug, (_, codes) in sorted(_curated_states(dataset).items()):
        for code in codes:
            assert seen.setdefault(code, slug) == slug, f"{code}: {seen[code]} and {slug}"


def test_the_founding_states_codes(dataset) -> None:
    """The states of the founding article's file; written out by hand from ISO 3166-1."""
    states = _curated_states(dataset, only="armenpress-azerbaijan-arms-imports.yaml")
    assert {slug: codes for slug, (_, codes) in states.items()} == {
        "afghanistan": ["AF", "AFG"], "armenia": ["AM", "ARM"], "azerbaijan": ["AZ", "AZE"],
        "israel": ["IL", "ISR"], "russia": ["RU", "RUS"], "turkiye": ["TR", "TUR"],
        "united-states": ["US", "USA"]}


# ------------------------------------------------------------------------------------------
# The codes themselves
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("codes", "name", "properties"), [
    (["AZ", "AZE"], "Azerbaijan", [("iso3166Alpha2", "AZ"), ("iso3166Alpha3", "AZE")]),
    (["GEO", "GE"], "Georgia", [("iso3166Alpha2", "GE"), ("iso3166Alpha3", "GEO")]),
    (["SUN", "SUHH"], "USSR, Union of Soviet Socialist Republics",
     [("iso3166Alpha3", "SUN"), ("iso3166Alpha4", "SUHH")]),
    (["CSK", "CSHH"], "Czechoslovakia, Czechoslovak Socialist Republic",
     [("iso3166Alpha3", "CSK"), ("iso3166Alpha4", "CSHH")]),
    (["YUG", "YUCS"], "Yugoslavia, (Socialist) Federal Republic of",
     [("iso3166Alpha3", "YUG"), ("iso3166Alpha4", "YUCS")]),
    (["DDR", "DDDE"], "German Democratic Republic",
     [("iso3166Alpha3", "DDR"), ("iso3166Alpha4", "DDDE")]),
])
def test_codes_of_one_country(codes, name, properties) -> None:
    country = iso3166.from_codes(codes)
    assert (country.name, country.properties) == (name, properties)


@pytest.mark.parametrize(("codes", "message", "fix"), [
    (["AZ", "ARM"], "AZ is Azerbaijan but ARM is Armenia",
     "write iso3166: [AZ, AZE] or iso3166: [AM, ARM]"),
    (["AZ"], "1 code(s)", "AZ is Azerbaijan: write iso3166: [AZ, AZE]"),
    (["AZ", "AZE", "AZ"], "3 code(s)", "AZ is Azerbaijan: write iso3166: [AZ, AZE]"),
    (["az", "aze"], "'az' is not an ISO 3166 code", "write upper-case codes"),
    (["AZ", "AZR"], "AZR is not an ISO 3166-1 alpha-3 code of a current country",
     "AZ is Azerbaijan: write iso3166: [AZ, AZE]"),
    # the alpha-2 code a former country had is not its code: ISO gave CS away again
    (["SU", "SUN"], "SU is a withdrawn code (USSR, Union of Soviet Socialist Republics)",
     "write iso3166: [SUN, SUHH]"),
    (["CS", "CSK"], "CS is a withdrawn code (Czechoslovakia", "write iso3166: [CSK, CSHH]"),
    (["SCG", "SUHH"], "SUHH is USSR, Union of Soviet Socialist Republics, whose alpha-3 code "
                      "was SUN, not SCG", "write iso3166: [SUN, SUHH]"),
    (["SU", "SUHH"], "a former country is written with its alpha-3 and its ISO 3166-3 code",
     "SUHH is USSR"),
    (["XXXX", "XXX"], "XXXX is not an ISO 3166-3 code", "write iso3166: [AZ, AZE] with"),
])
def test_codes_that_are_not_one_countrys_are_refused(codes, message, fix) -> None:
    with pytest.raises(iso3166.CodeError) as caught:
        iso3166.from_codes(codes)
    assert message in str(caught.value)
    assert fix in caught.value.fix


@pytest.mark.parametrize(("name", "codes"), [
    ("Azerbaijan", ["AZ", "AZE"]), ("Russian Federation", ["RU", "RUS"]),
    ("Russia", ["RU", "RUS"]), ("Turkiye", ["TR", "TUR"]), ("Türkiye", ["TR", "TUR"]),
    ("Republic of Moldova", ["MD", "MDA"]), ("Czech Republic", ["CZ", "CZE"]),
    ("Côte d’Ivoire", ["CI", "CIV"]), ("Cote d'Ivoire", ["CI", "CIV"]),
    ("Bosnia-Herzegovina", ["BA", "BIH"]), ("DR Congo", ["CD", "COD"]),
    ("Congo", ["CG", "COG"]), ("Niger", ["NE", "NER"]), ("Georgia", ["GE", "GEO"]),
    ("Soviet Union", ["SUN", "SUHH"]), ("USSR", ["SUN", "SUHH"]),
    ("Czechoslovakia", ["CSK", "CSHH"]), ("Yugoslavia", ["YUG", "YUCS"]),
    ("East Germany (GDR)", ["DDR", "DDDE"]),
    ("Kosovo", None), ("West Germany (FRG)", None), ("Northern Cyprus", None),
    ("NATO", None), ("Hezbollah (Lebanon)", None),
])
def test_codes_for_a_dataset_name(name, codes) -> None:
    found = iso3166.for_name(name)
    assert (found.written if found else None) == codes


def test_every_dataset_spelling_names_an_existing_country() -> None:
    for spelling, code in iso3166.SPELLINGS.items():
        found = iso3166.former(code) if len(code) == 4 else iso3166.current(code)
        assert found is not None, spelling
        assert iso3166.for_name(spelling) == found


# ------------------------------------------------------------------------------------------
# The fact-file key
# ------------------------------------------------------------------------------------------

SOURCE_TEXT = "Bhutan joined in 2024.\n"

HEADER = """\
source:
  id: test-source
  title: A test article
  text: sources/test-source.txt
  publisher: armenpress
actors:
  - id: bhutan
    type: State
    label: Bhutan
"""


def write(project: Project, body: str) -> Path:
    (project.graphs_dir / "sources" / "test-source.txt").write_text(SOURCE_TEXT, "utf-8")
    path = project.graphs_dir / "new-facts.yaml"
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


def test_a_states_codes_become_triples(tmp_project: Project) -> None:
    write(tmp_project, HEADER + "    iso3166: [BT, BTN]\n"
          "  - id: yugoslavia\n    type: State\n    label: Yugoslavia\n"
          "    iso3166: [YUG, YUCS]\n")
    result = check(tmp_project, today=TODAY)
    assert [d.render() for d in result.errors] == []
    graph = next(g.to_rdflib() for g in result.dataset.graphs if g.file == "new-facts.yaml")
    assert sorted((str(s)[len(str(ID)):], str(p)[len(str(CKG)):], str(o))
                  for s, p, o in graph if str(p).startswith(str(CKG) + "iso3166")) == [
        ("bhutan", "iso3166Alpha2", "BT"), ("bhutan", "iso3166Alpha3", "BTN"),
        ("yugoslavia", "iso3166Alpha3", "YUG"), ("yugoslavia", "iso3166Alpha4", "YUCS")]
    assert (ID["bhutan"], CKG.iso3166Alpha2, Literal("BT")) in graph


@pytest.mark.parametrize(("body", "expected"), [
    (HEADER + "    iso3166: [BT, GBR]\n",
     ["new-facts.yaml:10: error in 'bhutan': BT is Bhutan but GBR is United Kingdom",
      "fix: write iso3166: [BT, BTN] or iso3166: [GB, GBR]"]),
    (HEADER + "    iso3166: BT\n",
     ["new-facts.yaml:10: error in 'bhutan': 'iso3166' must be a list of codes",
      "fix: write iso3166: [AZ, AZE]"]),
    (HEADER + "    iso3166: [SU, SUN]\n",
     ["new-facts.yaml:10: error in 'bhutan': SU is a withdrawn code", "[SUN, SUHH]"]),
    (HEADER + "    iso3166_alpha2: BT\n",
     ["new-facts.yaml:10: error in 'bhutan': 'iso3166_alpha2' is written together",
      "fix: write iso3166: [AZ, AZE]"]),
    (HEADER.replace("type: State", "type: Alliance") + "    iso3166: [BT, BTN]\n",
     ["new-facts.yaml:10: error in 'bhutan': 'iso3166' does not apply to an alliance",
      "ISO 3166 codes identify states"]),
])
def test_bad_codes_are_reported_with_file_line_and_fix(tmp_project: Project, body: str,
                                                       expected: list[str]) -> None:
    write(tmp_project, body)
    rendered = [d.render() for d in check(tmp_project, today=TODAY).errors]
    assert [r for r in rendered if all(e in r for e in expected)], rendered


def test_a_second_state_with_the_same_code_is_a_warning(tmp_project: Project) -> None:
    write(tmp_project, HEADER + "    iso3166: [BT, BTN]\n"
          "  - id: druk-yul\n    type: State\n    label: Druk Yul\n"
          "    iso3166: [BT, BTN]\n")
    result = check(tmp_project, today=TODAY)
    assert [d.render() for d in result.errors] == []
    warned = sorted(d.render().split(": warning in ")[1].split("'")[1]
                    for d in result.warnings if "same ISO 3166 alpha-3 code BTN" in d.render())
    assert warned == ["bhutan", "druk-yul"]


# ------------------------------------------------------------------------------------------
# Importers
# ------------------------------------------------------------------------------------------

def _curated_resolver() -> NameResolver:
    """What the importers know of the shipped graph: its states' names and codes."""
    return NameResolver(
        known={"azerbaijan": "azerbaijan", "armenia": "armenia", "russia": "russia",
               "russian federation": "russia", "israel": "israel", "turkiye": "turkiye",
               "united states": "united-states"},
        known_ids={"azerbaijan", "armenia", "russia", "israel", "turkiye", "united-states"},
        known_codes={"AZE": "azerbaijan", "ARM": "armenia", "RUS": "russia", "ISR": "israel",
                     "TUR": "turkiye", "USA": "united-states"})


@pytest.mark.parametrize(("module", "fixture", "created"), [
    (sipri, "sipri_register_AZE_ARM.csv",
     {"belarus": ["BY", "BLR"], "sudan": ["SD", "SDN"]}),
    (sipri, "sipri_deliveries_AZE_ARM.csv",
     {"india": ["IN", "IND"], "ukraine": ["UA", "UKR"], "georgia": ["GE", "GEO"]}),
    (unoda, "unoda_cfe_treatydata.json",
     {"belarus": ["BY", "BLR"], "belgium": ["BE", "BEL"], "bulgaria": ["BG", "BGR"],
      "canada": ["CA", "CAN"], "czechia": ["CZ", "CZE"], "denmark": ["DK", "DNK"],
      "france": ["FR", "FRA"], "georgia": ["GE", "GEO"], "germany": ["DE", "DEU"],
      "greece": ["GR", "GRC"], "hungary": ["HU", "HUN"], "iceland": ["IS", "ISL"],
      "italy": ["IT", "ITA"], "kazakhstan": ["KZ", "KAZ"], "luxembourg": ["LU", "LUX"],
      "moldova": ["MD", "MDA"], "netherlands": ["NL", "NLD"], "norway": ["NO", "NOR"],
      "poland": ["PL", "POL"], "portugal": ["PT", "PRT"], "romania": ["RO", "ROU"],
      "slovakia": ["SK", "SVK"], "soviet-union": ["SUN", "SUHH"], "spain": ["ES", "ESP"],
      "ukraine": ["UA", "UKR"], "united-kingdom": ["GB", "GBR"]}),
])
def test_states_an_import_creates_get_their_codes(module, fixture, created) -> None:
    resolver = _curated_resolver()
    path = FIXTURES / fixture
    text = module.build(module.parse(path), resolver, {"cfe": "cfe-treaty"}, set(), path.name,
                        "test-import").text()
    states = {slug: actor.iso3166.written for slug, actor in resolver.created.items()
              if actor.kind == "State"}
    assert states == created
    for slug, codes in created.items():
        for code in codes:
            prop = {2: "Alpha2", 3: "Alpha3", 4: "Alpha4"}[len(code)]
            assert (f"<{ID[slug]}> <{CKG['iso3166' + prop]}> \"{code}\" .\n") in text
    # the curated states are referred to, never given codes again
    assert f"<{ID['azerbaijan']}> <{CKG.iso3166Alpha3}>" not in text


def test_a_name_of_a_country_already_in_the_graph_resolves_to_it_by_its_code() -> None:
    resolver = _curated_resolver()
    assert resolver.resolve("Republic of Azerbaijan").slug == "azerbaijan"
    assert "Republic of Azerbaijan" in resolver.unsure
    assert "by its ISO 3166 code AZE" in resolver.unsure["Republic of Azerbaijan"]
    viet_nam = resolver.resolve("Viet Nam")
    assert (viet_nam.slug, viet_nam.new, viet_nam.iso3166.written) == (
        "viet-nam", True, ["VN", "VNM"])
    assert resolver.resolve("Vietnam").slug == "viet-nam"  # not a second Viet Nam
    assert sorted(resolver.created) == ["viet-nam"]


def test_a_new_state_iso_3166_does_not_name_is_created_without_codes_and_reported() -> None:
    resolver = _curated_resolver()
    kosovo = resolver.resolve("Kosovo")
    assert (kosovo.slug, kosovo.kind, kosovo.iso3166) == ("kosovo", "State", None)
    assert "without ISO 3166 codes" in resolver.unsure["Kosovo"]
    text = Triples()
    declare_actors(text, resolver)
    assert "iso3166" not in text.text()
    assert f"<{ID['kosovo']}> <{RDF.type}> <{CKG.State}> .\n" in text.text()
