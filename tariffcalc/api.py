"""The Python API: every command of the ``tariffcalc`` CLI as a function that returns a typed result.

Each function computes what its command computes, through the same code (the
command calls the ``*_run`` helpers below and writes with the same writers),
so ``result.to_dict()`` is exactly the command's ``--format json`` document::

    >>> import tariffcalc
    >>> result = tariffcalc.estimate("data/examples/seed-japan.csv", date="2025-04-17")
    >>> result.totals["total_duty"]
    '8350.00'
    >>> list(result.lines["total_duty"])
    ['8250.00', '100.00', '0.00']

A basket is a path (CSV, JSON, JSON Lines, YAML or Parquet), a pandas
DataFrame with the basket's columns, or an iterable of dicts (one per line).
Money and rates in results are decimal strings exactly as the CLI writes them
(``"8250.00"``, ``"0.275"``): ``decimal.Decimal(text)`` gives an exact number,
and no amount ever passes through a binary float.  Problems with the input
raise :class:`tariffcalc.errors.InputError`, one :class:`~tariffcalc.errors.Problem`
per thing wrong; the notes a person would see on stderr are in ``result.notes``.

Importing this module is cheap: pandas and the engine are imported on the first call.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, cast

from .errors import InputError, Problem
from .paths import DEFAULT_SCHEDULE

if TYPE_CHECKING:
    import pandas as pd

    from .analysis.compare import ChunkedComparison, State
    from .analysis.timeline import Timeline
    from .engine.estimating import EstimateRun
    from .goods.chunks import CheckedChunks
    from .hts.official import OfficialHts
    from .law.model import Schedule
    from .output.refund import RefundReport

__all__ = [
    "BasketLike",
    "DateLike",
    "CompareResult",
    "EstimateResult",
    "RatesResult",
    "RefundResult",
    "TimelineResult",
    "compare",
    "estimate",
    "rates",
    "refund",
    "timeline",
]

#: What the functions accept as a basket: a path, a pandas DataFrame, or an iterable of dicts.
BasketLike = Union[str, "os.PathLike[str]", "pd.DataFrame", Iterable[Mapping[str, Any]]]
#: A date, or its ISO text ``"YYYY-MM-DD"``.
DateLike = Union[dt.date, str]

#: The state of ``compare`` with no scenario.
BASELINE = "baseline"


# --- shared by the library and the CLI ---------------------------------------------------------------


def schedule_state(schedule: str | Path = DEFAULT_SCHEDULE, scenarios: Sequence[str] = (), sets: Sequence[str] = ()) -> Schedule:
    """The schedule (a shipped name or a path) with the scenarios and ``--set`` changes applied, in order."""
    from .law.load import load_schedule
    from .law.scenario import apply_scenarios, load_scenario, set_scenario

    layers = [load_scenario(name) for name in scenarios]
    if sets:
        layers.append(set_scenario(list(sets)))
    return apply_scenarios(str(schedule), layers) if layers else load_schedule(schedule)


def estimate_run(
    basket: str | Path,
    *,
    date: dt.date,
    schedule: str | Path = DEFAULT_SCHEDULE,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    hts: str | None = None,
    fees: bool = False,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int | None = None,
    skip_invalid: bool = False,
    engine: str = "pandas",
    tell: Callable[[str], None] | None = None,
) -> EstimateRun:
    """The run ``tariffcalc estimate`` writes (see :func:`tariffcalc.engine.estimating.run_estimate`)."""
    from .defaults import DEFAULT_CHUNK_SIZE
    from .engine.estimating import run_estimate

    return run_estimate(
        basket,
        schedule_state(schedule, scenarios, sets),
        date,
        input_format=input_format,
        encoding=encoding,
        decimal_comma=decimal_comma,
        chunk_size=chunk_size or DEFAULT_CHUNK_SIZE,
        skip_invalid=skip_invalid,
        hts=hts,
        fees=fees,
        engine="dask" if engine == "dask" else "pandas",
        tell=tell,
    )


def build_states(
    schedule: str | Path, scenarios: Sequence[str], dates: Sequence[dt.date], sets: Sequence[str] = ()
) -> list[State]:
    """``compare``'s states, one per column: scenarios and dates pair up; a single one of either applies to every column."""
    from .analysis.compare import State

    scenarios = list(scenarios) or [BASELINE]
    dates = list(dates) or [dt.date.today()]
    if len(scenarios) > 1 and len(dates) > 1 and len(scenarios) != len(dates):
        raise InputError(
            Problem(
                "--scenario/--date",
                f"{len(scenarios)} scenarios and {len(dates)} dates: give one of each per column, "
                "or a single one of either for every column",
            )
        )
    columns = max(len(scenarios), len(dates))
    if columns < 2:
        raise InputError(
            Problem("compare", "needs at least two states: repeat --scenario (e.g. --scenario baseline --scenario "
                    "pause-ends) or --date")
        )
    scenarios = scenarios * columns if len(scenarios) == 1 else scenarios
    dates = dates * columns if len(dates) == 1 else dates
    states = []
    for name, day in zip(scenarios, dates):
        layers = [] if name == BASELINE else [part for part in name.split("+") if part]
        label = name if len(set(dates)) == 1 else day.isoformat() if len(set(scenarios)) == 1 else f"{name}@{day}"
        states.append(State(label, tuple(layers), day, schedule_state(schedule, layers, sets)))
    return states


def checked_chunks(
    basket: str | Path,
    official: OfficialHts,
    *,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    chunk_size: int | None = None,
    skip_invalid: bool = False,
) -> CheckedChunks:
    """The basket's chunks, with the official HTS's MFN rates, checked (InputError at the end unless ``skip_invalid``)."""
    from .defaults import DEFAULT_CHUNK_SIZE
    from .goods.chunks import CheckedChunks, basket_chunks
    from .goods.read_ahead import read_ahead

    chunks = read_ahead(basket_chunks(basket, cast(Any, input_format), encoding, decimal_comma, chunk_size or DEFAULT_CHUNK_SIZE))
    return CheckedChunks(official.chunks(chunks), skip_invalid)


def country_code(text: str, where: str = "country") -> str:
    """A country's code or English name as its alpha-2 code; InputError with suggestions otherwise."""
    from .countries import resolve, suggest

    code = resolve(text)
    if code is None:
        hints = suggest(text)
        hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
        raise InputError(Problem(where, f"{text!r} is not a country tariffcalc knows{hint}"))
    return code


def hts_code_digits(text: str, where: str = "hts_code") -> str:
    """An HTS code of 4 to 10 digits (dots allowed) as its digits; InputError otherwise."""
    import pandas as pd

    from .hts_codes import normalise_codes

    digits, reason = normalise_codes(pd.Series([text]))
    if reason.iloc[0]:
        raise InputError(Problem(where, f"{text!r} {reason.iloc[0]}"))
    return str(digits.iloc[0])


def rates_document(
    schedule: Schedule, day: dt.date, country: str | None, hts_code: str | None, usmca: bool, auto_part: bool | None
) -> tuple[list[Any], dict[str, Any]]:
    """``rates``: the explanations and the JSON document (``{"date", "schedule", "measures"}``)."""
    from .analysis.explain import explain
    from .money import format_rate

    if country is None and hts_code is None:
        raise InputError(Problem("rates", "give --country, --hts or both"))
    explanations = explain(schedule, day, country, hts_code, usmca, auto_part)
    rows = [
        {
            "id": e.measure.id,
            "name": e.measure.name,
            "applied": e.applied,
            "rate": format_rate(e.rate) if e.rate is not None else None,
            "reason": e.reason,
            "authority": e.authority.as_json(),
            "confidence": e.confidence,
            "sources": list(e.measure.sources),
        }
        for e in explanations
    ]
    return explanations, {"date": day.isoformat(), "schedule": schedule.id, "measures": rows}


def refund_report(
    history: str | Path,
    *,
    as_of: dt.date,
    schedule: str | Path = DEFAULT_SCHEDULE,
    interest: str | None = None,
    interest_rates: Path | None = None,
    hts: str | None = None,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    chunk_size: int | None = None,
    with_lines: bool = True,
    tell: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    name: str | None = None,
) -> tuple[RefundReport, Any, Any]:
    """``refund``: the report, the classified entries and the CAPE rules; warnings go into the report.

    ``with_lines`` keeps every entry's lines (what JSON shows); ``tell`` receives the notes, and
    ``warn`` the warning that the history has no lines (which is not in the report).
    """
    from .analysis.interest import load_interest_rates
    from .analysis.refund import classify, load_cape_rules
    from .engine.compile import CompiledSchedule
    from .hts.official import OfficialHts
    from .output.refund import RefundReport

    tell = tell or (lambda text: None)
    basis = cast(Any, interest or "non-corporate")
    rates_table = load_interest_rates(interest_rates)
    rules = load_cape_rules()
    loaded = schedule_state(schedule)
    official = OfficialHts(hts, as_of, tell=tell)
    chunks = checked_chunks(history, official, input_format=input_format, encoding=encoding, chunk_size=chunk_size)
    entries, lines, found, notices, defaulted = collect(chunks, CompiledSchedule.of(loaded), as_of, with_lines=with_lines)
    classified = classify(entries, as_of, basis, rates_table, rules)
    if chunks.lines == 0 and warn is not None:
        warn(f"{name or history} has no lines")
    warnings: list[str] = []
    if interest is None:
        tell(BASIS_NOTE)
    if defaulted:
        tell(f"deposit_date is empty on {defaulted:,} line(s): the entry date is taken as the day the duty was deposited")
    warnings += [n.text for n in official.take_notices()] + [n.text for n in notices]
    warnings += [_borrowed_text(rates_table, quarter) for quarter in sorted(classified.borrowed_quarters)]
    differences, more_differences = found
    warnings += [text for text, _ in differences[:MAX_PROBLEMS_SHOWN]]
    more_differences += len(differences[MAX_PROBLEMS_SHOWN:])
    if more_differences:
        warnings.append(f"... and {more_differences:,} more lines whose ieepa_paid differs from the computed IEEPA duty")
    report = RefundReport(classified, loaded.id, lines, [record for _, record in differences], warnings)
    return report, classified, rules


#: What ``refund`` says when ``interest`` is not given.
BASIS_NOTE = "interest at the non-corporate overpayment rate (26 U.S.C. 6621(a)(1)); --interest corporate for a corporation"

#: The most ``ieepa_paid`` differences listed as warnings; the count of the rest follows.
MAX_PROBLEMS_SHOWN = 1000


def collect(chunks, compiled, as_of: dt.date, with_lines: bool):
    """Per-entry sums over the chunks (and the line objects when ``with_lines``), the differences, the notices.

    Problems of the history are gathered over every chunk and raised together at the end.
    """
    from .analysis.refund import RefundLines, combine, entries_disagree, read_history
    from .engine.calculate import estimate
    from .engine.result import ordered_notices
    from .errors import InputError
    from .notices import merge
    from .output.refund import LineRecords

    entries = None
    lines: dict[str, list[str]] | None = {} if with_lines else None
    differences: list[tuple[str, dict]] = []
    more_differences = 0  # beyond MAX_PROBLEMS_SHOWN, counted only (unless JSON, which lists them all)
    notices: dict = {}
    problems = []
    defaulted = 0
    first_line = 1
    for basket in chunks:
        try:
            refund_lines = RefundLines.of(basket, estimate(basket, compiled, as_of, use_entry_dates=True))
        except InputError as exc:
            found = list(exc.problems)
            try:
                read_history(basket)
            except InputError as more:
                found += [p for p in more.problems if p not in found]
            problems += found
            first_line += len(basket)
            continue
        merge(notices, refund_lines.estimate.notices)
        defaulted += int(refund_lines.history.deposit_defaulted.sum())
        records = LineRecords(refund_lines)
        differing = records.differences(first_line)
        keep = len(differing) if with_lines else max(0, MAX_PROBLEMS_SHOWN - len(differences))
        differences += differing[:keep]
        more_differences += len(differing[keep:])
        if lines is not None:
            for number, record in records.objects(first_line):
                lines.setdefault(number, []).append(record)
        part = refund_lines.per_entry()
        if entries is not None:
            history = refund_lines.history
            problems += entries_disagree(basket, history.entry_number, history.entry_date, history.liquidation_date, entries)
        entries = combine([part] if entries is None else [entries, part])
        first_line += len(basket)
    if problems:
        raise InputError(problems)
    entries = entries if entries is not None else combine([])
    return entries, lines, (differences, more_differences), ordered_notices(notices.values(), compiled.schedule), defaulted


def _borrowed_text(rates, quarter: str) -> str:
    earlier = [q for q in rates.quarters if q.quarter < quarter] or rates.quarters[:1]
    used = max(earlier, key=lambda q: q.quarter).quarter
    return f"no interest rate is known for {quarter}: the rate of {used} is used"


# --- the library ---------------------------------------------------------------------------------------


def _day(value: DateLike | None, what: str) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(Problem(what, f"{value!r} is not a date (expected YYYY-MM-DD)")) from None


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class _Source:
    path: str
    input_format: str | None
    #: How messages and JSON name the basket ("<DataFrame>", "<records>"), or None for a file.
    label: str | None


@contextmanager
def _source(basket: BasketLike) -> Iterator[_Source]:
    """The basket as a file the readers take: a path as it is; a DataFrame or dicts written to a temporary file.

    Problems found in a temporary file are reported against ``<DataFrame>`` or ``<records>``, row by row.
    """
    if isinstance(basket, (str, os.PathLike)):
        yield _Source(os.fspath(basket), None, None)
        return
    with tempfile.TemporaryDirectory(prefix="tariffcalc-") as folder:
        if hasattr(basket, "to_csv") and hasattr(basket, "columns"):
            label, path, fmt = "<DataFrame>", Path(folder) / "basket.csv", "csv"
            frame = cast("pd.DataFrame", basket)
            frame.astype(object).where(frame.notna(), "").to_csv(path, index=False, lineterminator="\n")
        elif isinstance(basket, Iterable):
            label, path, fmt = "<records>", Path(folder) / "basket.jsonl", "jsonl"
            with open(path, "w", encoding="utf-8") as stream:
                for record in basket:
                    if not isinstance(record, Mapping):
                        raise TypeError(f"a basket of records holds dicts, found {type(record).__name__}")
                    stream.write(json.dumps(dict(record), default=str, ensure_ascii=False) + "\n")
        else:
            raise TypeError(f"a basket is a path, a pandas DataFrame or an iterable of dicts, not {type(basket).__name__}")
        try:
            yield _Source(str(path), fmt, label)
        except InputError as exc:
            raise InputError([_relabel(p, str(path), label) for p in exc.problems]) from None


def _relabel(problem: Problem, path: str, label: str) -> Problem:
    """A problem in the temporary file, located in the caller's object: ``<DataFrame> row 3`` (``df.iloc[3]``), ``<records>[3]``."""
    if not problem.where.startswith(path):
        return problem
    where = problem.where[len(path):]
    number, _, rest = where[1:].partition(" ")
    if where.startswith(":") and number.isdigit():
        # The CSV's line N is row N-2 of the frame (the header is line 1); JSON Lines' line N is record N-1.
        where = f" row {int(number) - 2}" if label == "<DataFrame>" else f"[{int(number) - 1}]"
        where += f" {rest}" if rest else ""
    return Problem(label + where, problem.message)


def _frame(text: str) -> pd.DataFrame:
    """CSV text as a DataFrame of strings, every cell as written."""
    import pandas as pd

    if not text.strip():
        return pd.DataFrame()
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


class _Result:
    _document: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The command's ``--format json`` document, as Python objects (a copy)."""
        return copy.deepcopy(self._document)


@dataclass(frozen=True, eq=False)
class EstimateResult(_Result):
    """What :func:`estimate` computed.

    ``lines`` has the columns of ``tariffcalc estimate --format csv`` (the basket's own, then
    ``mfn_duty``, ``additional_duty``, ``total_duty``, ``effective_rate``, ``measures``,
    ``refundable_duty``...), every cell a string as the CSV writes it.
    """

    lines: pd.DataFrame
    _document: dict[str, Any] = field(repr=False)
    #: What the command would say on stderr as ``Note: ...`` (which HTS is used, ...).
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        """The basket's totals: ``lines``, ``value``, ``mfn_duty``, ``total_duty``, ``effective_rate``... as decimal strings."""
        return copy.deepcopy(self._document["totals"])

    @property
    def by_measure(self) -> pd.DataFrame:
        """One row per measure applied: ``id``, ``name``, ``lines``, ``value``, ``duty``."""
        import pandas as pd

        return pd.DataFrame(self._document["by_measure"], columns=["id", "name", "lines", "value", "duty"])

    @property
    def by_country(self) -> pd.DataFrame:
        """One row per country of origin: ``country``, ``lines``, ``value``, the duties and ``effective_rate``."""
        import pandas as pd

        columns = ["country", "lines", "value", "mfn_duty", "additional_duty", "total_duty", "effective_rate"]
        return pd.DataFrame(self._document["by_country"], columns=columns)

    @property
    def warnings(self) -> list[str]:
        return list(self._document["warnings"])

    @property
    def fees(self) -> dict[str, Any] | None:
        """The entry fees per entry (with ``fees=True``), else None."""
        return copy.deepcopy(self._document.get("fees"))


def estimate(
    basket: BasketLike,
    *,
    date: DateLike | None = None,
    schedule: str | Path = DEFAULT_SCHEDULE,
    hts: str | None = None,
    fees: bool = False,
    scenarios: str | Sequence[str] = (),
    sets: Sequence[str] = (),
    skip_invalid: bool = False,
) -> EstimateResult:
    """Each line's duties, the totals and the breakdowns: ``tariffcalc estimate``.

    ``date`` is the entry date (default today; a line's ``entry_date`` wins); ``schedule`` a
    shipped schedule's name or a schedule file; ``scenarios`` and ``sets`` the ``--scenario``
    and ``--set`` changes, applied in order; ``hts`` the official HTS for the MFN duties
    (a store or USITC CSV, ``"none"``, or None for the CLI's default); ``fees`` adds the
    entry fees (``result.fees``, and the landed cost in ``result.totals``).

    >>> import pandas as pd
    >>> basket = pd.DataFrame({"hts_code": ["9503.00.00"], "country": ["CN"], "value": ["1000"], "mfn_rate": ["0"]})
    >>> result = estimate(basket, date="2025-04-17", schedule="us-2025")
    >>> result.lines[["hts_code", "total_duty", "effective_rate"]].to_dict("records")
    [{'hts_code': '9503.00.00', 'total_duty': '1450.00', 'effective_rate': '1.45'}]
    >>> result.by_measure["id"].tolist()
    ['ieepa-china', 'reciprocal-china']
    """
    from .output.estimate import estimate_json_sink
    from .output.sinks import CsvSink

    notes: list[str] = []
    day = _day(date, "date")
    with _source(basket) as source:
        run = estimate_run(
            source.path, date=day, schedule=schedule, scenarios=_names(scenarios), sets=sets, hts=hts, fees=fees,
            input_format=source.input_format, skip_invalid=skip_invalid, tell=notes.append,
        )  # fmt: skip
        json_text, csv_text = io.StringIO(), io.StringIO()
        sinks = [estimate_json_sink(run, json_text), CsvSink(csv_text)]
        for result, first_line in run:
            for sink in sinks:
                sink.write(result, first_line)
        for sink in sinks:
            sink.finish(run.summary, run.skipped)
    return EstimateResult(_frame(csv_text.getvalue()), json.loads(json_text.getvalue()), notes)


@dataclass(frozen=True, eq=False)
class CompareResult(_Result):
    """What :func:`compare` computed: ``lines`` has the columns of ``tariffcalc compare --format csv`` (strings)."""

    lines: pd.DataFrame
    _document: dict[str, Any] = field(repr=False)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def states(self) -> list[dict[str, Any]]:
        """Each state (column): ``label``, ``scenarios``, ``date``, ``schedule``."""
        return copy.deepcopy(self._document["states"])

    @property
    def totals(self) -> dict[str, Any]:
        """``value``, each state's ``total_duty`` and ``effective_rate``, and the ``changes`` against the first."""
        return copy.deepcopy(self._document["totals"])

    def chart(self, path: str | Path) -> Path:
        """Draw each state's effective rate as a bar (SVG or PNG by suffix); needs the ``chart`` extra (matplotlib)."""
        from .output.chart import compare_chart

        return compare_chart(self._document, Path(path))


class _Recorded:
    """A comparison that keeps each chunk's CSV rows as the JSON writer goes through it."""

    def __init__(self, run: ChunkedComparison):
        self.run, self.text = run, io.StringIO()

    @property
    def states(self) -> list[State]:
        return self.run.states

    def totals(self) -> Any:
        return self.run.totals()

    def __iter__(self) -> Iterator[Any]:
        from .output.compare import write_chunk

        for comparison, first_line in self.run:
            write_chunk(comparison, self.text, first_line == 1)
            yield comparison, first_line


def compare_run(
    basket: str | Path,
    *,
    scenarios: Sequence[str] = (),
    dates: Sequence[dt.date] = (),
    schedule: str | Path = DEFAULT_SCHEDULE,
    sets: Sequence[str] = (),
    hts: str | None = None,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    skip_invalid: bool = False,
    tell: Callable[[str], None] | None = None,
) -> tuple[ChunkedComparison, CheckedChunks, OfficialHts]:
    """The comparison ``tariffcalc compare`` writes, its checked chunks and the official HTS it uses."""
    from .analysis.compare import ChunkedComparison
    from .hts.official import OfficialHts

    states = build_states(schedule, scenarios, dates, sets)
    official = OfficialHts(hts, states[0].date, tell=tell)
    chunks = checked_chunks(
        basket, official, input_format=input_format, encoding=encoding, decimal_comma=decimal_comma, skip_invalid=skip_invalid
    )
    return ChunkedComparison(chunks, states), chunks, official


def compare(
    basket: BasketLike,
    *,
    scenarios: Sequence[str] = (),
    dates: Sequence[DateLike] = (),
    schedule: str | Path = DEFAULT_SCHEDULE,
    sets: Sequence[str] = (),
    hts: str | None = None,
    skip_invalid: bool = False,
) -> CompareResult:
    """The basket in two or more states side by side: ``tariffcalc compare``.

    One state per scenario (``"baseline"`` for none, ``"a+b"`` for two at once) and/or per date;
    a single one of either applies to every state.

    >>> result = compare("data/examples/seed-japan.csv", scenarios=["baseline", "pause-ends"], dates=["2025-07-10"])
    >>> [(s["label"], s["total_duty"]) for s in result.totals["states"]]
    [('baseline', '8350.00'), ('pause-ends', '8490.00')]
    """
    from .output.compare import write_json

    notes: list[str] = []
    days = [_day(d, "dates") for d in dates]
    with _source(basket) as source:
        run, chunks, official = compare_run(
            source.path, scenarios=scenarios, dates=days, schedule=schedule, sets=sets, hts=hts,
            input_format=source.input_format, skip_invalid=skip_invalid, tell=notes.append,
        )  # fmt: skip
        recorded = _Recorded(run)
        json_text = io.StringIO()
        write_json(cast("ChunkedComparison", recorded), json_text)
    document = json.loads(json_text.getvalue())
    if source.label:
        document["basket"] = source.label
    warnings = [n.text for n in official.take_notices()] + [w for s in run.summaries for w in s.warnings]
    return CompareResult(_frame(recorded.text.getvalue()), document, notes, warnings)


@dataclass(frozen=True, eq=False)
class TimelineResult(_Result):
    """What :func:`timeline` computed: ``points`` has the columns of ``tariffcalc timeline --format csv`` (strings)."""

    points: pd.DataFrame
    _document: dict[str, Any] = field(repr=False)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def chart(self, path: str | Path) -> Path:
        """Draw the effective rate over time, each change labelled with its measures (SVG or PNG by suffix).

        Needs the ``chart`` extra (matplotlib): ``python -m pip install '.[chart]'``.
        """
        from .output.chart import timeline_chart

        return timeline_chart(self._document, Path(path))


def timeline_run(
    basket: str | Path,
    *,
    start: dt.date,
    end: dt.date,
    schedule: str | Path = DEFAULT_SCHEDULE,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    hts: str | None = None,
    input_format: str | None = None,
    encoding: str = "utf-8-sig",
    decimal_comma: bool = False,
    skip_invalid: bool = False,
    chunk_size: int | None = None,
    jobs: int | None = None,
    tell: Callable[[str], None] | None = None,
) -> tuple[Timeline, CheckedChunks, list[str], str | None]:
    """The timeline ``tariffcalc timeline`` writes, its checked chunks, the HTS's warnings, and one when the window
    reaches outside the schedule (or None)."""
    from .analysis.timeline import timeline as compute
    from .hts.official import OfficialHts

    if end < start:
        raise InputError(Problem("--to", f"{end} is before --from {start}"))
    loaded = schedule_state(schedule, scenarios, sets)
    official = OfficialHts(hts, start, tell=tell)
    chunks = checked_chunks(
        basket,
        official,
        input_format=input_format,
        encoding=encoding,
        decimal_comma=decimal_comma,
        chunk_size=chunk_size,
        skip_invalid=skip_invalid,
    )
    points = compute(chunks, loaded, start, end, jobs)
    notices = [n.text for n in official.take_notices()]
    covers, coverage = loaded.schedule.covers, None
    if start < covers.from_ or end > covers.through:
        coverage = (
            f"the window {start} to {end} reaches outside what schedule {loaded.id!r} covers "
            f"({covers.from_} to {covers.through}): changes outside it are not in the schedule"
        )
    return points, chunks, notices, coverage


def timeline(
    basket: BasketLike,
    *,
    start: DateLike,
    end: DateLike,
    schedule: str | Path = DEFAULT_SCHEDULE,
    scenarios: str | Sequence[str] = (),
    sets: Sequence[str] = (),
    hts: str | None = None,
    skip_invalid: bool = False,
    jobs: int = 1,
) -> TimelineResult:
    """The basket's duty on ``start`` and on every later day up to ``end`` where it changes: ``tariffcalc timeline``.

    It computes in this process unless ``jobs`` > 1 asks for that many worker processes (spawned: a script that asks
    for them needs the ``if __name__ == "__main__":`` guard of :mod:`multiprocessing`); the command uses one per core.

    >>> result = timeline("data/examples/seed-japan.csv", start="2025-03-01", end="2025-04-05")
    >>> result.points[["date", "effective_rate", "changed_measures"]].values.tolist()
    [['2025-03-01', '0.020833', ''], ['2025-04-03', '0.229167', 's232-autos'], ['2025-04-05', '0.231944', 'reciprocal-baseline']]
    """
    from .output.timeline import write_csv, write_json

    notes: list[str] = []
    first, last = _day(start, "start"), _day(end, "end")
    with _source(basket) as source:
        points, _, warnings, coverage = timeline_run(
            source.path, start=first, end=last, schedule=schedule, scenarios=_names(scenarios), sets=sets, hts=hts,
            input_format=source.input_format, skip_invalid=skip_invalid, jobs=jobs, tell=notes.append,
        )  # fmt: skip
    if coverage:
        warnings.append(coverage)
    if source.label:
        points.basket = source.label
    json_text, csv_text = io.StringIO(), io.StringIO()
    write_json(points, first, last, json_text)
    write_csv(points, csv_text)
    return TimelineResult(_frame(csv_text.getvalue()), json.loads(json_text.getvalue()), notes, warnings)


@dataclass(frozen=True, eq=False)
class RefundResult(_Result):
    """What :func:`refund` computed: ``entries`` has the columns of ``tariffcalc refund --format csv`` (strings)."""

    entries: pd.DataFrame
    _document: dict[str, Any] = field(repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        """``entries``, ``ieepa_refund``, ``interest``, ``refund_with_interest`` and ``by_bucket``."""
        return copy.deepcopy(self._document["totals"])

    @property
    def warnings(self) -> list[str]:
        return list(self._document["warnings"])


def refund(
    history: BasketLike,
    *,
    as_of: DateLike | None = None,
    schedule: str | Path = DEFAULT_SCHEDULE,
    interest: str | None = None,
    hts: str | None = None,
) -> RefundResult:
    """What each past entry paid in IEEPA duties, its refund bucket and interest: ``tariffcalc refund``.

    ``interest`` is ``"non-corporate"`` (the default) or ``"corporate"``.

    >>> result = refund("data/examples/refund-history.csv", as_of="2026-12-01")
    >>> result.totals["ieepa_refund"], result.entries["bucket"].iloc[0]
    ('45299.24', 'court')
    """
    from .output.refund import write_csv, write_json

    notes: list[str] = []
    day = _day(as_of, "as_of")
    with _source(history) as source:
        report, _, _ = refund_report(
            source.path, as_of=day, schedule=schedule, interest=interest, hts=hts, input_format=source.input_format,
            tell=notes.append, warn=notes.append, name=source.label,
        )  # fmt: skip
    json_text, csv_text = io.StringIO(), io.StringIO()
    write_json(report, json_text)
    write_csv(report, csv_text)
    return RefundResult(_frame(csv_text.getvalue()), json.loads(json_text.getvalue()), notes)


@dataclass(frozen=True, eq=False)
class RatesResult(_Result):
    """What :func:`rates` found: ``measures`` has the columns of ``tariffcalc rates --format csv``."""

    measures: pd.DataFrame
    _document: dict[str, Any] = field(repr=False)


def rates(
    *,
    country: str | None = None,
    hts_code: str | None = None,
    date: DateLike | None = None,
    usmca: bool = False,
    auto_part: bool | None = None,
    schedule: str | Path = DEFAULT_SCHEDULE,
    scenarios: str | Sequence[str] = (),
    sets: Sequence[str] = (),
) -> RatesResult:
    """The measures in force for a country and/or HTS code on a date, and why others do not apply: ``tariffcalc rates``.

    >>> result = rates(country="Japan", hts_code="9503.00.00", date="2025-04-17")
    >>> result.measures[["id", "applied", "rate"]].values.tolist()
    [['reciprocal-baseline', 'true', '0.1'], ['reciprocal-annex-i', 'false', '']]
    """
    day = _day(date, "date")
    loaded = schedule_state(schedule, _names(scenarios), sets)
    explanations, document = rates_document(
        loaded, day, country_code(country) if country else None, hts_code_digits(hts_code) if hts_code else None,
        usmca, auto_part,
    )  # fmt: skip
    text = io.StringIO()
    write_rates_csv(explanations, text)
    return RatesResult(_frame(text.getvalue()), document)


def write_rates_csv(explanations: list[Any], stream: Any) -> None:
    """``rates --format csv``: id, applied, rate, reason, authority, confidence."""
    import csv

    from .money import format_rate

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["id", "applied", "rate", "reason", "authority", "confidence"])
    for e in explanations:
        rate = format_rate(e.rate) if e.rate is not None else ""
        writer.writerow([e.measure.id, str(e.applied).lower(), rate, e.reason, str(e.authority), e.confidence])
