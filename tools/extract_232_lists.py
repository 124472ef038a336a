#!/usr/bin/env python3
"""Extract the Section 232 code lists from the HTS chapter 99 text (2026 rev. 6).

Run from the repository root:

    python3 tools/extract_232_lists.py [--ch99 ../shared/data/hts_2026_rev6_chapter99.txt] [--out data/lists]

Writes one list file per long list (see LISTS below) in the project's list format and
prints the count of every list, plus the short lists as YAML for the schedule.
Only HTS numbers are taken from the text; the file itself is not copied.

How the lists are found (the PDF-to-text conversion mixes columns, so each list is
located by the line of its title and cut at the title of the next one):
- U.S. note 16(c)(i)-(x) (metals from 2026-04-06): between the "(c) Headings
  9903.82.02" paragraph and subdivision (d).  On the page that prints lists (iv) and (v)
  side by side, codes of chapter 74 belong to (v) and all other codes to (iv).
- U.S. note 38(i) (MHDV parts): between "(i) The rates of duty set forth in heading
  9903.74.08" and subdivision (j).
- U.S. note 33(j) (UK auto parts, heading 9903.94.32): between "(j) Heading 9903.94.32"
  and the paragraph on foreign trade zones that follows the list.

Derived lists for the 2025 structure (the 2025 headings are no longer printed), computed from the
note 16 lists and the groups `steel` and `aluminum` of data/schedules/us-2025.yaml:
- s232-steel-derivatives-2025 / s232-aluminum-derivatives-2025: the us-2025 group minus the articles;
- s232-steel-inclusions-2025-08 / s232-aluminum-inclusions-2025-08 (APPROXIMATION of the 407 codes of
  90 FR 40326): the note 16 derivative codes not covered by the us-2025 group;
- s232-copper-2025 (APPROXIMATION of the 2025 copper annex): note 16(c)(v) + (viii).
"""
import argparse
import re
import sys
from pathlib import Path

CODE = re.compile(r"(?<![\d.])(\d{4}(?:\.\d{2}){0,2}(?:\d{2})?)(?![\d.])")
ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
NOTE16_NAMES = {
    "i": "aluminum-articles", "ii": "aluminum-derivatives-50", "iii": "steel-articles",
    "iv": "steel-derivatives-50", "v": "copper-articles-50", "vi": "aluminum-derivatives-25",
    "vii": "steel-derivatives-25", "viii": "copper-articles-25", "ix": "aluminum-derivatives-15",
    "x": "steel-derivatives-15",
}
PAGE_NOISE = re.compile(r"Harmonized Tariff Schedule|Annotated for|99 - III -|^\s*XXII\s*$|U\.S\. Notes \(con\.\)")


def codes_in(line):
    if PAGE_NOISE.search(line):
        line = line.replace("U.S. Notes (con.)", "")
        if PAGE_NOISE.search(line):
            return []
    out = []
    for m in CODE.finditer(line):
        c = m.group(1)
        digits = c.replace(".", "")
        if len(digits) in (4, 6, 8, 10) and c[:2] not in ("99",) and not c.startswith(("19", "20")) or \
           (len(digits) > 4 and c[:2] in ("19", "20")):
            out.append(c)
    return out


def find(lines, pattern, start=0):
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    raise SystemExit(f"pattern not found: {pattern}")


def note16(lines):
    start = find(lines, r"^\(c\) Headings 9903\.82\.02")
    end = find(lines, r"^\(d\) Headings 9903\.82\.04", start)
    lists = {r: [] for r in ROMAN}
    cur = None
    title = re.compile(r"^\s*\((i|ii|iii|iv|v|vi|vii|viii|ix|x)\) (Articles|Derivative)")
    iv_line = None
    for i in range(start, end):
        line = lines[i]
        m = title.match(line)
        if m:
            cur = m.group(1)
            if cur == "iv":
                iv_line = i
            line = line[m.end():]
        if cur is None:
            continue
        cs = codes_in(line)
        for c in cs:
            target = cur
            if cur in ("iii", "iv", "v") and page_of(lines, i) != page_of(lines, start):
                # second page of the note: (iv) and (v) in parallel columns
                target = "v" if c.startswith("74") else "iv"
            lists[target].append(c)
    return lists


def page_of(lines, i):
    for j in range(i, -1, -1):
        m = re.search(r"99 - III - (\d+)", lines[j])
        if m:
            return int(m.group(1))
    return 0


def block(lines, start_pat, end_pat):
    s = find(lines, start_pat)
    e = find(lines, end_pat, s + 1)
    out = []
    for i in range(s + 1, e):
        out.extend(codes_in(lines[i].replace(";", " ")))
    return out


def covered(code, group):
    d = code.replace(".", "")
    return any(d.startswith(g.replace(".", "")) or g.replace(".", "").startswith(d) for g in group)


def derived(result, us2025):
    import yaml  # only needed for the derived lists
    pg = yaml.safe_load(us2025.read_text(encoding="utf-8"))["product_groups"]
    steel, alu = pg["steel"]["hts"], pg["aluminum"]["hts"]
    L = {k: v[0] for k, v in result.items()}
    art_s = L["s232-metals-steel-articles"]
    art_a = ["7601", "7604", "7605", "7606", "7607", "7608", "7609", "7616.99.51"]
    src = "derived by tools/extract_232_lists.py from "
    result["s232-steel-derivatives-2025"] = ([c for c in steel if c not in art_s],
        src + "us-2025 group steel minus note 16(c)(iii)", "Proclamations 10896 (90 FR 9817) and 10947 (90 FR 24199)")
    result["s232-aluminum-derivatives-2025"] = ([c for c in alu if c not in art_a],
        src + "us-2025 group aluminum minus the aluminum articles", "Proclamations 10895 (90 FR 9807) and 10947 (90 FR 24199)")
    inc_s = dedupe(c for n in ("50", "25", "15") for c in L[f"s232-metals-steel-derivatives-{n}"] if not covered(c, steel))
    inc_a = dedupe(c for n in ("50", "25", "15") for c in L[f"s232-metals-aluminum-derivatives-{n}"] if not covered(c, alu))
    result["s232-steel-inclusions-2025-08"] = (inc_s, src + "APPROXIMATION: note 16(c)(iv), (vii), (x) codes not in the us-2025 group steel",
        "BIS inclusions notice 90 FR 40326 (2025-08-19), effective 2025-08-18")
    result["s232-aluminum-inclusions-2025-08"] = (inc_a, src + "APPROXIMATION: note 16(c)(ii), (vi), (ix) codes not in the us-2025 group aluminum",
        "BIS inclusions notice 90 FR 40326 (2025-08-19), effective 2025-08-18")
    result["s232-copper-2025"] = (L["s232-metals-copper-articles-50"] + L["s232-metals-copper-articles-25"],
        src + "APPROXIMATION: note 16(c)(v) and (viii)", "Proclamation 10962 (2025-07-30), FR doc 2025-14893")


def dedupe(seq):
    seen, out = set(), []
    for c in seq:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def write(path, codes, source, citation, cmd):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"# source: {source}\n# citation: {citation}\n# extracted: {cmd}\n# count: {len(codes)}\n")
        for c in codes:
            f.write(c + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ch99", default="../shared/data/hts_2026_rev6_chapter99.txt")
    ap.add_argument("--out", default="data/lists")
    ap.add_argument("--us2025", default="data/schedules/us-2025.yaml")
    ap.add_argument("--min-file", type=int, default=60, help="lists longer than this go to files")
    a = ap.parse_args(argv)
    lines = Path(a.ch99).read_text(encoding="utf-8").splitlines()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cmd = "python3 tools/extract_232_lists.py"
    result = {}
    n16 = note16(lines)
    for r in ROMAN:
        result[f"s232-metals-{NOTE16_NAMES[r]}"] = (dedupe(n16[r]),
            f"HTS 2026 rev. 6 chapter 99, U.S. note 16(c)({r}) to subchapter III",
            "Proclamation 11021, 91 FR 18201 (2026-04-02), effective 2026-04-06")
    result["s232-mhdv-parts"] = (dedupe(block(lines, r"^\(i\) The rates of duty set forth in heading 9903\.74\.08", r"^\(j\) Heading 9903\.74\.09")),
        "HTS 2026 rev. 6 chapter 99, U.S. note 38(i) to subchapter III", "Proclamation 10984, 90 FR 48451 (2025-10-17)")
    result["s232-auto-parts-uk"] = (dedupe(block(lines, r"^\(j\) Heading 9903\.94\.32", r"^Any automotive part, except")),
        "HTS 2026 rev. 6 chapter 99, U.S. note 33(j) to subchapter III", "Executive Order 14309; Commerce notice 90 FR 27851 (2025-06-30)")
    derived(result, Path(a.us2025))
    short = {}
    for name, (codes, src, cit) in result.items():
        if len(codes) > a.min_file or name.endswith(("-2025", "-2025-08")):
            write(out / f"{name}.txt", codes, src, cit, cmd)
            print(f"{name}: {len(codes)} codes -> {out / (name + '.txt')}")
        else:
            short[name] = codes
            print(f"{name}: {len(codes)} codes (inline)")
    for name, codes in short.items():
        print(f"# {name}\n    hts: [" + ", ".join(f'"{c}"' for c in codes) + "]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
