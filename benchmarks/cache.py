"""The schedule cache, measured: `tariffcalc estimate` on the example basket with the cache cold, warm and off.

    python3 benchmarks/cache.py            # 20 rounds, from the repository root

Each round runs, in a fresh subprocess each: with an emptied cache folder (cold: parse, validate, write the
cache), again (warm: read the cache), and with TARIFFCALC_NO_CACHE=1 (off).  The three are interleaved so that
a busy machine weighs on them alike.  Prints the best and the median wall time of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    command = [sys.executable, "-m", "tariffcalc", "estimate", "data/examples/japan-shipment.csv", "--date", "2025-04-17"]
    with tempfile.TemporaryDirectory(prefix="tariffcalc-cache-bench-") as tmp:
        folder = Path(tmp) / "cache"
        env = {**os.environ, "TARIFFCALC_CACHE_DIR": str(folder)}
        env.pop("TARIFFCALC_NO_CACHE", None)

        def run(environment: dict) -> float:
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, check=True, env=environment)
            return time.perf_counter() - start

        times: dict[str, list[float]] = {"cold (empty cache)": [], "warm (cache hit)": [], "off (TARIFFCALC_NO_CACHE=1)": []}
        for _ in range(args.rounds):
            shutil.rmtree(folder, ignore_errors=True)
            times["cold (empty cache)"].append(run(env))
            times["warm (cache hit)"].append(run(env))
            times["off (TARIFFCALC_NO_CACHE=1)"].append(run({**env, "TARIFFCALC_NO_CACHE": "1"}))
    for label, values in times.items():
        print(f"{label:30s} best {min(values):.3f} s  median {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
