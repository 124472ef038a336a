"""What an estimate run (:class:`~tariffcalc.engine.estimating.EstimateRun`) adds to the output of its lines and totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..engine.estimating import EstimateRun
from ..engine.result import Summary
from .fees import fees_object, fees_totals_object
from .sinks import JsonSink


def json_additions(run: EstimateRun) -> Callable[[dict, Summary], None]:
    """For :class:`~tariffcalc.output.sinks.JsonSink`: the HTS used (edition, source, SHA-256) and the entry fees."""

    def extend(tail: dict, summary: Summary) -> None:
        if run.hts is not None:
            tail["hts"] = {k: run.hts.meta.get(k) for k in ("edition", "source", "sha256")}
        if run.fees is not None:
            tail["totals"].update(fees_totals_object(run.fees, summary.total_duty))
            tail["fees"] = fees_object(run.fees)

    return extend


def estimate_json_sink(run: EstimateRun, stream: TextIO) -> JsonSink:
    """The JSON document of ``estimate --format json`` for ``run`` (the CLI and :func:`tariffcalc.estimate` both use it)."""
    return JsonSink(stream, run.schedule, run.date, json_additions(run))
