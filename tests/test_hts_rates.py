"""Rates of duty as the HTS writes them, parsed exactly: every kind."""

from __future__ import annotations

import pytest

from tariffcalc.hts.rates import SpecificPart, parse_rate_text


@pytest.mark.parametrize(
    "text, kind, ad_valorem, specific",
    [
        ("Free", "free", 0, ()),
        ("6.8%", "ad_valorem", 68_000, ()),
        ("25%", "ad_valorem", 250_000, ()),
        ("0.9%", "ad_valorem", 9_000, ()),
        ("1¢/kg", "specific", 0, (SpecificPart(1_000_000, "kg"),)),
        ("37.5¢/kg", "specific", 0, (SpecificPart(37_500_000, "kg"),)),
        ("3.6606¢/kg", "specific", 0, (SpecificPart(3_660_600, "kg"),)),
        ("$1.35/doz.", "specific", 0, (SpecificPart(135_000_000, "doz"),)),
        ("$2.146/kg", "specific", 0, (SpecificPart(214_600_000, "kg"),)),
        ("0.9¢ each", "specific", 0, (SpecificPart(900_000, "each"),)),
        ("10.5¢/bbl", "specific", 0, (SpecificPart(10_500_000, "bbl"),)),
        ("89.6¢/1000", "specific", 0, (SpecificPart(89_600_000, "thousand"),)),
        ("4.5¢/ liter", "specific", 0, (SpecificPart(4_500_000, "liter"),)),
        ("2.8¢/kg + 5%", "compound", 50_000, (SpecificPart(2_800_000, "kg"),)),
        ("90¢/pr. + 37.5%", "compound", 375_000, (SpecificPart(90_000_000, "pr"),)),
        ("40¢/kg +10.4%", "compound", 104_000, (SpecificPart(40_000_000, "kg"),)),
        ("$1.035/kg + 14.9%", "compound", 149_000, (SpecificPart(103_500_000, "kg"),)),
    ],
)
def test_the_computed_kinds(text, kind, ad_valorem, specific):
    parsed = parse_rate_text(text)
    assert (parsed.kind, parsed.ad_valorem, parsed.specific, parsed.reason) == (kind, ad_valorem, specific, "")
    assert parsed.computed


@pytest.mark.parametrize(
    "text, kind",
    [
        ("3.7¢/kg on drained weight", "part_basis"),
        ("5¢/kg on contents and container", "part_basis"),
        ("33.9¢/kg of total sugars + 5.1%", "part_basis"),
        ("23.7¢/pf.liter", "part_basis"),
        ("4.4¢/liter + 31.4¢/pf. liter", "part_basis"),
        ("1.7¢/kg on lead content", "part_basis"),
        ("2.5% on the value of the lead content", "part_basis"),
        ("18.7¢/clean kg", "part_basis"),
        ("36¢ each + 5.6% + 2¢/jewel", "part_basis"),
        ("3.9% on the movement and case + 5.3% on the battery", "part_basis"),
        ("3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees (and fractions of a degree in proportion) but not less than 3.143854¢/kg", "sliding"),
        ("The duty provided in the applicable subheading", "reference"),
        ("The duty provided in the applicable subheading + 25%", "reference"),
        ("The duty provided inthe applicable subheading+ 25%", "reference"),
        ("The rate applicable to the natural juice in heading 2009", "reference"),
        ("The duty rate provided in such subheading minus 0.5%", "reference"),
        ("Free, under bond, as prescribed in U.S. note 1 to this subchapter", "conditional"),
        ("See additional U.S. note 3", "see_note"),
        ("No change", "no_change"),
        ("A duty upon the value of the repairs or alterations (see U.S. note 3 of this subchapter)", "partial_value"),
        ("3 percent of the fair retail value", "partial_value"),
    ],
)
def test_the_rarer_kinds_are_named_and_not_computed(text, kind):
    parsed = parse_rate_text(text)
    assert parsed.kind == kind
    assert not parsed.computed
    assert parsed.reason


def test_a_part_basis_rate_keeps_its_parts():
    parsed = parse_rate_text("12.8¢/kg on molybdenum content + 1.8%")
    assert parsed.ad_valorem == 18_000
    assert parsed.specific == (SpecificPart(12_800_000, "kg", "on molybdenum content"),)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("33 1/3%", "a percentage with a vulgar fraction (a third of a percent) is not a whole number of millionths: give the line an mfn_rate"),
        ("37% /", "a percentage followed by a stray '/' (a typo in the file?): give the line an mfn_rate"),
        (":", "punctuation only, not a rate: give the line an mfn_rate"),
        ("7 bananas", "'7 bananas' is not a percentage or an amount per unit"),
        ("", "empty"),
        ("1.23456789¢/kg", "'1.23456789¢/kg' is more precise than a millionth of a cent"),
        ("2.12345%", "'2.12345%' is more precise than a ten-thousandth of a percent"),
    ],
)
def test_what_does_not_parse_says_why(text, reason):
    parsed = parse_rate_text(text)
    assert (parsed.kind, parsed.reason) == ("unparsed", reason)


def test_line_end_hyphens_and_spaces_are_undone():
    assert parse_rate_text("$2.50/thou- sand +  40%").text == "$2.50/thousand + 40%"
    assert parse_rate_text("$2.50/thou- sand + 40%").kind == "compound"


from decimal import Decimal  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

decimals = st.decimals(min_value=0, max_value=999, places=4, allow_nan=False, allow_infinity=False)


@given(decimals, decimals)
def test_any_percentage_and_amount_per_kg_parse_exactly(percent, cents):
    text = f"{cents.normalize():f}¢/kg + {percent.normalize():f}%"
    parsed = parse_rate_text(text)
    assert parsed.kind == "compound"
    assert parsed.ad_valorem == int(percent * 10_000)
    assert parsed.specific == (SpecificPart(int(cents * 1_000_000), "kg"),)
    assert Decimal(parsed.ad_valorem) / 10_000 == percent
