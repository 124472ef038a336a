#!/usr/bin/env python3
"""Extract the Section 301 (China) and Section 122 code lists from the HTS chapter 99 text.

Run from the repository root:

    python3 tools/extract_301_lists.py [--chapter99 ../shared/data/hts_2026_rev6_chapter99.txt]
                                       [--hts ../shared/data/hts_2025_basic_edition.csv]
                                       [--out data/lists]

The chapter 99 text is the USITC PDF of HTS 2026 revision 6 converted to text.  Neither it nor the
HTS CSV is committed; this script reads them and writes one list file per product group into
`data/lists/` in the list format of the schedule (v2): `#` header lines (source, citation, extracted,
count, and notes), then one HTS code per line.

How it works:

- Each list is found by the opening words of its subdivision (searched in order from the opening of
  its note), never by line numbers, so a new revision with shifted pages still extracts.
- Inside a segment a *table line* is a line whose tokens (after page furniture such as
  "U.S. Notes (con.)" is removed) are all HTS codes; codes in prose are ignored for the tables.
- Partial subheadings (note 20(g) and 20(s)(ii)) name an 8-digit subheading minus some statistical
  numbers.  They are written as the 10-digit statistical numbers that ARE covered, taken from the
  2025 HTS (the schedule matches a 10-digit list entry only on that line).  Stale statistical numbers
  of the note are mapped to their successors (STAT_SUCCESSORS).
- Product exclusions (note 20(vvv), (www)) are numbered items: either a bare 10-digit number, or a
  product description "described in statistical reporting number ...".  Both are written as the
  10-digit numbers they cite that exist in the 2025 HTS; a description is thereby approximated at
  its statistical number (the importer's exclusion claim carries the description).

The counts are asserted against the figures of the project's fact sheet (EXPECTED); a mismatch stops
the script before anything is written.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

CODE8 = r"\d{4}\.\d{2}\.\d{2}"
CODE10 = r"\d{4}\.\d{2}\.\d{4}"
CODE_TOKEN = re.compile(rf"^(?:{CODE10}|{CODE8})$")
CODE_ANY = re.compile(rf"(?<![\d.])({CODE10}|{CODE8})(?![\d])")
CODE10_ANY = re.compile(rf"(?<![\d.])({CODE10})(?!\d)")
FURNITURE = re.compile(r"U\.S\. Notes \(con\.\)")

SOURCE = "HTS 2026 revision 6 (change record 2026-04-23), chapter 99, subchapter III"
COMMAND = "python3 tools/extract_301_lists.py"

# Statistical numbers cited by the notes that no longer exist in the 2025 HTS, with the numbers
# that now cover the same goods.  2931.90.9051 ("other") was split into the three arsine lines
# .9030/.9035/.9040 and the new "other" .9052: note 20(u)(ii)(1) confirms it by giving List 4B
# everything of 2931.90.90 except .9010/.9021/.9025/.9029.
STAT_SUCCESSORS = {
    "2931.90.9051": ["2931.90.9030", "2931.90.9035", "2931.90.9040", "2931.90.9052"],
    "9403.770.4001": ["9403.70.4001"],  # typo in note 20(u)(ii)(7), as its compiler's note says
}

# Counts the extraction must reproduce (FACTS-301.md, section 1).
EXPECTED = {
    "s301-china-list-1": 856,
    "s301-china-list-2": 283,
    "s301-china-list-3": 5906,
    "list-3-partial-subheadings": 11,
    "s301-china-list-4a": 2958,
    "list-4a-partial-subheadings": 5,
    "list-4b-subheadings": 538,
    "list-4b-partial-subheadings": 8,
    "s301-china-fyr-25": 348,
    "s301-china-fyr-solar": 2,
    "s301-china-fyr-100": 10,
    "s301-china-fyr-masks-2025": 1,
    "s301-china-fyr-semis": 18,
    "s301-china-fyr-2026": 5,
    "s301-china-fyr-masks": 5,
    "s301-china-fyr-gloves": 1,
    "s301-china-fyr-tungsten": 3,
    "s301-china-maritime-chassis": 3,
    "exclusion-items-vvv-i": 47,
    "exclusion-items-vvv-ii": 22,
    "exclusion-items-vvv-iii": 70,
    "exclusion-items-vvv-iv": 25,
    "exclusion-items-www": 14,
    "exclusion-items-whole": 26,
    "s122-particular-articles": 11,
}


@dataclass
class ListFile:
    """One list file to write: its name, header facts and codes."""

    name: str
    codes: list[str]
    citation: str
    subdivision: str
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        head = [
            f"# source: {SOURCE}, {self.subdivision}",
            f"# citation: {self.citation}",
            f"# extracted: {COMMAND}",
            f"# count: {len(self.codes)}",
        ]
        head += [f"# note: {n}" for n in self.notes]
        return "\n".join(head + self.codes) + "\n"


# --- reading the sources -------------------------------------------------------------------------


def read_chapter99(path: Path) -> list[str]:
    # split on newlines only: str.splitlines() would also split on form feeds and other separators
    # that the PDF conversion left inside lines, and the line numbers in the report would drift
    return path.read_text(encoding="utf-8").split("\n")


def read_hts(path: Path) -> tuple[set[str], dict[str, list[str]]]:
    """The 8-digit subheadings of the 2025 HTS and, per subheading, its 10-digit numbers (dotted)."""
    eight: set[str] = set()
    tens: dict[str, list[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            number = row["HTS Number"].strip()
            if re.fullmatch(r"\d{4}\.\d{2}\.\d{2}", number):
                eight.add(number)
            elif re.fullmatch(r"\d{4}\.\d{2}\.\d{2}\.\d{2}", number):
                sub = number[:10]
                eight.add(sub)
                tens.setdefault(sub, []).append(number[:10] + number[11:])
    return eight, tens


# --- finding segments ----------------------------------------------------------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


def find(lines: list[str], opening: str, start: int = 0) -> int:
    """Index of the first line at or after `start` whose text begins with `opening`."""
    want = squash(opening)
    for i in range(start, len(lines)):
        if squash(lines[i]).startswith(want):
            return i
    raise SystemExit(f"error: subdivision opening not found after line {start + 1}: {opening!r}")


def segment(lines: list[str], first: str, end: str, start: int = 0) -> tuple[int, int]:
    a = find(lines, first, start)
    b = find(lines, end, a + 1)
    return a, b


def table_codes(lines: list[str], a: int, b: int) -> list[str]:
    """Codes on the table lines of lines[a:b], in reading order."""
    codes: list[str] = []
    for line in lines[a + 1 : b]:
        tokens = FURNITURE.sub(" ", line).split()
        if tokens and all(CODE_TOKEN.match(t) for t in tokens):
            codes.extend(tokens)
    return codes


def numbered_items(lines: list[str], a: int, b: int, pattern: str) -> list[tuple[int, str]]:
    """Numbered items ("1. ..." or "(1) ...") of lines[a:b] as (number, joined text)."""
    item = re.compile(pattern)
    items: list[tuple[int, str]] = []
    for line in lines[a + 1 : b]:
        m = item.match(line)
        if m:
            items.append((int(m.group(1)), line[m.end() :].strip()))
        elif items and line.strip() and not is_furniture(line):
            items[-1] = (items[-1][0], items[-1][1] + " " + line.strip())
    return items


def is_furniture(line: str) -> bool:
    s = line.strip()
    return (
        s.startswith("Harmonized Tariff Schedule of the United States")
        or s.startswith("Annotated for Statistical Reporting Purposes")
        or s == "XXII"
        or bool(re.fullmatch(r"99 - III - \d+", s))
        or s.startswith("U.S. Notes (con.)")
    )


# --- checks --------------------------------------------------------------------------------------


def check_unique(name: str, codes: list[str]) -> None:
    seen, dupes = set(), set()
    for c in codes:
        (dupes if c in seen else seen).add(c)
    if dupes:
        raise SystemExit(f"error: {name}: duplicated codes {sorted(dupes)}")


def check_count(name: str, got: int) -> None:
    want = EXPECTED.get(name)
    if want is not None and got != want:
        raise SystemExit(f"error: {name}: extracted {got}, expected {want} (FACTS-301.md section 1)")


def check_exist(name: str, codes: list[str], eight: set[str], tens: dict[str, list[str]]) -> list[str]:
    """Codes not in the 2025 HTS at their digit level."""
    all_tens = {t for ts in tens.values() for t in ts}
    missing = []
    for c in codes:
        ok = c in eight if len(c) == 10 else c in all_tens
        if not ok:
            missing.append(c)
    return missing


# --- partial subheadings -------------------------------------------------------------------------


def expand_stat(codes: list[str]) -> set[str]:
    out: set[str] = set()
    for c in codes:
        out.update(STAT_SUCCESSORS.get(c, [c]))
    return out


def partial_items(lines: list[str], a: int, b: int) -> list[tuple[str, set[str]]]:
    """(8-digit subheading, excepted 10-digit numbers) per numbered item of a partial list."""
    result = []
    for _, text in numbered_items(lines, a, b, r"^\s*(\d+)\.\s"):
        text = text.replace("9403.770.4001", " 9403.770.4001 ")
        sub = re.search(rf"(?<![\d.])({CODE8})(?![\d.])", text)
        if not sub:
            raise SystemExit(f"error: partial item without a subheading: {text[:80]!r}")
        excepted = re.findall(rf"(?<![\d.])({CODE10}|9403\.770\.4001)(?!\d)", text)
        result.append((sub.group(1), expand_stat(excepted)))
    return result


def covered_stats(items, tens: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The 10-digit numbers covered by partial items, and stale excepted numbers (for the report)."""
    covered, stale = [], []
    for sub, excepted in items:
        children = tens.get(sub)
        if not children:
            raise SystemExit(f"error: partial subheading {sub} has no 10-digit lines in the 2025 HTS")
        stale += sorted(e for e in excepted if e not in children)
        covered += [c for c in children if c not in excepted]
    return covered, stale


# --- exclusions ----------------------------------------------------------------------------------


def exclusion_items(lines, a, b, all_tens: set[str]) -> tuple[int, int, list[str], list[str]]:
    """(items, whole-number items, HTS-10 codes cited that exist, codes cited that do not)."""
    items = numbered_items(lines, a, b, r"^\s*\((\d+)\)\s")
    numbers = [n for n, _ in items]
    if numbers != list(range(1, len(items) + 1)):
        raise SystemExit(f"error: exclusion items at line {a + 1} are not numbered 1..n: {numbers}")
    whole = 0
    codes: list[str] = []
    gone: list[str] = []
    for number, text in items:
        if re.fullmatch(CODE10, text.strip()):
            whole += 1
        cited = CODE10_ANY.findall(text)
        if not any(c in all_tens for c in cited):
            raise SystemExit(f"error: exclusion ({number}) at line {a + 1}: no cited number is in the 2025 HTS: {cited}")
        for c in cited:
            if c in all_tens:
                if c not in codes:
                    codes.append(c)
            elif c not in gone:
                gone.append(c)
    return len(items), whole, codes, gone


# --- the extraction ------------------------------------------------------------------------------


def extract(lines: list[str], eight: set[str], tens: dict[str, list[str]]) -> tuple[list[ListFile], list[str]]:
    all_tens = {t for ts in tens.values() for t in ts}
    files: list[ListFile] = []
    report: list[str] = []

    def table(name, first, end, start, citation, subdivision, notes=()):
        a, b = segment(lines, first, end, start)
        codes = table_codes(lines, a, b)
        check_unique(name, codes)
        check_count(name, len(codes))
        files.append(ListFile(name, sorted(codes), citation, subdivision, list(notes)))
        report.append(f"{name:34} {len(codes):6}  ({subdivision}, lines {a + 1}-{b})")
        return a, b

    n20 = find(lines, "20. (a) For the purposes of heading 9903.88.01")
    table("s301-china-list-1", "(b) Heading 9903.88.01 applies", "(c) For the purposes of heading 9903.88.02",
          n20, "83 FR 28710 (2018-06-20); heading 9903.88.01", "U.S. note 20(b)")
    table("s301-china-list-2", "(d) Heading 9903.88.02 applies", "(e) For the purposes of heading 9903.88.03",
          n20, "83 FR 40823 (2018-08-16); heading 9903.88.02", "U.S. note 20(d)")
    table("s301-china-list-3", "(f) Heading 9903.88.03 applies", "(g) For the purposes of heading 9903.88.04",
          n20, "83 FR 47974 (2018-09-21), 84 FR 20459 (2019-05-09); heading 9903.88.03", "U.S. note 20(f)")

    # List 3 partial subheadings, note 20(g): 11 items, each an 8-digit subheading minus stat numbers.
    a, b = segment(lines, "(g) For the purposes of heading 9903.88.04",
                   "(h) The U.S. Trade Representative determined", n20)
    items3 = partial_items(lines, a, b)
    check_count("list-3-partial-subheadings", len(items3))
    cov3, stale3 = covered_stats(items3, tens)
    files.append(ListFile(
        "s301-china-list-3-partial", cov3, "83 FR 47974 (2018-09-21), 84 FR 20459 (2019-05-09); heading 9903.88.04",
        "U.S. note 20(g)",
        [f"{len(items3)} subheadings, each less the statistical numbers the note excepts; written as the "
         "10-digit numbers of the 2025 HTS that remain covered",
         "2931.90.9051 no longer exists: its successors 2931.90.9030/.9035/.9040/.9052 are treated as excepted"]))
    report.append(f"{'s301-china-list-3-partial':34} {len(cov3):6}  (U.S. note 20(g): {len(items3)} subheadings"
                  f" -> HTS-10; stale excepted numbers: {', '.join(stale3) or 'none'})")

    s = find(lines, "(s) Heading 9903.88.15 applies to", n20)
    a4, b4 = table("s301-china-list-4a", "(i) all products of China that are classified in the following 8-digit",
                   "(ii) the following products of China", s,
                   "84 FR 43304 (2019-08-20), 85 FR 3741 (2020-01-22); heading 9903.88.15", "U.S. note 20(s)(i)")
    a, b = segment(lines, "(ii) the following products of China", "(t) For the purposes of heading 9903.88.16", b4 - 1)
    items4 = partial_items(lines, a, b)
    check_count("list-4a-partial-subheadings", len(items4))
    cov4, stale4 = covered_stats(items4, tens)
    files.append(ListFile(
        "s301-china-list-4a-partial", cov4, "84 FR 43304 (2019-08-20), 85 FR 3741 (2020-01-22); heading 9903.88.15",
        "U.S. note 20(s)(ii)",
        [f"{len(items4)} subheadings, each less the statistical numbers the note excepts; written as the "
         "10-digit numbers of the 2025 HTS that remain covered"]))
    report.append(f"{'s301-china-list-4a-partial':34} {len(cov4):6}  (U.S. note 20(s)(ii): {len(items4)} subheadings"
                  f" -> HTS-10; stale excepted numbers: {', '.join(stale4) or 'none'})")

    # List 4B (suspended): counted only, as a check of the partials; no file is written.
    u = find(lines, "(u) Heading 9903.88.16 applies to", n20)
    a, b = segment(lines, "i) all products of China that are classified in the following 8-digit",
                   "ii) the following products of China", u)
    codes4b = table_codes(lines, a, b)
    check_count("list-4b-subheadings", len(codes4b))
    a, b = segment(lines, "ii) the following products of China", "(v) The U.S. Trade Representative", b - 1)
    items4b = partial_items(lines, a, b)
    check_count("list-4b-partial-subheadings", len(items4b))
    missing4b = check_exist("list-4b", codes4b, eight, tens)
    report.append(f"{'(list 4B, suspended: not written)':34} {len(codes4b):6}  (U.S. note 20(u)(i); "
                  f"{len(items4b)} partial items; {len(missing4b)} codes not in the 2025 HTS)")
    check_partials_complete(items3, items4, items4b, tens, report)

    # Product exclusions in force: 20(vvv)(i)-(iv) (heading 9903.88.69) and 20(www) (9903.88.70).
    vvv = find(lines, "(vvv) (i) The U.S. Trade Representative", n20)
    bounds = [
        ("i", "(vvv) (i) The U.S. Trade Representative", "(ii) The U.S. Trade Representative", "list-1",
         "relieves List 1 (9903.88.01)"),
        ("ii", "(ii) The U.S. Trade Representative", "(iii) The U.S. Trade Representative", "list-2",
         "relieves List 2 (9903.88.02)"),
        ("iii", "(iii) The U.S. Trade Representative", "(iv) The U.S. Trade Representative", "list-3",
         "relieves List 3 (9903.88.03, 9903.88.04)"),
        ("iv", "(iv) The U.S. Trade Representative", "(www) The U.S. Trade Representative", "list-4a",
         "relieves List 4A (9903.88.15)"),
    ]
    start, whole_total = vvv, 0
    for roman, first, end, target, what in bounds:
        a, b = segment(lines, first, end, start)
        n, whole, codes, gone = exclusion_items(lines, a, b, all_tens)
        check_count(f"exclusion-items-vvv-{roman}", n)
        whole_total += whole
        files.append(exclusion_file(f"s301-china-exclusions-{target}", codes, f"U.S. note 20(vvv)({roman})",
                                    "heading 9903.88.69; in force through 2026-11-09", n, whole, what, gone))
        report.append(f"{'s301-china-exclusions-' + target:34} {len(codes):6}  (20(vvv)({roman}): {n} exclusions, "
                      f"{whole} whole HTS-10; cited numbers not in the 2025 HTS: {', '.join(gone) or 'none'})")
        start = b
    a, b = segment(lines, "(www) The U.S. Trade Representative", "(21) (a) Except as provided in notes 21(u)", start - 1)
    n, whole, codes, gone = exclusion_items(lines, a, b, all_tens)
    check_count("exclusion-items-www", n)
    whole_total += whole
    check_count("exclusion-items-whole", whole_total)
    files.append(exclusion_file("s301-china-exclusions-solar", codes, "U.S. note 20(www)",
                                "heading 9903.88.70; in force through 2026-11-09", n, whole,
                                "relieves List 2 (9903.88.02)", gone))
    report.append(f"{'s301-china-exclusions-solar':34} {len(codes):6}  (20(www): {n} exclusions, {whole} whole HTS-10)")

    # Four-year review, note 31.
    n31 = find(lines, "31. (a) As provided in headings 9903.91.01")
    fyr = "89 FR 76581 (2024-09-18)"
    table("s301-china-fyr-25", "(b) Heading 9903.91.01 applies", "(c) Heading 9903.91.02 applies", n31,
          f"{fyr}; heading 9903.91.01 (+25% from 2024-09-27)", "U.S. note 31(b)",
          ["the 2026 text no longer prints items (1)-(4) of the notice (10-digit lines moved to 9903.91.06/.07 on "
           "2026-01-01); the schedule models them in s301-china-fyr-masks and s301-china-fyr-ev-batteries"])
    items = numbered_list(lines, "(c) Heading 9903.91.02 applies", "(d) Heading 9903.91.03 applies", n31)
    add(files, report, "s301-china-fyr-solar", items, f"{fyr}; heading 9903.91.02 (+50% from 2024-09-27)",
        "U.S. note 31(c)")
    items = numbered_list(lines, "(d) Heading 9903.91.03 applies", "(e) Heading 9903.91.04 applies", n31)
    add(files, report, "s301-china-fyr-100", items, f"{fyr}; heading 9903.91.03 (+100% from 2024-09-27)",
        "U.S. note 31(d)", ["9018.31.0080 (enteral syringes) was excepted by 9903.91.10 until 2025-12-31"])
    items = prose_codes(lines, "(e) Heading 9903.91.04 applies", "(f)", n31)
    add(files, report, "s301-china-fyr-masks-2025", items,
        f"{fyr}; heading 9903.91.04 (+25%, 2025-01-01 to 2025-12-31)", "U.S. note 31(e)")
    items = numbered_list(lines, "(i) Heading 9903.91.05 applies", "(ii) The additional rate of duty under heading "
                          "9903.91.05", n31)
    add(files, report, "s301-china-fyr-semis", items,
        "89 FR 101682 (2024-12); heading 9903.91.05 (+50% from 2025-01-01)", "U.S. note 31(f)(i)",
        ["item (3) is deleted in the 2026 text (it was 4015.12.10, medical gloves, 2025 only; see s301-china-fyr-gloves)"])
    items = numbered_list(lines, "(g) Heading 9903.91.06 applies", "(h) Heading 9903.91.07 applies", n31)
    add(files, report, "s301-china-fyr-2026", items, f"{fyr}; heading 9903.91.06 (+25% from 2026-01-01)",
        "U.S. note 31(g)")
    items = prose_codes(lines, "(h) Heading 9903.91.07 applies", "(i) Heading 9903.91.08 applies", n31)
    add(files, report, "s301-china-fyr-masks", items, f"{fyr}; heading 9903.91.07 (+50% from 2026-01-01)",
        "U.S. note 31(h)",
        ["in 2025 the same lines paid +25%: 9903.91.01 (deleted items of 31(b)) and 9903.91.04 (6307.90.9870)"])
    items = prose_codes(lines, "(i) Heading 9903.91.08 applies", "(j) Heading 9903.91.11 applies", n31)
    add(files, report, "s301-china-fyr-gloves", items, f"{fyr}; heading 9903.91.08 (+100% from 2026-01-01)",
        "U.S. note 31(i)", ["in 2025: +50% under 9903.91.05 (item (f)(i)(3), deleted by 89 FR 101682)"])
    items = numbered_list(lines, "(j) Heading 9903.91.11 applies", "(k)", n31)
    add(files, report, "s301-china-fyr-tungsten", items, "89 FR 101682 (2024-12); heading 9903.91.11 (+25% from "
        "2025-01-01)", "U.S. note 31(j)")
    items = prose_codes(lines, "(i) Heading 9903.91.12 applies", "The articles consist of chassis", n31)
    add(files, report, "s301-china-maritime-chassis", items,
        "90 FR 17114 (2025-04-23), 90 FR 48320 (2025-10-16), suspension 90 FR 50947 (2025-11-13); heading "
        "9903.91.12 (+100% from 2026-11-10)", "U.S. note 31(k)(i)",
        ["only intermodal chassis, their subassemblies and parts; other goods of these lines: 9903.91.13 (no duty)"])

    # Section 122, note 2(aa).
    aa = find(lines, "(ii) As provided in heading 9903.03.03")
    table("s122-exempt-annex", "(ii) As provided in heading 9903.03.03", "(iii) As provided in heading 9903.03.04",
          aa - 1, "Proclamation 11012 (2026-02-20), 91 FR 9339, Annex I; heading 9903.03.03", "U.S. note 2(aa)(ii)")
    a, b = segment(lines, "(iii) As provided in heading 9903.03.04", "(iv) As provided in heading 9903.03.05", aa)
    codes = []
    for _, text in numbered_items(lines, a, b, r"^\s*\((\d+)\)\s"):
        codes += CODE_ANY.findall(text)
    add(files, report, "s122-particular-articles", codes,
        "Proclamation 11012 (2026-02-20), 91 FR 9339; heading 9903.03.04", "U.S. note 2(aa)(iii)",
        ["each entry is one particular article of its subheading (e.g. for religious purposes only); the "
         "schedule exempts it only on the importer's claim"])
    table("s122-aircraft", "(iv) As provided in heading 9903.03.05", "(v) As provided in heading 9903.03.06", aa,
          "Proclamation 11012 (2026-02-20), 91 FR 9339; heading 9903.03.05", "U.S. note 2(aa)(iv)",
          ["civil aircraft, engines, parts and simulators meeting general note 6; exempt only on the importer's claim"])

    for f in files:
        missing = check_exist(f.name, f.codes, eight, tens)
        if missing:
            raise SystemExit(f"error: {f.name}: codes not in the 2025 HTS: {missing}")
    check_no_overlap(files, report)
    check_exclusions_on_lists(files, report)
    return files, report


def check_exclusions_on_lists(files: list[ListFile], report: list[str]) -> None:
    """Every exclusion number sits under a code of the list it relieves."""
    by_name = {f.name: set(f.codes) for f in files}
    relieves = {
        "s301-china-exclusions-list-1": ["s301-china-list-1"],
        "s301-china-exclusions-list-2": ["s301-china-list-2"],
        "s301-china-exclusions-list-3": ["s301-china-list-3", "s301-china-list-3-partial"],
        "s301-china-exclusions-list-4a": ["s301-china-list-4a", "s301-china-list-4a-partial"],
        "s301-china-exclusions-solar": ["s301-china-list-2"],
    }
    off = []
    for excl, lists in relieves.items():
        covered = set().union(*(by_name[n] for n in lists))
        for c in by_name[excl]:
            if c not in covered and c[:10] not in covered:
                off.append(f"{c} ({excl})")
    if off:
        raise SystemExit("error: exclusion numbers not under the list they relieve: " + ", ".join(off))
    report.append("exclusions: every cited number sits under the list it relieves")


def numbered_list(lines, first, end, start) -> list[str]:
    a, b = segment(lines, first, end, start)
    codes = []
    for _, text in numbered_items(lines, a, b, r"^\s*\((\d+)\)\s"):
        codes += CODE_ANY.findall(text)
    return codes


def prose_codes(lines, first, end, start) -> list[str]:
    a, b = segment(lines, first, end, start)
    text = " ".join(lines[a:b])
    codes = []
    for c in CODE_ANY.findall(text):
        if not c.startswith("9903.") and c not in codes:
            codes.append(c)
    return codes


def add(files, report, name, codes, citation, subdivision, notes=()):
    check_unique(name, codes)
    check_count(name, len(codes))
    files.append(ListFile(name, codes, citation, subdivision, list(notes)))
    report.append(f"{name:34} {len(codes):6}  ({subdivision})")


def exclusion_file(name, codes, subdivision, heading, n, whole, what, gone) -> ListFile:
    notes = [
        f"{n} exclusions, {what}; {heading}",
        f"{whole} exclusions are whole 10-digit numbers; the other {n - whole} are product descriptions, "
        "approximated here at the 10-digit number they cite (the importer's claim carries the description)",
    ]
    if gone:
        notes.append("cited numbers no longer in the HTS, left out: " + ", ".join(gone))
    return ListFile(name, codes, "USTR exclusion notices (latest extension 90 FR 55232, 2025-12-01)",
                    subdivision, notes)


def check_partials_complete(items3, items4, items4b, tens, report) -> None:
    """Every stat line of a partial subheading is on exactly one of lists 3, 4A, 4B or note 31(h)."""
    masks = {"6307.90.9842", "6307.90.9844", "6307.90.9850", "6307.90.9870", "6307.90.9875"}
    owners: dict[str, list[str]] = {}
    for label, items in (("3", items3), ("4A", items4), ("4B", items4b)):
        for sub, excepted in items:
            for c in tens[sub]:
                if c not in excepted:
                    owners.setdefault(c, []).append(label)
    subs = {sub for _, items in (("", items3), ("", items4), ("", items4b)) for sub, _ in items}
    problems, uncovered = [], []
    for sub in sorted(subs):
        for c in tens[sub]:
            got = owners.get(c, [])
            if c in masks:
                got = got + ["31(h)"]
            if len(got) > 1:
                problems.append(f"{c}: {got}")
            elif not got:
                uncovered.append(c)
    if problems:
        raise SystemExit("error: 10-digit lines of partial subheadings on two lists: " + "; ".join(problems))
    report.append("partial subheadings: no 10-digit line on two lists; on none (no 301 duty): "
                  + ", ".join(uncovered))


def check_no_overlap(files: list[ListFile], report: list[str]) -> None:
    """No 8-digit code on both a note-20 list and a note-31 list (the note-31 rate replaces the list rate)."""
    n20 = set()
    for f in files:
        if f.name in ("s301-china-list-1", "s301-china-list-2", "s301-china-list-3", "s301-china-list-4a"):
            n20 |= set(f.codes)
    overlaps = []
    for f in files:
        if f.name.startswith("s301-china-fyr") or f.name == "s301-china-maritime-chassis":
            for c in f.codes:
                if c[:10] in n20:
                    overlaps.append(f"{c} ({f.name})")
    expected = {"8716.39.0090", "8716.90.30", "8716.90.50"}  # chassis: List 3 and 9903.91.12 stack
    unexpected = [o for o in overlaps if o.split()[0] not in expected]
    if unexpected:
        raise SystemExit("error: codes on both a note-20 list and a note-31 group: " + ", ".join(unexpected))
    report.append("note 20 lists vs note 31 groups: no common code except the chassis lines on List 3 "
                  "(the maritime 100% stacks on List 3)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter99", type=Path, default=Path("../shared/data/hts_2026_rev6_chapter99.txt"),
                        help="HTS chapter 99 as text (default: %(default)s)")
    parser.add_argument("--hts", type=Path, default=Path("../shared/data/hts_2025_basic_edition.csv"),
                        help="the 2025 HTS basic edition CSV, for the statistical lines (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("data/lists"), help="output folder (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="extract and check only; write nothing")
    args = parser.parse_args(argv)

    for p in (args.chapter99, args.hts):
        if not p.is_file():
            print(f"error: {p}: no such file (run from the repository root, or pass the path)", file=sys.stderr)
            return 2
    lines = read_chapter99(args.chapter99)
    eight, tens = read_hts(args.hts)
    files, report = extract(lines, eight, tens)
    for line in report:
        print(line)
    if args.check:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for f in files:
        (args.out / f"{f.name}.txt").write_text(f.render(), encoding="utf-8")
    print(f"wrote {len(files)} files to {args.out}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
