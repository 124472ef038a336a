"""One basket, every way it can be written, one answer: a fuzz test with the plain CSV as its oracle.

Hypothesis draws baskets (codes with and without dots, countries by code and by name, values with ``$`` and
thousands separators, optional ``mfn_rate`` and ``entry_date`` columns, now and then an invalid cell) and writes
each in one of the forms the tool reads: CSV with ``,`` ``;`` or tab, LF, CRLF or CR-only line endings, UTF-8
with or without a BOM, cp1252 and UTF-16 (with ``--encoding``), JSON, JSON Lines, YAML, Parquet, and standard
input.  Every form must give the lines and totals of the same basket as plain CSV, or, when the plain CSV is
refused, one clean error: exit 2, nothing on stdout, only ``Error:`` lines.  Never exit 1.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = ["--date", "2025-04-17"]

CODES = ["8703.23.01", "87032301", "8703.23.01.90", "0203.10.05", "02031005", "9503.00.00", "7208.10.15", "8471.30.01"]
BAD_CODES = ["87", "203.10.05", "8703.23.01.901"]
COUNTRIES = ["JP", "JPN", "Japan", "CN", "China", "DE", "Germany", "MX", "CA", "Canada", "NO", "Côte d'Ivoire", "KR", "South Korea", "US"]
BAD_COUNTRIES = ["XX", "Atlantis", "Congo"]
RATES = ["2.5%", "0.025", "Free", "", "0", "10%", "0.1"]
DATES = ["", "2025-03-01", "2025-04-17", "2025-06-10"]
COLUMNS = ["hts_code", "country", "value"]


def money_text(cents: int, style: str) -> str:
    whole, frac = divmod(cents, 100)
    if style == "plain":
        return f"{whole}.{frac:02d}"
    if style == "whole":
        return str(whole)
    return f"${whole:,}.{frac:02d}"


line = st.fixed_dictionaries(
    {
        "hts_code": st.sampled_from(CODES),
        "country": st.sampled_from(COUNTRIES),
        "value": st.builds(money_text, st.integers(0, 10**9), st.sampled_from(["plain", "whole", "grouped"])),
        "mfn_rate": st.sampled_from(RATES),
        "entry_date": st.sampled_from(DATES),
    }
)


@st.composite
def baskets(draw):
    lines = draw(st.lists(line, min_size=1, max_size=6))
    # Mostly valid: an invalid cell in about one basket in five.
    if draw(st.integers(0, 4)) == 0:
        row = draw(st.integers(0, len(lines) - 1))
        column, bad = draw(
            st.sampled_from(
                [("hts_code", b) for b in BAD_CODES] + [("country", c) for c in BAD_COUNTRIES] + [("value", "abc"), ("value", "-5")]
            )
        )
        lines[row] = {**lines[row], column: bad}
    columns = COLUMNS + [c for c in ("mfn_rate", "entry_date") if draw(st.booleans())]
    return columns, [{c: ln[c] for c in columns} for ln in lines]


def csv_text(columns, rows, delimiter=",", end="\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=end)
    writer.writerow(columns)
    writer.writerows([[row[c] for c in columns] for row in rows])
    return out.getvalue()


def yaml_scalar(text: str) -> str:
    """A plain scalar where YAML allows one (so YAML 1.1 typing would bite), else a double-quoted one."""
    if text and all(ch.isalnum() or ch in ".$,-' " for ch in text) and not text[0] in "-'" and text.strip() == text:
        return text
    return json.dumps(text)


def parquet_bytes(columns, rows) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: pa.array([row[c] for row in rows], type=pa.string()) for c in columns})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def written(form: str, columns, rows) -> tuple[str, bytes, list[str]]:
    """``(file name, bytes, extra options)`` of the basket in ``form``."""
    if form.startswith("csv"):
        _, delimiter, end, encoding = form.split(":")
        delimiter = {"comma": ",", "semicolon": ";", "tab": "\t"}[delimiter]
        end = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}[end]
        text = csv_text(columns, rows, delimiter, end)
        options = ["--encoding", encoding] if encoding in ("cp1252", "utf-16") else []
        return "b.csv", text.encode(encoding), options
    if form == "json":
        return "b.json", json.dumps(rows, ensure_ascii=False, indent=1).encode(), []
    if form == "jsonl":
        return "b.jsonl", "".join(json.dumps(row) + "\n" for row in rows).encode(), []
    if form == "yaml":
        text = "".join(
            "".join(f"{'- ' if i == 0 else '  '}{c}: {yaml_scalar(row[c])}\n" for i, c in enumerate(columns)) for row in rows
        )
        return "b.yaml", text.encode(), []
    if form == "parquet":
        return "b.parquet", parquet_bytes(columns, rows), []
    raise AssertionError(form)


FORMS = [
    f"csv:{d}:{e}:{enc}"
    for d in ("comma", "semicolon", "tab")
    for e in ("lf", "crlf", "cr")
    for enc in ("utf-8", "utf-8-sig", "cp1252", "utf-16")
] + ["json", "jsonl", "yaml", "parquet", "stdin"]

COMPARED = ("line", "hts_code", "country", "date", "value", "mfn_rate", "mfn_duty", "measures", "additional_duty", "total_duty")


def outcome(run):
    """The parts of a run that every form must agree on: the lines and totals, or that it was refused."""
    assert run.exit_code != 1 and "Traceback" not in run.stderr, run
    if run.exit_code == 2:
        assert run.stdout == "", run
        assert run.stderr and all(line.startswith("Error: ") for line in run.stderr.splitlines()), run
        return "refused", len(run.stderr.splitlines())
    assert run.exit_code == 0, run
    doc = run.json()
    lines = [{k: line.get(k) for k in COMPARED} for line in doc["lines"]]
    return lines, doc["totals"]


def same_answer(tariffcalc, write, columns, rows, form: str) -> None:
    plain = write("plain.csv", csv_text(columns, rows))
    expected = outcome(tariffcalc("estimate", plain, *DAY, "--format", "json", "--hts", "none"))
    if form == "stdin":
        run = tariffcalc("estimate", "-", *DAY, "--format", "json", "--hts", "none", input=csv_text(columns, rows).encode())
    else:
        name, data, options = written(form, columns, rows)
        run = tariffcalc("estimate", write(name, data), *DAY, "--format", "json", "--hts", "none", *options)
    assert outcome(run) == expected, form


TRICKY = (
    COLUMNS + ["mfn_rate", "entry_date"],
    [
        {"hts_code": "0203.10.05", "country": "NO", "value": "$10,000,000.00", "mfn_rate": "2.5%", "entry_date": "2025-03-01"},
        {"hts_code": "87032301", "country": "Côte d'Ivoire", "value": "30000", "mfn_rate": "", "entry_date": ""},
        {"hts_code": "8703.23.01.90", "country": "JPN", "value": "1234.56", "mfn_rate": "Free", "entry_date": "2025-06-10"},
        {"hts_code": "7208.10.15", "country": "US", "value": "0.10", "mfn_rate": "0.025", "entry_date": "2025-04-17"},
    ],
)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_one_basket_gives_the_same_answer(tariffcalc, write, form):
    columns, rows = TRICKY
    same_answer(tariffcalc, write, columns, rows, form)
    if not form.startswith(("csv:semicolon", "csv:tab")):  # (the delimiter does not change what is refused; time)
        bad = [dict(rows[0]), {**rows[1], "country": "Congo"}, {**rows[2], "value": "abc"}]
        same_answer(tariffcalc, write, columns, bad, form)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(basket=baskets(), form=st.sampled_from(FORMS))
def test_every_form_of_a_basket_gives_the_same_answer(tariffcalc, write, basket, form):
    columns, rows = basket
    same_answer(tariffcalc, write, columns, rows, form)
