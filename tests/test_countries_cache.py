"""pycountry's countries kept in the user cache: the same codes and names as pycountry's own, and pycountry not imported once cached."""

from __future__ import annotations

import os
import subprocess
import sys

import pycountry
import pytest

from conftest import ROOT

from tariffcalc import countries


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder, and no table already loaded in this process."""
    monkeypatch.setenv("TARIFFCALC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TARIFFCALC_NO_CACHE", raising=False)
    for function in (countries._iso_names, countries._name_index):
        function.cache_clear()
    yield tmp_path / "cache"
    for function in (countries._iso_names, countries._name_index):
        function.cache_clear()


def _pycountry_index() -> dict[str, str]:
    """The name index as tariffcalc built it from pycountry itself before the cache."""
    index = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index[countries._fold(value)] = country.alpha_2
    for code, name in countries.EXTRA_CODES.items():
        index[countries._fold(code)] = code
        index[countries._fold(name)] = code
    index.update(countries.COMMON_NAMES)
    for name in list(countries.AMBIGUOUS) + list(countries.NOT_COUNTRIES):
        index.pop(name, None)
    return index


@pytest.mark.parametrize("load", ["written", "read back"])
def test_the_cached_countries_are_pycountrys(fresh, load):
    if load == "read back":
        countries._iso_names()
        countries._iso_names.cache_clear()
        assert list(fresh.glob("countries/*.pickle"))
    assert list(countries._name_index().items()) == list(_pycountry_index().items())
    for country in pycountry.countries:
        assert countries.is_country_code(country.alpha_2)
        assert countries.country_name(country.alpha_2) == (getattr(country, "common_name", None) or country.name)
    assert countries.country_name("jp") == "Japan" and countries.country_name("QQ") == "QQ"
    assert not countries.is_country_code("jp") and not countries.is_country_code("QQ") and countries.is_country_code("XK")


def test_without_the_cache_the_countries_come_from_pycountry(fresh, monkeypatch):
    monkeypatch.setenv("TARIFFCALC_NO_CACHE", "1")
    assert countries.resolve("South Korea") == "KR" and countries.resolve("jpn") == "JP"
    assert not fresh.exists()


def test_once_cached_pycountry_is_not_imported(fresh):
    code = "import sys; from tariffcalc import countries; print(countries.resolve('Japan'), 'pycountry' in sys.modules)"
    env = {**os.environ, "TARIFFCALC_CACHE_DIR": str(fresh), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert (first, again) == ("JP True\n", "JP False\n")


def test_a_column_of_codes_is_resolved_without_the_index_of_names(fresh):
    import pandas as pd

    column = pd.Series(["JP", " CN", "XK", "DE", "JP"])
    assert countries.resolve_column(column).tolist() == ["JP", "CN", "XK", "DE", "JP"]
    assert countries._name_index.cache_info().currsize == 0  # start-up: no names folded for a basket of codes
    # What the shortcut relies on: every code it accepts is what the index gives it.
    assert all(countries.resolve(code) == code for code in [*countries._iso_names(), *countries.EXTRA_CODES])
    assert countries.resolve_column(pd.Series(["jp", "Japan", "UK", "Atlantis"])).tolist() == ["JP", "JP", "GB", ""]
