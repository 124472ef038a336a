"""Chunks computed in worker processes (engine/processes.py, used by ``timeline`` and ``estimate``): the same results,
in order."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from tariffcalc.engine.processes import in_processes
from tariffcalc.errors import WorkerLost

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "data", "examples")


class Boom(Exception):
    pass


def offset(base: int) -> tuple[int, int]:
    return base, os.getpid()


def shifted(context: tuple[int, int], item: int) -> tuple[int, int, int]:
    """item + the worker's base, with the pid the setup ran in and the pid of the work."""
    base, setup_pid = context
    if item < 0 and item != -9:
        raise Boom(f"item {item}")
    if item == -9:
        os.kill(os.getpid(), signal.SIGKILL)
    return item + base, setup_pid, os.getpid()


def test_every_result_in_order_from_other_processes_each_set_up_once_there():
    results = list(in_processes(shifted, range(40), setup=offset, setup_args=(1000,), jobs=2))
    assert [r[0] for r in results] == [1000 + i for i in range(40)]
    workers = {pid for _, _, pid in results}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2
    assert all(setup_pid == pid for _, setup_pid, pid in results)  # each worker's own setup


def test_one_item_or_one_job_is_computed_here_with_the_context_given_or_made_here():
    assert list(in_processes(shifted, [5], setup=offset, setup_args=(1,), jobs=2)) == [(6, os.getpid(), os.getpid())]
    assert list(in_processes(shifted, [1, 2], setup=offset, setup_args=(1,), here=(7, 0), jobs=1)) == [
        (8, 0, os.getpid()),
        (9, 0, os.getpid()),
    ]
    assert list(in_processes(shifted, [], setup=offset, setup_args=(1,), jobs=2)) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_workers_error_is_raised_after_the_results_before_it(jobs):
    seen = []
    with pytest.raises(Boom, match="^item -1$"):
        for result in in_processes(shifted, [*range(13), -1, *range(6)], setup=offset, setup_args=(0,), jobs=jobs):
            seen.append(result[0])
    assert seen == list(range(13))


def test_a_worker_that_dies_is_worker_lost_not_a_hang():
    with pytest.raises(WorkerLost) as caught:
        list(in_processes(shifted, [1, 2, -9, 4, 5, 6], setup=offset, setup_args=(0,), jobs=2))
    assert str(caught.value) == (
        "a worker process ended before finishing its chunk (killed, or out of memory?); "
        "rerun with --jobs 1, or a smaller --chunk-size"
    )


def test_timeline_in_workers_is_the_timeline_in_one_process_and_each_dates_estimate(tariffcalc):
    basket = os.path.join(EXAMPLES, "japan-shipment.csv")
    window = ("--from", "2025-01-01", "--to", "2026-12-31", "--format", "json")
    whole = json.loads(tariffcalc("timeline", basket, *window).stdout)
    for jobs in ("1", "2"):
        run = tariffcalc("timeline", basket, *window, "--chunk-size", "2", "--jobs", jobs)
        assert run.exit_code == 0, run.stderr
        assert json.loads(run.stdout) == whole
    assert len(whole["points"]) > 5
    # The timeline's path (engine/dated_chunk.py) against the full engine, date by date.
    for point in whole["points"][:: max(1, len(whole["points"]) // 6)]:
        estimate = json.loads(tariffcalc("estimate", basket, "--date", point["date"], "--format", "json").stdout)
        assert point["total_duty"] == estimate["totals"]["total_duty"], point["date"]


def test_timeline_jobs_must_be_at_least_one(tariffcalc):
    basket = os.path.join(EXAMPLES, "seed-japan.csv")
    run = tariffcalc("timeline", basket, "--from", "2025-03-01", "--to", "2025-04-05", "--jobs", "0")
    assert run.exit_code == 2
    assert run.stderr.splitlines()[-1] == "Error: Invalid value for '--jobs': Input should be greater than or equal to 1"


def _wait_for_workers(pid: int) -> None:
    """Until the process has started its worker processes (Linux tells its children), then a moment more."""
    children = f"/proc/{pid}/task/{pid}/children"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not os.path.exists(children):  # not Linux: wait long enough
            time.sleep(3)
            return
        with open(children) as listed:
            if len(listed.read().split()) >= 2:  # the workers (and the resource tracker)
                time.sleep(0.5)
                return
        time.sleep(0.05)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="needs POSIX signals")
@pytest.mark.parametrize(
    "command", [("timeline", "--from", "2025-01-01", "--to", "2026-12-31"), ("estimate", "--format", "csv", "--hts", "none")]
)
def test_ctrl_c_during_a_run_in_workers_ends_it_with_130_and_no_traceback(tmp_path, command):
    basket = tmp_path / "big.csv"
    line = "8703.23.01,JP,30000,2.5%\n9503.00.00,CN,3000,0\n7208.51.00,DE,15000,0\n"
    basket.write_text("hts_code,country,value,mfn_rate\n" + line * 300_000, encoding="utf-8")
    out = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "tariffcalc", command[0], str(basket), *command[1:], "--chunk-size", "2000", "--jobs", "2",
         "--output", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches the command and its workers
    )
    _wait_for_workers(process.pid)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.decode().splitlines()[-1] == "Interrupted."
    assert "Traceback" not in stderr.decode() and stdout == b""
    assert not out.exists()


#: Lines that exercise every text column the engine reads besides the codes: AD/CVD rates, a declared amount
#: (steel_value), an empty MFN rate, a value rounded to the cent, quotes and commas, and a line that is invalid.
MIXED = "hts_code,country,value,mfn_rate,ad_rate,cvd_rate,steel_value,description\n" + (
    '7308.90.95,CN,1000,0,,,400,"Steel, structures"\n'
    "0702.00.20,MX,1000,0,17.09%,,,Tomatoes\n"
    '8703.23.01,JP,30000,2.5%,,,,"Car ""sedan"""\n'
    "9503.00.00,CN,3000,,,,,Toys\n"
    "7208.51.00,DE,15000.005,0,,2%,,Plate\n"
) * 3


def test_a_chunk_sent_to_a_worker_keeps_every_text_column_the_engine_reads(write):
    import datetime as dt

    from tariffcalc.engine.calculate import estimate, text_read
    from tariffcalc.engine.compile import CompiledSchedule
    from tariffcalc.goods.read import read_basket
    from tariffcalc.law.load import load_schedule

    compiled = CompiledSchedule.of(load_schedule("us"))
    baskets = [write("mixed.csv", MIXED), *(os.path.join(EXAMPLES, name) for name in sorted(os.listdir(EXAMPLES)))]
    for path in baskets:
        basket = read_basket(path)
        kept = basket.keeping(text_read(compiled))
        assert len(kept.columns.columns) < len(basket.columns.columns), path
        for day in (dt.date(2025, 4, 17), dt.date(2026, 3, 1), dt.date(2026, 12, 1)):
            whole, light = estimate(basket, compiled, day), estimate(kept, compiled, day)
            assert light.summary().totals() == whole.summary().totals(), (path, day)
            assert [n.text for n in light.notices] == [n.text for n in whole.notices], (path, day)
            assert (light.duties == whole.duties).all() and [m.id for m in light.measures] == [m.id for m in whole.measures]


def test_estimate_csv_in_workers_is_byte_for_byte_the_estimate_in_one_process(tariffcalc, write):
    basket = write("mixed.csv", MIXED + "XXXX,DE,100,0,,,,not a code\n")
    for day in ("2025-04-17", "2026-03-01", "2026-12-01"):
        runs = {
            jobs: tariffcalc("estimate", basket, "--date", day, "--format", "csv", "--chunk-size", "2", "--jobs", jobs,
                             "--skip-invalid", "--hts", "none")
            for jobs in ("1", "2")
        }  # fmt: skip
        assert runs["1"].exit_code == runs["2"].exit_code == 3, runs["2"].stderr  # 3: lines were left out
        assert runs["2"].stdout == runs["1"].stdout
        assert runs["2"].stderr == runs["1"].stderr
        assert runs["1"].stdout.count("\n") == 1 + 15  # the header and every valid line; the invalid one is left out
        assert (
            f"Skipped: {basket}:17: hts_code: 'XXXX' is not an HTS code (expected 4, 6, 8 or 10 digits, dots allowed, "
            "e.g. 8703.23.01)"
        ) in runs["2"].stderr.splitlines()
        # The CSV's lines against the JSON totals, which are computed in this process.
        totals = json.loads(
            tariffcalc("estimate", basket, "--date", day, "--format", "json", "--skip-invalid", "--hts", "none").stdout
        )
        rows = list(csv.DictReader(runs["2"].stdout.splitlines()))
        assert str(sum(Decimal(row["total_duty"]) for row in rows)) == totals["totals"]["total_duty"], day


def test_timeline_counts_ad_cvd_deposits_as_each_dates_estimate_does(tariffcalc, write):
    basket = write("mixed.csv", MIXED)
    window = ("--from", "2025-01-01", "--to", "2026-12-31", "--format", "json", "--chunk-size", "4")
    for jobs in ("1", "2"):
        points = json.loads(tariffcalc("timeline", basket, *window, "--jobs", jobs).stdout)["points"]
        for point in points[:: max(1, len(points) // 5)]:
            estimate = json.loads(tariffcalc("estimate", basket, "--date", point["date"], "--format", "json").stdout)
            assert estimate["totals"]["ad_cvd_duty"] != "0.00"
            assert point["total_duty"] == estimate["totals"]["total_duty"], (jobs, point["date"])


def test_with_jobs_and_a_finish_every_chunk_is_read_computed_and_finished_in_a_worker(write):
    import datetime as dt
    from functools import partial

    from tariffcalc.engine.estimating import run_estimate
    from tariffcalc.engine.run import Finished
    from tariffcalc.output.sinks import csv_chunk

    basket = write("mixed.csv", MIXED + "XXXX,DE,100,0,,,,not a code\n")
    run = run_estimate(basket, "us", dt.date(2026, 3, 1), chunk_size=4, skip_invalid=True, hts="none")
    results = list(run.results(finish=partial(csv_chunk, excel_safe=False), jobs=2))
    assert [first for _, first in results] == [1, 5, 9, 13]
    assert all(isinstance(done, Finished) for done, _ in results)
    assert [done.lines for done, _ in results] == [4, 4, 4, 3]  # the invalid line is left out of the last chunk
    assert run.skipped.lines == 1 and run.summary.lines == 15
    body = b"".join(done.value.body for done, _ in results).decode()
    assert body.count("\n") == 15 and '"Steel, structures"' in body and '"Car ""sedan"""' in body


@pytest.mark.parametrize(("cores", "jobs"), [(1, 1), (2, 1), (3, 2), (8, 7)])
def test_estimate_leaves_one_core_to_the_process_that_reads_and_writes(monkeypatch, cores, jobs):
    from tariffcalc.cli.estimate import default_jobs
    from tariffcalc.engine import processes

    monkeypatch.setattr(processes, "usable_cores", lambda: cores)
    assert default_jobs() == jobs
