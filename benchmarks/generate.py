"""Write a realistic tariffcalc basket CSV of N lines, deterministically.

    python3 benchmarks/generate.py 1000000 basket.csv --seed 1

HTS codes come from product groups of the shipped schedule
(data/schedules/us.yaml: steel and aluminum articles and derivatives, Section
301 lists 3 and 4A, s232-vehicles, s232-auto-parts, annex-ii, canada-energy,
potash; groups kept in code-list files are read from data/lists/) and from a
list of common codes that no measure scopes; about
one line in ten carries an entry_date spread over the schedule's window, so the
dated measures (the 2018 steel and aluminum regime, the China escalation, the
pause) apply too.  Codes of 10 digits are used as they are, codes of 8 digits
too and, when the HTS file is present, with up to three of their real 10-digit
statistical suffixes.  Shorter
prefixes (4 or 6 digits) are replaced by the real tariff lines under them when
the USITC HTS file (../shared/data/hts_2025_basic_edition.csv) is present; that
file also adds its 10-digit codes to the pool of non-scoped goods.  Without it
the vehicle prefixes use a built-in list of their real 8-digit lines and the
other short prefixes are left out.  The same seed gives the same file for the
same schedule and the same HTS file (present or not).
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEDULE = REPO / "data" / "schedules" / "us.yaml"
HTS_FILE = REPO.parent / "shared" / "data" / "hts_2025_basic_edition.csv"

HEADER = "hts_code,country,value,mfn_rate,description,quantity,usmca,auto_part,entry_date"

# Share of lines drawn from each source of codes, and the description they get.
CATEGORIES = {  # name: (weight, description)
    "common": (0.34, None),
    "annex-ii": (0.08, "Annex II goods"),
    "s232-steel-articles": (0.05, "Steel articles"),
    "s232-steel-derivatives-2025": (0.05, "Steel derivatives"),
    "s232-aluminum-articles": (0.04, "Aluminum articles"),
    "s232-aluminum-derivatives-2025": (0.04, "Aluminum derivatives"),
    "s301-china-list-3": (0.04, "Section 301 List 3 goods"),
    "s301-china-list-4a": (0.02, "Section 301 List 4A goods"),
    "s232-auto-parts": (0.08, "Auto parts"),
    "s232-vehicles": (0.06, "Passenger vehicle"),
    "canada-energy": (0.08, "Energy products"),
    "potash": (0.02, "Potash, fertilisers"),
    "hts-file": (0.04, None),  # only when the HTS file is present
}

# Common consumer and industrial goods outside every product scope (and a few in annex-ii-electronics).
COMMON = {
    "9503.00.00": "Toys",
    "6109.10.00": "T-shirts, cotton",
    "8504.40.95": "Power supplies",
    "6911.10.10": "Porcelain tableware",
    "9401.61.40": "Upholstered wooden chairs",
    "8516.60.40": "Cooking stoves and ovens",
    "4202.21.90": "Handbags, leather",
    "6402.99.31": "Footwear, rubber soles",
    "3926.90.99": "Plastic articles",
    "8471.30.01": "Laptop computers",
    "8517.13.00": "Smartphones",
    "6110.20.20": "Sweaters, cotton",
    "9403.60.80": "Wooden furniture",
    "8528.72.64": "Television sets",
    "3004.90.92": "Medicaments",
    "2204.21.50": "Wine",
    "0901.21.00": "Roasted coffee",
    "9018.90.80": "Medical instruments",
}

# The real 8-digit lines under the 6-digit vehicle prefixes (one each), used without the HTS file.
VEHICLE_LINES = [
    "8703.22.01", "8703.23.01", "8703.24.01", "8703.31.01", "8703.32.01", "8703.33.01",
    "8703.40.00", "8703.50.00", "8703.60.00", "8703.70.00", "8703.80.00", "8703.90.01",
    "8704.21.01", "8704.31.01", "8704.41.00", "8704.51.00", "8704.60.00",
]  # fmt: skip

# Partners roughly by 2024 US goods imports (USD billions), then a tail of smaller ones.
COUNTRIES = {
    "MX": 506, "CN": 439, "CA": 413, "DE": 160, "JP": 148, "VN": 137, "KR": 132, "TW": 116,
    "IE": 103, "IN": 87, "IT": 76, "CH": 63, "GB": 68, "TH": 63, "MY": 53, "FR": 52,
    "SG": 43, "BR": 42, "NL": 34, "ID": 28, "IL": 22, "AU": 16, "ES": 20, "BE": 25,
    "SE": 16, "AT": 14, "DK": 14, "PH": 14, "KH": 13, "SA": 13, "CO": 18, "CL": 16,
    "ZA": 15, "TR": 16, "PL": 11, "CR": 13, "BD": 8, "NO": 6, "HK": 5, "PE": 10,
    "AE": 7, "HU": 9, "CZ": 8, "FI": 6, "NZ": 6, "PK": 6, "EC": 8, "GT": 5, "DO": 6,
    "HN": 5, "NI": 5, "SV": 3, "LK": 3, "KZ": 3, "NG": 6, "AO": 2, "LA": 1, "MG": 1,
    "LS": 0.3, "MU": 0.3, "JO": 3, "RU": 3, "BY": 0.1, "UA": 1, "AR": 7, "PT": 5,
}  # fmt: skip

MFN_RATES = (["", "0", "2.5%", "6.8%", "0.032", "Free", "4%", "12.5%"],
             [0.20, 0.25, 0.15, 0.10, 0.08, 0.07, 0.10, 0.05])  # fmt: skip
WINDOW = np.datetime64("2025-02-01"), np.datetime64("2025-07-31")


def _quote(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([text])
    return buf.getvalue()


def _hts_file_codes(path: Path) -> tuple[list[str], dict[str, str]]:
    """The tariff lines of the USITC HTS file: (codes to use, code → description)."""
    lines, descriptions = [], {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code = row["HTS Number"].strip()
            digits = code.replace(".", "")
            if len(digits) == 10 and not code.startswith("99"):
                # 8-digit lines without statistical breakout are written XXXX.XX.XX.00
                code = code[:-3] if digits.endswith("00") and row["General Rate of Duty"] else code
                lines.append(code)
                descriptions[code] = " ".join(row["Description"].split())[:60].rstrip(" ;,")
    return lines, descriptions


def code_pools(hts_file: Path | None) -> dict[str, tuple[list[str], list[str]]]:
    """Category → (codes, their descriptions already CSV-quoted)."""
    groups = yaml.safe_load(SCHEDULE.read_text(encoding="utf-8"))["product_groups"]
    file_codes: list[str] = []
    file_desc: dict[str, str] = {}
    if hts_file is not None and hts_file.exists():
        file_codes, file_desc = _hts_file_codes(hts_file)
    under: dict[str, list[str]] = {}  # 4-, 6- and 8-digit prefix -> the file's codes under it
    for code in file_codes:
        digits = code.replace(".", "")
        for k in (4, 6, 8):
            under.setdefault(digits[:k], []).append(code)
    pools = {}
    for name, (_, label) in CATEGORIES.items():
        if name == "common":
            codes = list(COMMON)
            descs = [COMMON[c] for c in codes]
        elif name == "hts-file":
            codes = file_codes
            descs = [file_desc[c] for c in codes]
        else:
            codes = []
            group = groups[name]
            prefixes = group.get("hts") or [
                line.strip() for line in (SCHEDULE.parent / group["file"]).read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")
            ]  # fmt: skip
            for prefix in prefixes:
                digits = prefix.replace(".", "")
                if len(digits) == 10:
                    codes.append(prefix)
                elif len(digits) == 8:  # the line itself, and up to three of its statistical suffixes when known
                    codes += [prefix] + [c for c in under.get(digits, []) if len(c) == 13][:3]
                elif under:  # the real lines under a 4- or 6-digit prefix (at most 8 of them)
                    codes += under.get(digits, [])[:8]
                elif name == "s232-vehicles":
                    codes += [c for c in VEHICLE_LINES if c.replace(".", "").startswith(digits)]
            codes = list(dict.fromkeys(codes))
            descs = [label] * len(codes)
        if codes:
            pools[name] = (codes, [_quote(d) for d in descs])
    return pools


def generate(n: int, path: str | Path, seed: int = 1, hts_file: Path | None = HTS_FILE, chunk: int = 500_000) -> None:
    """Write a basket of n lines to path."""
    rng = np.random.default_rng(seed)
    pools = code_pools(hts_file)
    names = list(pools)
    cat_w = np.array([CATEGORIES[c][0] for c in names])
    # One table of every code; a line picks a category, then a code in it (Zipf-like popularity).
    all_codes, all_descs, starts, probs = [], [], [], []
    for name in names:
        codes, descs = pools[name]
        starts.append(len(all_codes))
        all_codes += codes
        all_descs += descs
        w = 1.0 / np.arange(1, len(codes) + 1) ** 0.8
        probs.append(rng.permutation(w / w.sum()))
    undotted = [c.replace(".", "") for c in all_codes]
    is_part = np.zeros(len(all_codes), dtype=bool)
    if "s232-auto-parts" in pools:
        i = names.index("s232-auto-parts")
        is_part[starts[i] : starts[i] + len(pools["s232-auto-parts"][0])] = True

    countries = list(COUNTRIES)
    c_w = np.array(list(COUNTRIES.values()), dtype=float)
    c_w /= c_w.sum()
    neighbour = np.array([c in ("CA", "MX") for c in countries])
    mfn_values, mfn_w = MFN_RATES
    flags = ["", "true", "false"]
    days = int((WINDOW[1] - WINDOW[0]).astype(int)) + 1
    dates = [""] + [str(WINDOW[0] + d) for d in range(days)]

    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for lo in range(0, n, chunk):
            m = min(chunk, n - lo)
            cat = rng.choice(len(names), size=m, p=cat_w / cat_w.sum())
            code = np.empty(m, dtype=np.int64)
            for i in range(len(names)):
                sel = np.flatnonzero(cat == i)
                code[sel] = starts[i] + rng.choice(len(probs[i]), size=len(sel), p=probs[i])
            dots = rng.random(m) < 0.8  # a fifth of the codes are written without dots
            country = rng.choice(len(countries), size=m, p=c_w)
            value = np.round(np.exp(rng.normal(np.log(4000), 1.6, size=m)), 2).clip(1.0, 5e8)
            quantity = np.ceil(np.exp(rng.normal(3.0, 1.8, size=m))).astype(np.int64)
            mfn = rng.choice(len(mfn_values), size=m, p=mfn_w)
            usmca = np.where(
                neighbour[country],
                rng.choice(3, size=m, p=[0.2, 0.6, 0.2]),
                rng.choice(3, size=m, p=[0.95, 0.0, 0.05]),
            )
            part = np.where(is_part[code], rng.choice(3, size=m, p=[0.3, 0.6, 0.1]), rng.choice(3, size=m, p=[0.9, 0.0, 0.1]))
            date = np.where(rng.random(m) < 0.1, rng.integers(1, days + 1, size=m), 0)
            rows = [
                f"{(all_codes if d else undotted)[c]},{countries[k]},{v:.2f},{mfn_values[r]},{all_descs[c]},{q},"
                f"{flags[u]},{flags[p]},{dates[t]}\n"
                for c, d, k, v, r, q, u, p, t in zip(
                    code.tolist(), dots.tolist(), country.tolist(), value.tolist(), mfn.tolist(),
                    quantity.tolist(), usmca.tolist(), part.tolist(), date.tolist(),
                )
            ]  # fmt: skip
            out.write("".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=int, help="number of basket lines")
    parser.add_argument("output", help="CSV file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-hts-file", action="store_true", help="ignore the USITC HTS file even if present")
    args = parser.parse_args()
    start = time.perf_counter()
    generate(args.lines, args.output, args.seed, None if args.no_hts_file else HTS_FILE)
    print(f"wrote {args.lines:,} lines to {args.output} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
