"""Benchmark `tariffcalc refund` on generated histories: wall time and peak memory, CSV and JSON.

    python3 benchmarks/refund.py                      # 10k, 100k and 1M lines
    python3 benchmarks/refund.py --sizes 500000 --repeat 1

Each history has three lines per entry (Chinese, German and Canadian goods, entered over
2025 and liquidated 200 to 400 days later), every entry number with a valid check digit.
CSV keeps only per-entry sums across chunks; JSON holds every line too, so it needs more.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from tariffcalc.goods import entry_numbers

AS_OF = "2026-12-01"


def generate(n: int, path: Path, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    entry = np.arange(n) // 3
    entries = int(entry.max()) + 1
    bodies = [f"AAA{k:07d}" for k in range(entries)]
    numbers = np.array([body + str(entry_numbers.check_digit(body)) for body in bodies])
    entered = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 360, entries), unit="D")
    liquidated = entered + pd.to_timedelta(rng.integers(200, 400, entries), unit="D")
    pd.DataFrame(
        {
            "entry_number": numbers[entry],
            "entry_date": entered.strftime("%Y-%m-%d")[entry],
            "liquidation_date": liquidated.strftime("%Y-%m-%d")[entry],
            "hts_code": rng.choice(["9503.00.00", "8422.30.91", "9403.60.80"], n),
            "country": rng.choice(["CN", "DE", "CA"], n),
            "value": (rng.integers(1_000, 5_000_000, n) / 100).round(2).astype(str),
            "mfn_rate": "0",
        }
    ).to_csv(path, index=False)


def main() -> None:
    from run import best_of, tariffcalc_cmd  # here: run.py imports this module for its generator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tc = tariffcalc_cmd()
    with tempfile.TemporaryDirectory(prefix="tariffcalc-refund-bench-") as tmp:
        workdir = Path(tmp)
        print(f"{'lines':>10} {'format':>6} {'seconds':>8} {'peak MB':>8}")
        for n in args.sizes:
            history = workdir / f"history-{n}.csv"
            generate(n, history)
            for fmt in ("csv", "json"):
                out = workdir / f"out.{fmt}"
                cmd = [*tc, "refund", str(history), "--as-of", AS_OF, "--format", fmt, "--output", str(out)]
                timing = best_of(cmd, args.repeat, workdir)
                print(f"{n:>10,} {fmt:>6} {timing['seconds']:>8.2f} {timing['peak_mb']:>8.0f}", flush=True)
                out.unlink()
            history.unlink()


if __name__ == "__main__":
    sys.exit(main())
