"""Every rule of schedule validation, triggered through the CLI, with its message word for word.

Each case breaks one rule in a small valid schedule; ``tariffcalc rates``
must refuse it with exit 2, nothing on stdout, and exactly one line naming the
file, the YAML line and key, and what is wrong (the line number is checked by
pattern, the key and the message to the letter).
"""

from __future__ import annotations

import re

import pytest

BASE = """\
schedule:
  id: rules
  name: Rules
  covers: {from: 2025-01-01, through: 2025-12-31}
basket_fields:
  usmca: {type: bool}
  content: {type: amount}
  kind: {type: enum, values: [a, b]}
  loaded: {type: date}
country_groups:
  GRP: {name: A group, members: [DE, FR]}
product_groups:
  toys: {name: Toys, authority: {document: A, citation: B, date: 2025-01-01}, hts: ["9503"]}
measures:
  - id: first
    name: First
    authority: {document: A, citation: B, date: 2025-01-01}
    from: 2025-02-01
    countries: all
    rate: 10%
  - id: second
    name: Second
    authority: {document: A, citation: B, date: 2025-01-01}
    from: 2025-03-01
    countries: [JP]
    rate: 20%
"""

AUTH = "{document: A, citation: B, date: 2025-01-01}"
SECOND = "  - id: second\n"

#: (rule, how to break it: (old text, new text), YAML key of the problem, message)
CASES = [
    ("country_groups_are_countries", ("  GRP: {name: A group, members: [DE, FR]}", "  DE: {name: A group, members: [DE, FR]}"),
     "country_groups.DE", "group name 'DE' is also a country code; choose another name"),
    ("country_groups_are_countries (members)", ("  GRP: {name: A group, members: [DE, FR]}", "  GRP: {name: A group, members: [DE, XX]}"),
     "country_groups.GRP.members[1]", "'XX' is not an ISO 3166 alpha-2 country code"),
    ("basket_fields_are_sound", ("  usmca: {type: bool}", "  value: {type: bool}"),
     "basket_fields.value", "'value' is a basket column with a built-in meaning; choose another name"),
    ("basket_fields_are_sound (enum)", ("  kind: {type: enum, values: [a, b]}", "  kind: {type: enum}"),
     "basket_fields.kind.values", "an enum field needs its 'values'"),
    ("basket_fields_are_sound (at_most)", ("  loaded: {type: date}", "  loaded: {type: date, at_most: value}"),
     "basket_fields.loaded.at_most", "only amount fields have 'at_most' (this one is date)"),
    ("unique_id", ("  - id: second\n", "  - id: first\n"), "measures[1].id", "measure id 'first' is defined twice"),
    ("dates_in_order", ("    from: 2025-03-01\n", "    from: 2025-03-01\n    through: 2025-02-01\n"),
     "measures[1].through", "through 2025-02-01 is before from 2025-03-01"),
    ("known_countries", ("    countries: [JP]", "    countries: [JP, ZZ]"),
     "measures[1].countries[1]", "'ZZ' is neither an ISO 3166 alpha-2 country code nor a country group of this schedule"),
    ("known_countries (rates)", ("    rate: 20%\n", "    rate: 20%\n    rates: {FR: 5%}\n"),
     "measures[1].rates.FR", "'FR' has a rate but is not among the measure's countries"),
    ("has_a_rate", ("    rate: 20%\n", ""), "measures[1]", "needs a 'rate' (or country-specific 'rates')"),
    ("known_products", ("    rate: 20%\n", "    rate: 20%\n    products: {include: [games]}\n"),
     "measures[1].products.include[0]",
     "'games' is not an HTS prefix (expected 2, 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01), and not a product group of this schedule"),
    ("changes_in_order", ("    rate: 20%\n", f"    rate: 20%\n    changes:\n      - {{from: 2025-02-15, rate: 5%, authority: {AUTH}}}\n"),
     "measures[1].changes[0].from", "from 2025-02-15 is before 2025-03-01; list changes in date order"),
    ("changes_in_order (a rate)", ("    rate: 20%\n", f"    rate: 20%\n    changes:\n      - {{from: 2025-04-15, authority: {AUTH}}}\n"),
     "measures[1].changes[0]", "a change needs 'rate' or 'rates'"),
    ("pauses_apart", ("    rate: 20%\n", f"    rate: 20%\n    pauses:\n      - {{from: 2025-04-01, through: 2025-04-30, authority: {AUTH}}}\n"
                      f"      - {{from: 2025-04-15, through: 2025-05-30, authority: {AUTH}}}\n"),
     "measures[1].pauses[1].from", "this pause overlaps another pause of the measure (from 2025-04-01)"),
    ("pauses_within", ("    rate: 20%\n", f"    rate: 20%\n    pauses:\n      - {{from: 2025-02-01, through: 2025-04-30, authority: {AUTH}}}\n"),
     "measures[1].pauses[0].from", "from 2025-02-01 is before the measure starts (2025-03-01)"),
    ("yields_to_others", ("    rate: 20%\n", "    rate: 20%\n    yields_to: [third]\n"),
     "measures[1].yields_to[0]", "no measure with id 'third' in this schedule"),
    ("yields_to_others (itself)", ("    rate: 20%\n", "    rate: 20%\n    yields_to: [second]\n"),
     "measures[1].yields_to[0]", "a measure cannot yield to itself"),
    ("no_yield_cycle", ("    rate: 20%\n", "    rate: 20%\n    yields_to: [first]\n", "    rate: 10%\n", "    rate: 10%\n    yields_to: [second]\n"),
     "measures[0].yields_to", "measures yield to each other in a circle on 0001-01-01: first → second → first"),
    ("coverage_in_order", ("through: 2025-12-31}", "through: 2024-12-31}"),
     "schedule.covers.through", "through is before from"),
    ("conditions_read_declared_fields", ("    rate: 20%\n", "    rate: 20%\n    conditions: [{field: colour, is: true, effect: exempt}]\n"),
     "measures[1].conditions[0].field", "no basket field 'colour' is declared (declare it under basket_fields)"),
    ("conditions_read_declared_fields (test)", ("    rate: 20%\n", "    rate: 20%\n    conditions: [{field: kind, is: true, effect: exempt}]\n"),
     "measures[1].conditions[0]", "a condition on the enum field 'kind' needs 'in' (found is)"),
    ("conditions_read_declared_fields (values)", ("    rate: 20%\n", "    rate: 20%\n    conditions: [{field: kind, in: [c], effect: exempt}]\n"),
     "measures[1].conditions[0].in[0]", "'c' is not a value of 'kind' (a, b)"),
    ("conditions_read_declared_fields (amount)", ("    rate: 20%\n", "    rate: 20%\n    conditions: [{field: content, is: true, effect: exempt}]\n"),
     "measures[1].conditions[0].field", "'content' is an amount: a condition reads a bool, enum or date field"),
    ("conditions_and_exceptions_in_order", ("    rate: 20%\n", "    rate: 20%\n    exceptions: [{countries: [JP], products: [toys], from: 2025-06-01, through: 2025-05-01}]\n"),
     "measures[1].exceptions[0].through", "through 2025-05-01 is before from 2025-06-01"),
    ("conditions_and_exceptions_in_order (products)", ("    rate: 20%\n", "    rate: 20%\n    exceptions: [{countries: [JP], products: [games]}]\n"),
     "measures[1].exceptions[0].products[0]",
     "'games' is not an HTS prefix (expected 2, 4, 6, 8 or 10 digits, dots allowed, e.g. 8703.23.01), and not a product group of this schedule"),
    ("bases_read_amounts", ("    rate: 20%\n", "    rate: 20%\n    basis: {content: kind}\n"),
     "measures[1].basis.content", "a basis reads an amount field; 'kind' is an enum field"),
    ("ends_after_it_starts", ("    rate: 20%\n", f"    rate: 20%\n    ended: {{from: 2025-03-01, authority: {AUTH}}}\n"),
     "measures[1].ended.from", "ended from 2025-03-01 is not after from 2025-03-01"),
]


def _broken(edits: tuple[str, ...]) -> str:
    text = BASE
    for old, new in zip(edits[::2], edits[1::2]):
        # Edits of "rate: 20%" and the like are for the second measure (the last occurrence).
        head, sep, tail = text.rpartition(old)
        assert sep, old
        text = head + new + tail
    return text


def test_the_base_schedule_is_valid(tariffcalc, write):
    run = tariffcalc("rates", "--schedule", write("rules.yaml", BASE), "--country", "JP", "--date", "2025-04-01", "-f", "csv")
    assert run.exit_code == 0, run


@pytest.mark.parametrize(("rule", "edits", "key", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_rule(tariffcalc, write, rule, edits, key, message):
    path = write("rules.yaml", _broken(edits))
    run = tariffcalc("rates", "--schedule", path, "--country", "JP", "--date", "2025-04-01")
    assert (run.exit_code, run.stdout) == (2, "")
    assert re.fullmatch(rf"Error: {re.escape(str(path))}:\d+ {re.escape(key)}: {re.escape(message)}\n", run.stderr), run.stderr
