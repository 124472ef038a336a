"""Benchmark tariffcalc against pandas alone, on the same generated baskets, in the same run.

    python3 benchmarks/run.py                          # 10k, 100k and 1M lines
    python3 benchmarks/run.py --sizes 10000000 --json results.json

For each size a basket is generated once (benchmarks/generate.py) into a
temporary directory, then timed with
  tariffcalc estimate FILE --date 2025-05-20 --format csv --output OUT
and with the baseline, pandas reading the same file (dtype=str,
keep_default_na=False) and writing it back with to_csv(index=False).
Both run as subprocesses, so both pay their interpreter start-up and imports.
Wall time is the best of --repeat runs; peak memory is the subprocess's
maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import generate
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
DATE = "2025-05-20"
BASELINE = (
    "import sys, pandas as pd; "
    "pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False).to_csv(sys.argv[2], index=False)"
)
# Fallback when /usr/bin/time is missing: a fresh interpreter runs the command and reports its peak RSS.
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys; "
    "rc = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)


def tariffcalc_cmd() -> list[str]:
    exe = shutil.which("tariffcalc")
    return [exe] if exe else [sys.executable, "-m", "tariffcalc"]


def run_once(cmd: list[str], workdir: Path) -> tuple[float, int]:
    """Run cmd; return (wall seconds, peak RSS in KiB). Raises if it fails."""
    report = workdir / "rss.txt"
    if os.access("/usr/bin/time", os.X_OK):
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", str(report), *cmd]
    else:
        wrapped = [sys.executable, "-c", RUSAGE_WRAPPER, *cmd]
    start = time.perf_counter()
    proc = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-2000:]}")
    text = report.read_text() if report.exists() else proc.stderr
    return wall, int(text.strip().splitlines()[-1])


def best_of(cmd: list[str], repeat: int, workdir: Path) -> dict:
    runs = [run_once(cmd, workdir) for _ in range(repeat)]
    return {"seconds": min(w for w, _ in runs), "all_seconds": [w for w, _ in runs],
            "peak_mb": max(kib for _, kib in runs) / 1024}  # fmt: skip


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
    version = subprocess.run([*tariffcalc_cmd(), "--version"], capture_output=True, text=True).stdout.strip()
    git = ["git", "--no-optional-locks", "-C", str(REPO)]  # read-only: never touches the index
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if subprocess.run([*git, "status", "--porcelain", "--", "tariffcalc"], capture_output=True, text=True).stdout:
        commit += " with uncommitted changes to tariffcalc/"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "os": platform.platform(),
            "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__,
            "tariffcalc": version, "commit": commit or "unknown"}  # fmt: skip


def time_parquet(tc: list[str], basket: Path, out: Path, repeat: int, workdir: Path) -> dict | None:
    """tariffcalc on the same basket written as Parquet (strings, as read from the CSV); None if that fails."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = basket.with_suffix(".parquet")
    frame = pd.read_csv(basket, dtype=str, keep_default_na=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), parquet, row_group_size=200_000)
    del frame
    try:
        timing = best_of([*tc, "estimate", str(parquet), "--date", DATE, "--format", "csv", "--output", str(out)],
                         repeat, workdir)  # fmt: skip
    except RuntimeError as exc:
        print(f"tariffcalc failed on the Parquet basket: {exc}", file=sys.stderr)
        return None
    timing["bytes"] = parquet.stat().st_size
    parquet.unlink()
    return timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=None, help="runs per measurement, best kept (default 3, 1 from 10M lines)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    parser.add_argument("--parquet", action="store_true", help="also time the same basket as Parquet (needs pyarrow)")
    args = parser.parse_args()

    tc = tariffcalc_cmd()
    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="tariffcalc-bench-") as tmp:
        workdir = Path(tmp)
        version = best_of([*tc, "--version"], 10, workdir)
        print(f"tariffcalc --version: {version['seconds']:.3f} s (best of 10)", file=sys.stderr)
        for n in args.sizes:
            repeat = args.repeat or (1 if n >= 10_000_000 else 3)
            basket = workdir / f"basket-{n}.csv"
            start = time.perf_counter()
            generate.generate(n, basket, seed=args.seed)
            print(f"{n:,} lines: generated in {time.perf_counter() - start:.1f} s, timing...", file=sys.stderr)
            out = workdir / "out.csv"
            try:
                tariff = best_of([*tc, "estimate", str(basket), "--date", DATE, "--format", "csv",
                                  "--output", str(out)], repeat, workdir)  # fmt: skip
            except RuntimeError as exc:  # report it and carry on with the other sizes
                print(f"tariffcalc failed at {n:,} lines: {exc}", file=sys.stderr)
                tariff = None
            baseline = best_of([sys.executable, "-c", BASELINE, str(basket), str(out)], repeat, workdir)
            results.append({"lines": n, "bytes": basket.stat().st_size, "repeat": repeat,
                            "tariffcalc": tariff, "pandas": baseline})  # fmt: skip
            if args.parquet:
                results[-1]["parquet"] = time_parquet(tc, basket, out, repeat, workdir)
            basket.unlink()
            out.unlink(missing_ok=True)

    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, {info['os']}")
    print(f"Python {info['python']}, pandas {info['pandas']}, numpy {info['numpy']}, "
          f"{info['tariffcalc']} ({info['commit']})")  # fmt: skip
    print(f"`tariffcalc --version`: {version['seconds']:.3f} s (best of 10)\n")
    print("| lines | tariffcalc s | pandas s | ratio | tariffcalc peak MB | pandas peak MB | lines/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        t, p = r["tariffcalc"], r["pandas"]
        if t is None:
            print(f"| {r['lines']:,} | failed | {p['seconds']:.2f} | | | {p['peak_mb']:.0f} | |")
            continue
        print(f"| {r['lines']:,} | {t['seconds']:.2f} | {p['seconds']:.2f} | {t['seconds'] / p['seconds']:.2f} "
              f"| {t['peak_mb']:.0f} | {p['peak_mb']:.0f} | {r['lines'] / t['seconds']:,.0f} |")  # fmt: skip
    if args.parquet:
        print("\nThe same baskets as Parquet (all columns strings, row groups of 200,000), output CSV:\n")
        print("| lines | CSV in s | Parquet in s | Parquet file MB | Parquet in peak MB |")
        print("|---:|---:|---:|---:|---:|")
        for r in results:
            t, q = r["tariffcalc"], r.get("parquet")
            if t and q:
                print(f"| {r['lines']:,} | {t['seconds']:.2f} | {q['seconds']:.2f} | {q['bytes'] / 1e6:.1f} | {q['peak_mb']:.0f} |")
    if args.json:
        data = {"machine": info, "date": DATE, "version_seconds": version, "results": results}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
