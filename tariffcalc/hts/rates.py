"""Rates of duty as the HTSUS writes them: ``Free``, ``6.8%``, ``1¢/kg``, ``$1.35/doz.``, ``2.8¢/kg + 5%``...

:func:`parse_rate_text` turns one rate text into a :class:`ParsedRate`: its
kind, its ad valorem part (integer millionths, as in :mod:`tariffcalc.money`)
and its specific parts (integer **micro-cents** per unit: ``1¢/kg`` is
``1_000_000`` per kg, ``$1.35/doz.`` is ``135_000_000`` per dozen), parsed
from the decimal text without binary floats.

Kinds that tariffcalc computes from a basket line's value (and quantity):

* ``free`` — no duty;
* ``ad_valorem`` — a percentage of the customs value;
* ``specific`` — an amount per unit of quantity (kg, liter, dozen, pair, each...);
* ``compound`` — one specific amount plus one percentage.

The rarer forms are recognised and named, but need a person (or information a
basket does not have) to compute, so :attr:`ParsedRate.reason` says why:

* ``part_basis`` — a rate on part of the goods (``on drained weight``, ``on the
  lead content``, ``of total sugars``, ``per proof liter``, ``on the battery``), or
  several specific amounts in different units;
* ``sliding`` — a rate that slides with a measured degree (sugar polarity);
* ``reference`` — the rate of another provision (``The duty provided in the
  applicable subheading + 25%``, ``The rate applicable to ...``);
* ``conditional`` — ``Free, under bond, as prescribed in U.S. note ...``;
* ``see_note`` — ``See additional U.S. note 3``;
* ``no_change`` — ``No change`` (a provision that leaves the rate as it is);
* ``partial_value`` — a duty on part of the value: repairs or processing abroad,
  the value less US components, a share of the retail value or cost (chapter 98).

Anything else is ``unparsed``, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

#: Kinds computed from value and quantity.
COMPUTED_KINDS = ("free", "ad_valorem", "specific", "compound")
#: Kinds recognised but not computed, with what they mean (for reports and notes).
OTHER_KINDS = {
    "part_basis": "a rate on part of the goods (content, drained weight, proof liters...) or in several units",
    "sliding": "a rate that slides with a measured degree",
    "reference": "the rate of another provision",
    "conditional": "free under conditions (bond) set by a U.S. note",
    "see_note": "the rate is set in an additional U.S. note",
    "no_change": "the provision leaves the rate unchanged",
    "partial_value": "a duty on part of the value (repairs, processing abroad, a share of the retail value or cost)",
}
KINDS = COMPUTED_KINDS + tuple(OTHER_KINDS) + ("unparsed",)

#: Unit words of the HTS → the unit tariffcalc names them by.
UNITS = {
    "kg": "kg",
    "liter": "liter",
    "l": "liter",
    "doz.": "doz",
    "doz": "doz",
    "pr.": "pr",
    "pr": "pr",
    "each": "each",
    "no.": "each",
    "bbl": "bbl",
    "1000": "thousand",
    "gross": "gross",
    "m3": "m3",
    "t": "t",
    "head": "head",
    "pf.liter": "pf_liter",
    "pf. liter": "pf_liter",
    "proof liter": "pf_liter",
    "clean kg": "clean_kg",
    "jewel": "jewel",
    "m2": "m2",
    "m": "m",
    "lin. m": "m",
    "g": "g",
    "article": "each",
    "pack": "pack",
    "thousand": "thousand",
    "1,000": "thousand",
    "1,000 pins": "thousand",
    "line/ gross": "line_gross",
}
#: Units whose quantity a basket's ``quantity`` can give directly (``clean kg``, proof liters and jewels are parts of the goods).
PLAIN_UNITS = frozenset(
    {"kg", "liter", "doz", "pr", "each", "bbl", "thousand", "gross", "m3", "t", "head", "m2", "m", "g", "pack"}
)

#: How people write units in a basket → tariffcalc's unit name.
BASKET_UNITS = {
    **{k.rstrip("."): v for k, v in UNITS.items()},
    "kgs": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "litre": "liter",
    "litres": "liter",
    "liters": "liter",
    "dozen": "doz",
    "pair": "pr",
    "pairs": "pr",
    "prs": "pr",
    "no": "each",
    "pcs": "each",
    "pc": "each",
    "piece": "each",
    "pieces": "each",
    "unit": "each",
    "units": "each",
    "barrel": "bbl",
    "barrels": "bbl",
    "thousand": "thousand",
    "cubic meter": "m3",
    "cubic meters": "m3",
    "tonne": "t",
    "tonnes": "t",
    "metric ton": "t",
}

_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_UNIT = (
    r"kg|liter|doz\.?|pr\.?|each|bbl|1,000 pins|1,?000|thousand|gross|m3|m2|lin\. m|m|g|t|head|pf\.\s?liter|proof liter"
    r"|clean kg|jewel|No\.|article|pack|line/ gross"
)
_AD_VALOREM = re.compile(rf"(?P<n>{_NUMBER})%(?:\s+(?P<basis>(?:on|of)\b.*))?")
_SPECIFIC = re.compile(
    rf"(?P<dollar>\$)?(?P<n>{_NUMBER})(?P<cent>¢)?\s*(?:/\s*|\s+(?:per\s+)?)(?P<unit>{_UNIT})(?:(?:\s+|,\s*|(?=of))(?P<basis>(?:on|of|over|including)\b.*))?",
    re.IGNORECASE,
)
_OTHER = [
    (re.compile(r"(?i)the duty (?:rate )?provided (?:for )?in ?(?:the applicable|such) subheading\b.*"), "reference"),
    (re.compile(r"(?i)the rate (?:of duty )?applicable\b.*"), "reference"),
    (re.compile(r"(?i)a duty (?:\(in lieu of any other duty or tax\) )?equal to the (?:sum of any )?duty\b.*"), "reference"),
    (re.compile(r"(?i)free,? (?:under bond|for such temporary periods)\b.*"), "conditional"),
    (re.compile(r"(?i)see additional u\.s\. notes? \d+.*"), "see_note"),
    (re.compile(r"(?i)no change"), "no_change"),
    (re.compile(r"(?i)a duty upon the (?:full )?value of\b.*"), "partial_value"),
    (re.compile(r"(?i)\d+(?:\.\d+)? percent of the (?:fair retail value|cost of such)\b.*"), "partial_value"),
    (re.compile(r"(?i).*¢/kg less .*for each degree under .*"), "sliding"),
    (re.compile(r"(?i).*\bfor each other piece or part\b.*"), "part_basis"),
]

#: Texts that are not rates tariffcalc can hold, with why (they appear in column 2 of the 2025 HTS).
_MALFORMED = [
    (
        re.compile(r"\d+ \d/\d%"),
        "a percentage with a vulgar fraction (a third of a percent) is not a whole number of millionths: "
        "give the line an mfn_rate",
    ),
    (re.compile(r"\d+(?:\.\d+)?% /"), "a percentage followed by a stray '/' (a typo in the file?): give the line an mfn_rate"),
    (re.compile(r"[:;.,/ ]+"), "punctuation only, not a rate: give the line an mfn_rate"),
]


@dataclass(frozen=True)
class SpecificPart:
    """An amount per unit of quantity, in micro-cents (``1¢`` is ``1_000_000``)."""

    microcents: int
    unit: str
    #: What the quantity is measured on, when not the whole goods (``on drained weight``).
    basis: str = ""


@dataclass(frozen=True)
class ParsedRate:
    text: str
    kind: str
    #: The ad valorem part in millionths (``6.8%`` is ``68_000``); 0 when there is none.
    ad_valorem: int = 0
    specific: tuple[SpecificPart, ...] = ()
    #: Why tariffcalc cannot compute it from a basket line (empty for the computed kinds).
    reason: str = ""

    @property
    def computed(self) -> bool:
        return self.kind in COMPUTED_KINDS

    @property
    def unit(self) -> str:
        """The unit of the (single) specific part, or empty."""
        return self.specific[0].unit if len(self.specific) == 1 else ""

    @property
    def microcents(self) -> int:
        return self.specific[0].microcents if len(self.specific) == 1 else 0


def _microcents(number: str, dollar: bool) -> int:
    """``"1.35"`` dollars or cents as exact micro-cents; more precision than a micro-cent is refused."""
    value = Decimal(number) * (100 if dollar else 1) * 1_000_000
    if value != value.to_integral_value():
        raise ValueError("more precise than a millionth of a cent")
    return int(value)


def _millionths(number: str) -> int:
    value = Decimal(number) * 10_000
    if value != value.to_integral_value():
        raise ValueError("more precise than a ten-thousandth of a percent")
    return int(value)


def normalise_text(text: str) -> str:
    """Spaces collapsed and trimmed; words split by a line-end hyphen (``appli- cable``) joined."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return re.sub(r"(?<=[a-z])- (?=[a-z])", "", text)


def parse_rate_text(text: str) -> ParsedRate:
    """One HTS rate text as a :class:`ParsedRate` (never raises: what it cannot read is ``unparsed``)."""
    clean = normalise_text(text)
    if not clean:
        return ParsedRate(clean, "unparsed", reason="empty")
    if clean.lower() == "free":
        return ParsedRate(clean, "free")
    for pattern, kind in _OTHER:
        if pattern.fullmatch(clean):
            return ParsedRate(clean, kind, reason=OTHER_KINDS[kind])
    for pattern, reason in _MALFORMED:
        if pattern.fullmatch(clean):
            return ParsedRate(clean, "unparsed", reason=reason)
    pieces = [p.strip() for p in re.split(r"\s*\+\s*", clean)]
    ad_valorem, specific, based = [], [], False
    for piece in pieces:
        try:
            if match := _AD_VALOREM.fullmatch(piece):
                ad_valorem.append(_millionths(match["n"]))
                based |= bool(match["basis"])
            elif (match := _SPECIFIC.fullmatch(piece)) and (match["dollar"] or match["cent"]) and not (
                match["dollar"] and match["cent"]
            ):
                unit = UNITS[re.sub(r"\s+", " ", match["unit"].lower())]
                basis = match["basis"] or ""
                specific.append(SpecificPart(_microcents(match["n"], bool(match["dollar"])), unit, basis))
                based |= bool(basis) or unit not in PLAIN_UNITS
            else:
                return ParsedRate(clean, "unparsed", reason=f"{piece!r} is not a percentage or an amount per unit")
        except ValueError as exc:
            return ParsedRate(clean, "unparsed", reason=f"{piece!r} is {exc}")
    if based or len(ad_valorem) > 1 or len(specific) > 1:
        return ParsedRate(
            clean, "part_basis", sum(ad_valorem), tuple(specific), reason=OTHER_KINDS["part_basis"]
        )
    if specific and ad_valorem:
        return ParsedRate(clean, "compound", ad_valorem[0], tuple(specific))
    if specific:
        return ParsedRate(clean, "specific", 0, tuple(specific))
    return ParsedRate(clean, "ad_valorem", ad_valorem[0])


def describe_unit(unit: str) -> str:
    """A unit for people: ``doz`` → ``dozens``."""
    return {
        "kg": "kg",
        "liter": "liters",
        "doz": "dozens",
        "pr": "pairs",
        "each": "units (each)",
        "bbl": "barrels",
        "thousand": "thousands",
        "gross": "gross (144 units)",
        "m3": "cubic meters",
        "t": "metric tons",
        "head": "head",
    }.get(unit, unit)
