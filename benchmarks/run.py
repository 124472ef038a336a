"""Benchmark tariffcalc against pandas and pyarrow merely reading and writing the same basket, runs interleaved.

    python3 benchmarks/run.py                          # 1M lines, 3 rounds
    python3 benchmarks/run.py --sizes 100000 1000000 --repeat 5 --json results.json

For each size a basket is generated once (benchmarks/generate.py, codes from the
shipped schedule ``us``) into a temporary directory, and a refund history
(benchmarks/refund.py) of as many lines.  Then, round after round, each of these
runs once as a subprocess, in this order, so that a busy machine weighs on all of
them alike:

  pandas     pd.read_csv(FILE, dtype=str, keep_default_na=False).to_csv(OUT, index=False)
  pyarrow    pyarrow.csv.read_csv (every column a string) then pyarrow.csv.write_csv
  estimate   tariffcalc estimate FILE --date 2025-05-20 --format csv --output OUT
             (again with --jobs 2: two worker processes, whatever the cores; and again on
             2026-12-01, the law of late 2026: other measures, other stacking)
  timeline   tariffcalc timeline FILE --from 2025-02-01 --to 2025-07-31 --format csv --output OUT
  compare    tariffcalc compare FILE --date 2025-05-20 --date 2026-03-01 --format csv --output OUT
  refund     tariffcalc refund HISTORY --as-of 2026-12-01 --format csv --output OUT

Each run's ratio to the pandas run of the same round is kept; the table gives the
median of those ratios, the best wall time, the peak resident memory of the
largest process (``/usr/bin/time -f %M``, else ``getrusage(RUSAGE_CHILDREN)`` in a
wrapper) and, on Linux, the peak proportional set size of all the run's processes
together (a command and its worker processes), sampled every 200 ms.
Start-up is measured the same way: ``python3 -c "import pandas"``, ``tariffcalc
--version`` and ``estimate`` of the 3-line example basket, interleaved, 10 rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmarks/refund.py imports this checkout's tariffcalc
import refund  # noqa: E402
DATE = "2025-05-20"
#: A date of the law of late 2026 (Section 232 and 301 measures, no IEEPA duty): timed too, as users ask for today.
LATE_2026 = "2026-12-01"
PANDAS = (
    "import sys, pandas as pd; "
    "pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_csv(sys.argv[2], index=False)"
)
PYARROW = (
    "import sys, pyarrow as pa, pyarrow.csv as c; "
    "names = open(sys.argv[1], encoding='utf-8').readline().rstrip('\\n').split(','); "
    "t = c.read_csv(sys.argv[1], convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}, "
    "strings_can_be_null=False, quoted_strings_can_be_null=False)); "
    "c.write_csv(t, sys.argv[2], c.WriteOptions(quoting_style='needed'))"
)
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "rc = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)
THREE_LINES = REPO / "data" / "examples" / "seed-japan.csv"


def tariffcalc_cmd() -> list[str]:
    """The ``tariffcalc`` on PATH, else (or with TARIFFCALC_BENCH_HERE=1) this checkout's, by ``python3 -m``."""
    exe = shutil.which("tariffcalc")
    if exe and not os.environ.get("TARIFFCALC_BENCH_HERE"):
        return [exe]
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return [sys.executable, "-m", "tariffcalc"]


def compile_modules() -> None:
    """Byte-compile this checkout's modules, as ``pip install`` does for an installed package.

    Otherwise, where Python writes no bytecode (``PYTHONDONTWRITEBYTECODE``, as on some CI machines), every run
    compiles tariffcalc's modules again (about 0.14 s on the 2-core VM), while pandas, the baseline, is compiled.
    """
    import compileall

    compileall.compile_dir(REPO / "tariffcalc", quiet=1)


def tree_pss_kib(root: int) -> int:
    """The proportional set size of a process and all its descendants, in KiB (Linux; 0 elsewhere): memory that
    they share (the libraries each worker process maps) is counted once, shared out among them."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
        except (OSError, ValueError, StopIteration):  # gone meanwhile, or no such files here
            continue
    return total


def run_once(cmd: list[str], workdir: Path) -> tuple[float, int, int]:
    """Run cmd; return (wall seconds, peak RSS of its largest process, peak PSS of all its processes together), in
    KiB; the last is sampled every 200 ms.  Raises if it fails."""
    report = workdir / "rss.txt"
    report.unlink(missing_ok=True)
    if os.access("/usr/bin/time", os.X_OK):
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(report), *cmd]
    else:
        wrapped = [sys.executable, "-c", RUSAGE_WRAPPER, *cmd]
    errors = workdir / "stderr.txt"
    with open(errors, "w") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=stderr)
        tree = 0
        while proc.poll() is None:
            tree = max(tree, tree_pss_kib(proc.pid))
            try:  # a sample reads each process's page tables (~3 ms a process of 500 MB): one each 200 ms
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
        wall = time.perf_counter() - start
    text = errors.read_text()
    if proc.returncode not in (0,):
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{text[-2000:]}")
    text = report.read_text() if report.exists() else text
    return wall, int(text.strip().splitlines()[-1]), tree


def best_of(cmd: list[str], repeat: int, workdir: Path) -> dict:
    """The best wall time of ``repeat`` runs, and the peak memory (for benchmarks/refund.py)."""
    runs = [run_once(cmd, workdir) for _ in range(repeat)]
    return {"seconds": min(w for w, _, _ in runs), "all_seconds": [w for w, _, _ in runs],
            "peak_mb": max(kib for _, kib, _ in runs) / 1024}  # fmt: skip


def interleaved(commands: dict[str, list[str]], rounds: int, workdir: Path, baseline: str) -> dict:
    """Each command once per round, in order; per command its times, peak memory and ratios to ``baseline``."""
    runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name in commands}
    for r in range(rounds):
        for name, cmd in commands.items():
            runs[name].append(run_once(cmd, workdir))
        print(f"  round {r + 1}/{rounds}: " + ", ".join(f"{n} {runs[n][-1][0]:.2f} s" for n in commands), file=sys.stderr)
    base = [w for w, _, _ in runs[baseline]]
    return {
        name: {
            "seconds": [w for w, _, _ in got],
            "best": min(w for w, _, _ in got),
            "median": statistics.median(w for w, _, _ in got),
            "ratio": statistics.median(w / b for (w, _, _), b in zip(got, base)),
            "peak_mb": max(k for _, k, _ in got) / 1024,
            "all_processes_mb": max(t for _, _, t in got) / 1024,
        }
        for name, got in runs.items()
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    import pyarrow

    version = subprocess.run([*tariffcalc_cmd(), "--version"], capture_output=True, text=True).stdout.strip()
    git = ["git", "--no-optional-locks", "-C", str(REPO)]  # read-only: never touches the index
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if subprocess.run([*git, "status", "--porcelain", "--", "tariffcalc"], capture_output=True, text=True).stdout:
        commit += " with uncommitted changes to tariffcalc/"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "os": platform.platform(),
            "load": os.getloadavg()[0], "python": platform.python_version(), "pandas": pd.__version__,
            "numpy": np.__version__, "pyarrow": pyarrow.__version__, "tariffcalc": version,
            "commit": commit or "unknown"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (each command once per round)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    parser.add_argument("--only", nargs="+", help="time only these (pandas is always timed); `startup` alone: the start-up runs only")
    args = parser.parse_args()

    tc = tariffcalc_cmd()
    compile_modules()
    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="tariffcalc-bench-") as tmp:
        workdir = Path(tmp)
        out = str(workdir / "out.csv")
        print("start-up, 10 rounds...", file=sys.stderr)
        startup = interleaved(
            {
                "python": [sys.executable, "-c", "pass"],
                "import pandas": [sys.executable, "-c", "import pandas"],
                "--version": [*tc, "--version"],
                "3-line estimate": [*tc, "estimate", str(THREE_LINES), "--date", DATE, "--format", "csv", "--output", out],
            },
            10, workdir, "import pandas",
        )  # fmt: skip
        for n in [] if args.only == ["startup"] else args.sizes:
            basket, history = workdir / f"basket-{n}.csv", workdir / f"history-{n}.csv"
            start = time.perf_counter()
            generate.generate(n, basket, seed=args.seed)
            refund.generate(n, history, seed=args.seed)
            print(f"{n:,} lines: generated in {time.perf_counter() - start:.1f} s, timing...", file=sys.stderr)
            commands = {
                "pandas": [sys.executable, "-c", PANDAS, str(basket), out],
                "pyarrow": [sys.executable, "-c", PYARROW, str(basket), out],
                "estimate": [*tc, "estimate", str(basket), "--date", DATE, "--format", "csv", "--output", out],
                "estimate --jobs 2": [*tc, "estimate", str(basket), "--date", DATE, "--format", "csv", "--jobs", "2",
                                      "--output", out],
                f"estimate {LATE_2026}": [*tc, "estimate", str(basket), "--date", LATE_2026, "--format", "csv",
                                          "--output", out],
                "timeline": [*tc, "timeline", str(basket), "--from", "2025-02-01", "--to", "2025-07-31",
                             "--format", "csv", "--output", out],
                "compare": [*tc, "compare", str(basket), "--date", DATE, "--date", "2026-03-01",
                            "--format", "csv", "--output", out],
                "refund": [*tc, "refund", str(history), "--as-of", "2026-12-01", "--format", "csv", "--output", out],
            }  # fmt: skip
            if args.only:
                commands = {k: v for k, v in commands.items() if k == "pandas" or k in args.only}
            results.append({"lines": n, "bytes": basket.stat().st_size, "timings": interleaved(commands, args.repeat, workdir, "pandas")})
            basket.unlink()
            history.unlink()

    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, {info['os']}, "
          f"load average {info['load']:.1f} at the start")  # fmt: skip
    print(f"Python {info['python']}, pandas {info['pandas']}, numpy {info['numpy']}, pyarrow {info['pyarrow']}, "
          f"{info['tariffcalc']} ({info['commit']})\n")  # fmt: skip
    print("Start-up (10 interleaved rounds; ratio: median of each round's time over `import pandas` of that round):\n")
    print("| command | best s | median s | ratio to import pandas | peak MB |")
    print("|---|---:|---:|---:|---:|")
    for name, t in startup.items():
        print(f"| {name} | {t['best']:.3f} | {t['median']:.3f} | {t['ratio']:.2f} | {t['peak_mb']:.0f} |")
    for r in results:
        timings = r["timings"]
        print(f"\n{r['lines']:,} lines ({r['bytes'] / 1e6:.0f} MB of CSV), {args.repeat} interleaved rounds "
              "(ratio: median of each round's time over the pandas run of that round):\n")  # fmt: skip
        print("| run | best s | median s | ratio to pandas | ratio to estimate | peak MB, largest process "
              "| peak MB, all processes (PSS) |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
        est = timings.get("estimate")
        for name, t in timings.items():
            vs = f"{t['ratio'] / est['ratio']:.2f}" if est else ""
            print(f"| {name} | {t['best']:.2f} | {t['median']:.2f} | {t['ratio']:.2f} | {vs} | {t['peak_mb']:.0f} "
                  f"| {t['all_processes_mb']:.0f} |")  # fmt: skip
    if args.json:
        data = {"machine": info, "date": DATE, "startup": startup, "results": results}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
