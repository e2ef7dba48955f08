"""ISO 3166 country codes of states, checked against pycountry's offline copy of the standard.

A current country has an ISO 3166-1 alpha-2 and alpha-3 code (AZ, AZE). A country that no
longer exists has the four-letter ISO 3166-3 code given at its withdrawal (SUHH) and keeps the
alpha-3 code it had (SUN); its alpha-2 code is not kept, because ISO gives withdrawn two-letter
codes to other countries (CS was Czechoslovakia, then Serbia and Montenegro; BY was the
Byelorussian SSR's before it was Belarus's).

Fact files write the codes of a state as a list, ``iso3166: [AZ, AZE]`` or ``iso3166: [SUN,
SUHH]``; the length of a code says which it is. Importers find the codes of a state they create
from its name (:func:`for_name`): exact names of the standard, and the dataset spellings below.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import pycountry

ALPHA2 = "iso3166Alpha2"
ALPHA3 = "iso3166Alpha3"
ALPHA4 = "iso3166Alpha4"
"""Local names of the ontology properties (ckg:) holding the codes."""

SPELLINGS: dict[str, str] = {
    "russia": "RUS",
    "turkiye": "TUR",
    "turkey": "TUR",
    "iran": "IRN",
    "syria": "SYR",
    "south korea": "KOR",
    "north korea": "PRK",
    "laos": "LAO",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "moldova": "MDA",
    "tanzania": "TZA",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "united states": "USA",
    "united kingdom": "GBR",
    "czech republic": "CZE",
    "bosnia-herzegovina": "BIH",
    "dr congo": "COD",
    "democratic republic of the congo": "COD",
    "holy see": "VAT",
    "saint vincent": "VCT",
    "state of palestine": "PSE",
    "the former yugoslav republic of macedonia": "MKD",
    "uae": "ARE",
    "cote d'ivoire": "CIV",
    "brunei": "BRN",
    "cape verde": "CPV",
    "macedonia": "MKD",
    "swaziland": "SWZ",
    "east timor": "TLS",
    "micronesia": "FSM",
    "taiwan (roc)": "TWN",
    "palestine": "PSE",
    "soviet union": "SUHH",
    "ussr": "SUHH",
    "union of soviet socialist republics": "SUHH",
    "czechoslovakia": "CSHH",
    "yugoslavia": "YUCS",
    "east germany (gdr)": "DDDE",
    "east germany": "DDDE",
    "german democratic republic": "DDDE",
    "south yemen": "YDYE",
    "zaire": "ZRCD",
    "serbia and montenegro": "CSXX",
}
"""Names the SIPRI and UNODA datasets use that are not a name of the standard (lower case,
without accents) -> the alpha-3 code of the current country or the ISO 3166-3 code of the former
one. Kept to names that cannot mean another country; a name not here and not in the standard gets
no code (docs/importing.md lists the known ones)."""


@dataclass(frozen=True)
class Codes:
    """The ISO 3166 codes of one country, current or former."""

    name: str
    alpha3: str
    alpha2: str | None = None
    """Current countries only."""
    alpha4: str | None = None
    """Former countries only: the ISO 3166-3 code."""

    @property
    def written(self) -> list[str]:
        """The codes as a fact file writes them: ``[AZ, AZE]`` or ``[SUN, SUHH]``."""
        return [self.alpha2, self.alpha3] if self.alpha2 else [self.alpha3, str(self.alpha4)]

    @property
    def properties(self) -> list[tuple[str, str]]:
        """(ontology property local name, code) for each code the country has."""
        pairs = [(ALPHA2, self.alpha2), (ALPHA3, self.alpha3), (ALPHA4, self.alpha4)]
        return [(prop, code) for prop, code in pairs if code]


class CodeError(ValueError):
    """Codes that are not those of one country; ``fix`` says what to write instead."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


def _current(country: object) -> Codes:
    return Codes(country.name, country.alpha_3, alpha2=country.alpha_2)  # type: ignore[attr-defined]


def _former(country: object) -> Codes:
    name = country.name  # type: ignore[attr-defined]
    return Codes(name, country.alpha_3, alpha4=country.alpha_4)  # type: ignore[attr-defined]


def current(code: str) -> Codes | None:
    """The current country with this alpha-2 or alpha-3 code."""
    key = "alpha_2" if len(code) == 2 else "alpha_3" if len(code) == 3 else None
    found = pycountry.countries.get(**{key: code}) if key else None
    return _current(found) if found is not None else None


def former(code: str) -> Codes | None:
    """The former country with this ISO 3166-3 code."""
    found = pycountry.historic_countries.get(alpha_4=code) if len(code) == 4 else None
    return _former(found) if found is not None else None


def _formers_with_alpha3(code: str) -> list[Codes]:
    return [_former(c) for c in pycountry.historic_countries if c.alpha_3 == code]


def _formers_with_alpha2(code: str) -> list[Codes]:
    return [_former(c) for c in pycountry.historic_countries if c.alpha_2 == code]


def from_codes(codes: Sequence[str]) -> Codes:
    """The country whose codes ``codes`` are; :class:`CodeError` unless they are exactly the two
    codes of one current country ([AZ, AZE]) or of one former country ([SUN, SUHH])."""
    codes = list(codes)
    for code in codes:
        if not (isinstance(code, str) and code.isascii() and code.isalpha() and code.isupper()
                and 2 <= len(code) <= 4):
            raise CodeError(f"{code!r} is not an ISO 3166 code",
                            "write upper-case codes: two and three letters for a country "
                            "(iso3166: [AZ, AZE]), three and four for a former one "
                            "(iso3166: [SUN, SUHH])")
    by_length = {len(code): code for code in codes}
    if len(codes) != 2 or len(by_length) != 2:
        raise CodeError(f"{len(codes)} code(s) {codes}: a state has two, its alpha-2 and "
                        "alpha-3 codes, or for a former country its alpha-3 and ISO 3166-3 codes",
                        _hint(codes))
    if 4 in by_length:
        if 3 not in by_length:
            raise CodeError(f"{codes}: a former country is written with its alpha-3 and its "
                            "ISO 3166-3 code", _hint(codes))
        found = former(by_length[4])
        if found is None:
            raise CodeError(f"{by_length[4]} is not an ISO 3166-3 code of a former country",
                            _hint(codes))
        if found.alpha3 != by_length[3]:
            raise CodeError(f"{by_length[4]} is {found.name}, whose alpha-3 code was "
                            f"{found.alpha3}, not {by_length[3]}",
                            f"write iso3166: [{found.alpha3}, {found.alpha4}]")
        return found
    a2, a3 = by_length.get(2), by_length.get(3)
    if a2 is None or a3 is None:
        raise CodeError(f"{codes}: a country is written with its alpha-2 and alpha-3 codes",
                        _hint(codes))
    first, second = current(a2), current(a3)
    if first is None or second is None:
        unknown = a2 if first is None else a3
        withdrawn = (_formers_with_alpha2 if unknown == a2 else _formers_with_alpha3)(unknown)
        withdrawn.sort(key=lambda was: was.alpha3 != a3)  # [CS, CSK]: Czechoslovakia
        if withdrawn and (first or second) is None:
            was = withdrawn[0]
            raise CodeError(f"{unknown} is a withdrawn code ({was.name}); a former country is "
                            "known by its ISO 3166-3 code",
                            f"write iso3166: [{was.alpha3}, {was.alpha4}]")
        raise CodeError(f"{unknown} is not an ISO 3166-1 "
                        f"alpha-{len(unknown)} code of a current country", _hint(codes))
    if first != second:
        raise CodeError(f"{a2} is {first.name} but {a3} is {second.name}",
                        f"write iso3166: [{', '.join(first.written)}] or "
                        f"iso3166: [{', '.join(second.written)}]")
    return first


def _hint(codes: Sequence[str]) -> str:
    for code in codes:
        found = current(code) or former(code)
        if found is not None:
            return f"{code} is {found.name}: write iso3166: [{', '.join(found.written)}]"
    return ("write iso3166: [AZ, AZE] with the country's two ISO 3166-1 codes, or "
            "iso3166: [SUN, SUHH] for a former country")


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("\u2019", "'"))
    return " ".join(text.encode("ascii", "ignore").decode("ascii").lower().split())


def _names() -> dict[str, Codes]:
    cache = _NAMES
    if not cache:
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    cache.setdefault(_key(value), _current(country))
        for key, code in SPELLINGS.items():
            found = former(code) if len(code) == 4 else current(code)
            assert found is not None, code
            cache[key] = found
    return cache


_NAMES: dict[str, Codes] = {}


def for_name(name: str) -> Codes | None:
    """The country a dataset calls ``name``: a name of the standard (its short, official or
    common name) or a spelling of :data:`SPELLINGS`; None when neither knows it."""
    return _names().get(_key(name))
