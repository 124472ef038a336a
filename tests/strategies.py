"""Hypothesis strategies for the reference tests: small generated schedules, and baskets for them.

A schedule is built as the dict a YAML file would give (dates as ``datetime.date``,
rates as text such as ``"15% total"``), then validated by ``schedule_from_document``
like any schedule.  Codes, countries and dates come from small pools so that
prefixes, groups and turning days are hit often.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

FIRST = dt.date(2025, 1, 1)
LAST = dt.date(2026, 12, 31)
SPAN = (LAST - FIRST).days
AUTH = {"document": "Generated order", "citation": "1 FR 1", "date": dt.date(2024, 12, 1)}

COUNTRIES = ["JP", "CN", "DE", "FR", "VN", "CA", "MX", "GB", "BR", "IN"]
#: Disjoint groups, so that "a country's group" is never two groups.
GROUPS = {"EU": ["DE", "FR"], "SEA": ["VN", "IN"]}
NAMES = COUNTRIES + list(GROUPS)
LINE_COUNTRIES = COUNTRIES + ["US", "CH"]

PRODUCT_GROUPS = {"metals": ["72", "7301.10"], "medicines": ["3004"], "aircraft": ["8802.40", "8411"]}
PREFIXES = ["72", "7208", "7208.51", "7301.10", "87", "8703", "8703.23.01", "8703.23.01.90", "3004", "9503",
            "88", "8802.40", "94", "8479.89.94", "0901", "8411.91"]
SCOPE_ITEMS = PREFIXES + list(PRODUCT_GROUPS)
#: Line codes: 8 and 10 digits mostly, so that every prefix above either matches or not; a few 4- and 6-digit
#: codes, less specific than some prefixes (rule 4: not guessed).
LINE_CODES = ["7208510000", "72085100", "73011000", "7301100010", "87032301", "8703230190", "8703230110",
              "87089900", "30049092", "3004909200", "95030000", "94036080", "88024000", "8802400010",
              "84798994", "09011100", "84119190", "8411919000", "61091000"]
SHORT_CODES = ["8703", "720851", "8802", "9403"]

RATES = ["10%", "25%", "0%", "7.5%", "0.125", "15% total", "10% total", "50%", "100% total", "2.5%", "0.333333"]
ENUM_VALUES = ["alpha", "beta", "gamma"]
BASKET_FIELDS = {
    "flag": {"type": "bool", "description": "a yes/no the importer declares"},
    "kind": {"type": "enum", "values": ENUM_VALUES},
    "loaded_on": {"type": "date"},
    "steel_value": {"type": "amount", "at_most": "value"},
    "us_content": {"type": "amount", "at_most": "value"},
}


def day_at(offset: int) -> dt.date:
    return FIRST + dt.timedelta(days=offset)


days = st.integers(0, SPAN).map(day_at)
rates = st.sampled_from(RATES)


#: Days that many generated dates share (as real schedules share the days of a few orders), and the days next
#: to them: so that one rule ends the day before, or the day, another starts.
ANCHORS = sorted({a + dt.timedelta(days=k) for a in (dt.date(2025, 3, 4), dt.date(2025, 4, 9), dt.date(2025, 8, 7),
                                                    dt.date(2026, 2, 24)) for k in (-1, 0, 1)})


@st.composite
def later_day(draw, start: dt.date, most: int = 400) -> dt.date:
    """A day from start to start + most (at most a month after LAST); often one of the ANCHORS."""
    anchors = [a for a in ANCHORS if start <= a <= start + dt.timedelta(days=most)]
    if anchors and draw(st.booleans()):
        return draw(st.sampled_from(anchors))
    return min(LAST + dt.timedelta(days=30), start + dt.timedelta(days=draw(st.integers(0, most))))


def subset(names, low=1, high=3):
    return st.lists(st.sampled_from(names), min_size=low, max_size=high, unique=True)


@st.composite
def measure(draw, index: int, may_yield_to: list[str]) -> dict:
    start = draw(days | st.sampled_from(ANCHORS) | st.just(FIRST))
    m: dict = {"id": f"m{index}", "name": f"Measure {index}", "authority": AUTH, "from": start}
    through = draw(st.none() | later_day(start))
    if through is not None:
        m["through"] = through
    if draw(st.integers(0, 4)) == 0:
        ended = start + dt.timedelta(days=draw(st.integers(1, 500)))
        m["ended"] = {"from": ended, "authority": AUTH}
        if through is not None and through >= ended:
            del m["through"]
    last = m.get("through")

    kind = draw(st.sampled_from(["all", "all_except", "list", "none"]))
    if kind == "all":
        m["countries"], keys = "all", NAMES
    elif kind == "all_except":
        # Rates only for countries not excepted: the engine does not cover an excepted country named in rates
        # (README rule 2 says it is covered; see test_reference.py, the KNOWN_DEFECT test).
        excepted = draw(subset(NAMES))
        m["countries"] = {"all_except": excepted}
        gone = {c for name in excepted for c in GROUPS.get(name, [name])}
        keys = [n for n in NAMES if not gone & set(GROUPS.get(n, [n]))]
    elif kind == "list":
        listed = draw(subset(NAMES, 1, 4))
        m["countries"] = listed
        keys = sorted(set(listed) | {c for g in listed if g in GROUPS for c in GROUPS[g]})
    else:
        keys = NAMES
    rate_keys = draw(subset(keys, 1 if kind == "none" else 0, 3))
    if rate_keys:
        m["rates"] = {k: draw(rates) for k in rate_keys}
    if draw(st.booleans()) or (kind != "none" and not rate_keys):
        m["rate"] = draw(rates)
    change_keys = rate_keys if kind == "none" else keys  # a change does not widen a rates-only measure

    previous = start
    for _ in range(draw(st.integers(0, 2))):
        when = draw(later_day(previous, 300))
        if last is not None and when > last:
            break
        change: dict = {"from": when, "authority": AUTH}
        what = draw(st.sampled_from(["rate", "rates", "both"] if change_keys else ["rate"]))
        if what in ("rate", "both"):
            change["rate"] = draw(rates)
        if what in ("rates", "both"):
            change["rates"] = {k: draw(rates) for k in draw(subset(change_keys, 1, 2))}
        m.setdefault("changes", []).append(change)
        previous = when

    pauses = []
    shape = draw(st.sampled_from(["none", "none", "one", "two-countries", "two-any"]))
    if shape == "one":
        pauses.append(draw(pause(start, draw(st.none() | subset(COUNTRIES, 1, 3)))))
    elif shape == "two-countries":  # overlapping pauses of different countries: the former defect
        first = draw(subset(COUNTRIES, 1, 2))
        second = draw(subset([c for c in COUNTRIES if c not in first], 1, 2))
        a = draw(pause(start, first))
        b = draw(pause(a["from"], second, near=True))
        pauses += [a, b]
    elif shape == "two-any":
        a = draw(pause(start, draw(st.none() | subset(COUNTRIES, 1, 2)), closed=True))
        pauses.append(a)
        if a["through"] < LAST:  # one after the other
            pauses.append(draw(pause(a["through"] + dt.timedelta(days=1), draw(st.none() | subset(COUNTRIES, 1, 2)))))
    if pauses:
        m["pauses"] = pauses

    products: dict = {}
    if draw(st.booleans()):
        products["include"] = draw(subset(SCOPE_ITEMS, 1, 2))
    if draw(st.integers(0, 2)) == 0:
        products["exclude"] = draw(subset(SCOPE_ITEMS, 1, 1))
    if products:
        m["products"] = products

    exceptions = []
    for _ in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):
        e: dict = {"countries": draw(st.just("all") | subset(NAMES, 1, 2)), "products": draw(subset(SCOPE_ITEMS, 1, 2))}
        effect = draw(st.sampled_from([None, "exempt", "zero"]))
        if effect:
            e["effect"] = effect
        e.update(draw(window(start)))
        exceptions.append(e)
    if exceptions:
        m["exceptions"] = exceptions

    conditions = [draw(condition(start)) for _ in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0)]
    if conditions:
        m["conditions"] = conditions

    basis = draw(st.sampled_from(["value", "value", "content", "less", "less-share"]))
    if basis == "content":
        m["basis"] = {"content": "steel_value"}
    elif basis == "less":
        m["basis"] = {"less": "us_content"}
    elif basis == "less-share":
        m["basis"] = {"less": "us_content", "min_share": draw(st.sampled_from(["20%", "0.5", "1%"]))}

    rules = []
    for other in may_yield_to:
        if draw(st.integers(0, 2)) == 0:
            rule: dict = {"measure": other}
            rule.update(draw(yield_window()))
            if draw(st.booleans()):
                rule["portion"] = draw(st.sampled_from(["all", "basis", "basis"]))
            rules.append(other if set(rule) == {"measure"} and draw(st.booleans()) else rule)
    if rules:
        m["yields_to"] = rules
    return m


@st.composite
def window(draw, start: dt.date, keys=("from", "through")) -> dict:
    """An optional from and an optional through (from ≤ through)."""
    out = {}
    begin = draw(st.none() | later_day(start - dt.timedelta(days=60), 400))
    if begin is not None:
        out[keys[0]] = begin
    if draw(st.booleans()):
        out[keys[1]] = draw(later_day(begin or start, 300))
    return out


CORE_ANCHORS = ANCHORS[1::3]  # the four days themselves


@st.composite
def yield_window(draw) -> dict:
    """A stacking rule's days: often one of a few shared days, so that one rule ends where another starts."""
    out = {}
    begin = draw(st.none() | st.none() | st.sampled_from(CORE_ANCHORS) | days)
    if begin is not None:
        out["from"] = begin
    end = draw(st.none() | st.none() | st.none() | st.sampled_from(CORE_ANCHORS) | st.sampled_from(ANCHORS) | days)
    if end is not None and (begin is None or begin <= end):
        out["through"] = end
    return out


@st.composite
def pause(draw, start: dt.date, countries: list[str] | None, near: bool = False, closed: bool = False) -> dict:
    begin = draw(later_day(start, 20 if near else 400))
    p: dict = {"from": begin, "authority": AUTH}
    if closed or draw(st.integers(0, 3)):
        p["through"] = draw(later_day(begin, 120))
    if draw(st.booleans()):
        p["rate"] = draw(rates)
    if countries is not None:
        p["countries"] = countries
    return p


@st.composite
def condition(draw, start: dt.date) -> dict:
    field = draw(st.sampled_from(["flag", "kind", "loaded_on"]))
    c: dict = {"field": field, "effect": draw(st.sampled_from(["exempt", "require", "zero"]))}
    if field == "flag":
        c["is"] = draw(st.booleans())
    elif field == "kind":
        c["in"] = draw(subset(ENUM_VALUES, 1, 2))
    else:
        c["before"] = draw(later_day(start - dt.timedelta(days=30), 300))
        if draw(st.booleans()):
            c["entered_before"] = draw(later_day(c["before"], 90))
    c.update(draw(window(start)))
    if draw(st.integers(0, 2)) == 0:
        c["products"] = draw(subset(SCOPE_ITEMS, 1, 2))
    if draw(st.integers(0, 2)) == 0:
        c["countries"] = draw(subset(NAMES, 1, 2))
    return c


@st.composite
def schedule_dicts(draw) -> dict:
    n = draw(st.integers(2, 6))
    order = draw(st.permutations(range(n)))  # measure order[k] may yield only to order[:k]
    rank = {index: k for k, index in enumerate(order)}
    measures = [draw(measure(i, [f"m{j}" for j in range(n) if rank[j] < rank[i]])) for i in range(n)]
    return {
        "schedule": {"id": "gen", "name": "Generated", "covers": {"from": FIRST, "through": LAST}},
        "basket_fields": BASKET_FIELDS,
        "country_groups": {name: {"name": name, "members": members} for name, members in GROUPS.items()},
        "product_groups": {name: {"name": name, "authority": AUTH, "hts": codes} for name, codes in PRODUCT_GROUPS.items()},
        "measures": measures,
    }


# -- lines ---------------------------------------------------------------------------------------------------------

values = st.one_of(st.just(0), st.integers(1, 300), st.integers(0, 10**6), st.integers(0, 10**10))
mfn_rates = st.sampled_from([0, 0, 25_000, 65_000, 150_000, 200_000, 1, 333_333])


MIN_SHARES = [200_000, 500_000, 10_000]  # the min_share values of the generated bases, in millionths


def share_edges(value: int) -> list[int]:
    """Amounts at the edges of each min_share: exactly the share of the value, and a cent under it.

    A cent under is left out where the engine's known defect would take it for the share (the share rounded to
    millionths first; see test_KNOWN_DEFECT_min_share_is_compared_after_rounding in test_reference.py): remove
    that filter once the engine is fixed.
    """
    edges = set()
    for share in MIN_SHARES:
        at = -(-share * value // 1_000_000)  # the least amount of at least the share
        edges.add(at)
        under = at - 1
        if under >= 0 and value and (2 * under * 1_000_000 + value) // (2 * value) < share:
            edges.add(under)
    return sorted(e for e in edges if 0 <= e <= value)


@st.composite
def fields(draw, value: int) -> dict:
    """Typed declared field values (None: an empty cell)."""
    def amount():
        return st.none() | st.just(value) | st.just(0) | st.integers(0, value) | st.sampled_from(share_edges(value))

    return {
        "flag": draw(st.sampled_from([None, True, False])),
        "kind": draw(st.sampled_from([None] + ENUM_VALUES)),
        "loaded_on": draw(st.none() | days),
        "steel_value": draw(amount()),
        "us_content": draw(amount()),
    }


def _expand_names(names) -> list[str]:
    return sorted({c for name in names for c in GROUPS.get(name, [name])})


def _codes_in(items) -> list[str]:
    prefixes = {p.replace(".", "") for item in items for p in PRODUCT_GROUPS.get(item, [item])}
    return [code for code in LINE_CODES if any(code.startswith(p) for p in prefixes)]


def aims(schedule_dict: dict) -> list[tuple[list[str], list[str], dt.date, dt.date]]:
    """Per measure: the codes of its include list, the countries it names, and its first and last day."""
    out = []
    for m in schedule_dict["measures"]:
        include = m.get("products", {}).get("include")
        codes = _codes_in(include) if include else LINE_CODES
        countries = m.get("countries")
        named = _expand_names(countries) if isinstance(countries, list) else _expand_names(m.get("rates", {})) if countries is None else LINE_COUNTRIES
        last = min([d for d in (m.get("through"), m["ended"]["from"] - dt.timedelta(days=1) if "ended" in m else None) if d] or [LAST])
        out.append((codes or LINE_CODES, named or LINE_COUNTRIES, m["from"], max(last, m["from"])))
    # And per stacking rule: the codes, countries and days both measures share, while the rule holds.
    by_id = {m["id"]: aim for m, aim in zip(schedule_dict["measures"], list(out))}
    for m in schedule_dict["measures"]:
        for rule in m.get("yields_to", []):
            rule = rule if isinstance(rule, dict) else {"measure": rule}
            (codes_a, named_a, first_a, last_a), (codes_b, named_b, first_b, last_b) = by_id[m["id"]], by_id[rule["measure"]]
            first = max(first_a, first_b, rule.get("from", first_a))
            last = min(last_a, last_b, rule.get("through", last_a))
            codes = sorted(set(codes_a) & set(codes_b))
            named = sorted(set(named_a) & set(named_b))
            if first <= last and codes and named:
                out.append((codes, named, first, last))
    return out


@st.composite
def line(draw, turning_days: list[dt.date], aimed=None, field_strategy=fields) -> dict:
    """A line: mostly aimed at one measure (one of its codes and countries, a day it is in force), else at random."""
    value = draw(values)
    if aimed and draw(st.integers(0, 3)):
        codes, countries, first, last = draw(st.sampled_from(aimed))
        code = draw(st.sampled_from(codes))
        country = draw(st.sampled_from(countries) | st.sampled_from(LINE_COUNTRIES))
        day = draw(st.integers(0, (last - first).days).map(lambda n: first + dt.timedelta(days=n))
                   | st.sampled_from([d for d in turning_days if first <= d <= last] or [first]))
    else:
        code = draw(st.sampled_from(LINE_CODES) if draw(st.integers(0, 9)) else st.sampled_from(SHORT_CODES))
        country = draw(st.sampled_from(LINE_COUNTRIES))
        day = draw(st.sampled_from(turning_days) | days) if turning_days else draw(days)
    return {
        "hts": code,
        "country": country,
        "value_cents": value,
        "mfn_micro": draw(mfn_rates),
        "mfn_specific_cents": draw(st.sampled_from([0, 0, 0, 1, 7, 250, 12_345])),
        "fields": draw(field_strategy(value)),
        "date": day,
    }


def turning_days(schedule_dict: dict) -> list[dt.date]:
    """Every date the schedule names, the day after, and the day before."""
    found = set()

    def walk(node, key=None):
        if isinstance(node, dt.date):
            found.add(node)
            if key == "through":
                found.add(node + dt.timedelta(days=1))
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(schedule_dict.get("measures", []))
    out = set()
    for day in found:
        out |= {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
    return sorted(d for d in out if dt.date(2024, 12, 1) <= d <= dt.date(2027, 1, 31))


def stacking_days(schedule_dict: dict) -> list[dt.date]:
    """The days the stacking rules start and end on (and the day after each end): where two rules may meet."""
    found = set()
    for m in schedule_dict["measures"]:
        for rule in m.get("yields_to", []):
            if isinstance(rule, dict):
                if "from" in rule:
                    found |= {rule["from"], rule["from"] - dt.timedelta(days=1)}
                if "through" in rule:
                    found |= {rule["through"], rule["through"] + dt.timedelta(days=1)}
    return sorted(found)


@st.composite
def baskets(draw, schedule_dict: dict) -> list[dict]:
    """1 to 30 lines for a generated schedule (the size drawn first, so that long baskets are common)."""
    size = draw(st.integers(1, 30))
    turning, aimed = turning_days(schedule_dict), aims(schedule_dict)
    return draw(st.lists(line(turning, aimed), min_size=size, max_size=size))
