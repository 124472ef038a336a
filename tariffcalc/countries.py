"""Countries of origin: ISO codes and English names, via pycountry.

Baskets name countries every way people do (``JP``, ``JPN``, ``Japan``,
``South Korea``); everything inside tariffcalc is an ISO 3166 alpha-2 code.

What tariffcalc needs of pycountry's ISO 3166 table (the names of each code)
is kept in the user cache (:mod:`tariffcalc.law.cache`, keyed by pycountry's
database file): importing pycountry looks up its own version through
``importlib.metadata``, which costs every run tens of milliseconds.
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

#: English names in common use that pycountry's lookup does not know.
#: "Korea" alone is deliberately absent: it is ambiguous.
COMMON_NAMES = {
    "russia": "RU",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "turkey": "TR",
    "ivory coast": "CI",
    "burma": "MM",
    "macau": "MO",
    "cape verde": "CV",
    "swaziland": "SZ",
    "brunei": "BN",
    "falkland islands": "FK",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "congo-kinshasa": "CD",
    "republic of the congo": "CG",
    "congo-brazzaville": "CG",
    "holland": "NL",
    "the netherlands": "NL",
    "usa": "US",
    "united states of america": "US",
    "vatican": "VA",
    "east timor": "TL",
    "micronesia": "FM",
    "kosovo": "XK",
    "palestine": "PS",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "vietnam": "VN",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "taiwan": "TW",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "czech republic": "CZ",
}

#: Names that mean more than one country: refused, naming each (``Congo`` is not silently CG).
AMBIGUOUS = {
    "congo": (("CG", "Republic of the Congo"), ("CD", "Democratic Republic of the Congo")),
    "korea": (("KR", "South Korea"), ("KP", "North Korea")),
    "virgin islands": (("VG", "British Virgin Islands"), ("VI", "US Virgin Islands")),
}

#: Names people give that are not a country of origin, and what to give instead.
NOT_COUNTRIES = {
    "eu": "is the European Union, not a country of origin (give the member state where the goods were made, e.g. DE, FR or IT)",
    "european union": "is the European Union, not a country of origin (give the member state where the goods were made, e.g. DE, FR or IT)",
}

#: Codes in use for customs but not assigned by ISO 3166 (pycountry lacks them).
EXTRA_CODES = {"XK": "Kosovo"}


def _fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: ``"Côte d’Ivoire"`` → ``"cote d'ivoire"``."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


@lru_cache(maxsize=1)
def _iso_names() -> dict[str, dict]:
    """Per alpha-2 code of ISO 3166, its alpha-3 code and names as pycountry has them (from the cache when it is fresh)."""
    from importlib.util import find_spec

    from .law import cache

    spec = find_spec("pycountry")
    database = Path(next(iter(spec.submodule_search_locations or ()), "")) / "databases" / "iso3166-1.json" if spec else None
    try:
        stat = database.resolve().stat()
    except (AttributeError, OSError):
        return _iso_names_from_pycountry()
    return cache.cached(database.resolve(), stat.st_size, stat.st_mtime_ns, _iso_names_from_pycountry, kind="countries")


def _iso_names_from_pycountry() -> dict[str, dict]:
    import pycountry

    return {
        country.alpha_2: {
            attr: getattr(country, attr, None) for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name")
        }
        for country in pycountry.countries
    }


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in _iso_names().values():
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = country[attr]
            if value:
                index[_fold(value)] = country["alpha_2"]
    for code, name in EXTRA_CODES.items():
        index[_fold(code)] = code
        index[_fold(name)] = code
    index.update(COMMON_NAMES)
    for name in list(AMBIGUOUS) + list(NOT_COUNTRIES):
        index.pop(name, None)
    return index


def is_country_code(code: str) -> bool:
    """True for an ISO alpha-2 code that pycountry knows (upper case), or one of :data:`EXTRA_CODES`."""
    return code in EXTRA_CODES or (len(code) == 2 and code.isupper() and code in _iso_names())


def country_name(code: str) -> str:
    """The English name of an alpha-2 code (common name where pycountry has one)."""
    if code in EXTRA_CODES:
        return EXTRA_CODES[code]
    country = _iso_names().get(code.upper())  # as pycountry looks codes up, in any case
    if country is None:
        return code
    return country["common_name"] or country["name"]


def resolve(text: str) -> str | None:
    """One country written any common way → alpha-2 code, or None."""
    return _name_index().get(_fold(text))


def refusal(text: str) -> str | None:
    """Why a name that means several countries, or none, is refused (None for any other text)."""
    folded = _fold(text)
    if folded in NOT_COUNTRIES:
        return NOT_COUNTRIES[folded]
    if folded in AMBIGUOUS:
        names = " or ".join(f"{name} ({code})" for code, name in AMBIGUOUS[folded])
        return f"is ambiguous: it may be {names} (give the ISO code)"
    return None


def suggest(text: str, n: int = 3) -> list[str]:
    """The closest country names to an unknown one, for a hint (none for a code of 2 or 3 letters: no name is close to one)."""
    if len(_fold(text)) <= 3:
        return []
    index = _name_index()
    names = [k for k in index if len(k) > 3]
    matches = difflib.get_close_matches(_fold(text), names, n=3 * n, cutoff=0.6)
    suggestions: list[str] = []
    for match in matches:
        name = country_name(index[match])
        if name not in suggestions:
            suggestions.append(name)
    return suggestions[:n]


def resolve_column(values: pd.Series) -> pd.Series:
    """A column of country texts → alpha-2 codes (empty string where unknown).

    Each distinct text is looked up once, then mapped back onto the column; an alpha-2 code is its own answer, so
    a column of codes does not build the index of names.
    """
    text = values.astype("string").fillna("").str.strip()
    distinct = pd.unique(text)
    lookup = {v: v if is_country_code(v) else (resolve(v) or "") for v in distinct}
    return text.map(lookup).astype("string")
