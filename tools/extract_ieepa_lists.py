#!/usr/bin/env python3
"""Extract the IEEPA code lists from the HTS chapter 99 text (2026 rev. 6).

Run from the repository root:

    python3 tools/extract_ieepa_lists.py [--ch99 ../shared/data/hts_2026_rev6_chapter99.txt]
                                         [--old data/schedules/us-2025.yaml] [--out data/lists]

Writes one list file per long list (see the calls at the end) in the project's list format
and prints the count of every list, plus the short lists (for inline `hts:` keys).
Only HTS numbers are taken from the text; the text itself is not copied.

How the lists are found.  The PDF-to-text conversion prints each list of U.S. note 2 to
subchapter III as lines holding nothing but HTS numbers (one page header line also carries
numbers after "U.S. Notes (con.)").  A list is the run of such lines after its title
paragraph, cut at the title of the next subdivision; the titles are located by the heading
they name (e.g. "As provided in heading 9903.02.74").  The lists of U.S. note 35 (UK and
Japan civil aircraft) are printed as running text: there every 8/10-digit number between
the title of (a)/(b) and the next subdivision is taken, chapter 99 numbers excepted.

Dated Annex II membership.  Rev. 6 prints only the cumulative Annex II list
(note 2(v)(iii)(a)).  The April 2025 list (with the electronics of the memorandum of
2025-04-11) is the one in data/schedules/us-2025.yaml (product groups annex-ii and
annex-ii-electronics).  The difference is split by date:
- removed, chapter 44: 2025-10-14 (annex to Proclamation 10976, timber and lumber);
- removed, other chapters: 2025-09-08 (EO 14346);
- added, chapters 01-24 and 31: 2025-11-13 (EO 14360, 237 agricultural codes);
- added, other chapters: 2025-09-08 (EO 14346).
Brazil (note 2(x)(iii)(a)): the 238 codes added from 2025-11-13 by EO 14361 are the EO 14360
list less four codes Brazil already exempted (0801.21.00, 2009.11.00, 2009.12.25,
2009.12.45) plus five (3104.20.00, 3104.30.00, 3104.90.01, 3301.12.00, 3301.90.50)
(CBP CSMS #66871909 as summarised by trade press); the rest is the annex of EO 14323.
"""
import argparse
import re
import sys
from pathlib import Path

CODE = r"\d{4}(?:\.\d\d){0,2}(?:\d\d)?"
CODE_LINE = re.compile(r"^\s*(?:U\.S\. Notes \(con\.\))?\s*(" + CODE + r")(\s+" + CODE + r")*\s*$")
CODE_IN_TEXT = re.compile(r"(?<![\d.])(\d{4}\.\d\d(?:\.\d\d(?:\d\d)?)?)(?![\d.])")


def find(lines, pattern, start=0):
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    sys.exit(f"error: title not found: {pattern!r}")


def list_codes(lines, a, b):
    """Codes on code-only lines between line indexes a and b (exclusive)."""
    out = []
    for line in lines[a:b]:
        if CODE_LINE.match(line) and re.search(r"\d{4}\.\d\d|^\s*\d{4}\s", line):
            out += re.findall(CODE, line.replace("U.S. Notes (con.)", ""))
    return out


def text_codes(lines, a, b):
    out = []
    for line in lines[a:b]:
        out += [c for c in CODE_IN_TEXT.findall(line) if not c.startswith("9903")]
    return out


def old_groups(path):
    """The annex-ii and annex-ii-electronics codes of us-2025.yaml (read without PyYAML)."""
    groups, cur = {}, None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^  ([a-z0-9-]+):\s*$", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r'^      - "([\d.]+)"', line)
        if m and cur:
            groups.setdefault(cur, []).append(m.group(1))
    return groups


def uniq(codes):
    seen, out = set(), []
    for c in codes:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def write(out_dir, name, codes, source, citation, how):
    codes = sorted(uniq(codes))
    path = Path(out_dir) / f"ieepa-{name}.txt"
    head = [f"# source: {source}", f"# citation: {citation}",
            f"# extracted: python3 tools/extract_ieepa_lists.py ({how})", f"# count: {len(codes)}"]
    path.write_text("\n".join(head + codes) + "\n", encoding="utf-8")
    print(f"{path}: {len(codes)}")
    return codes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ch99", default="../shared/data/hts_2026_rev6_chapter99.txt")
    ap.add_argument("--old", default="data/schedules/us-2025.yaml")
    ap.add_argument("--out", default="data/lists")
    args = ap.parse_args()
    if not Path(args.ch99).exists():
        sys.exit(f"error: {args.ch99} not found (the HTS chapter 99 text of 2026 rev. 6)")
    L = Path(args.ch99).read_text(encoding="utf-8").split("\n")
    out = args.out
    Path(out).mkdir(parents=True, exist_ok=True)
    src = "HTS 2026 rev. 6, chapter 99, subchapter III, U.S. note 2"

    # --- note 2(v)(iii)(a): Annex II, cumulative ---------------------------------------
    a = find(L, r"\(a\) As provided for in heading 9903\.01\.32")
    b = find(L, r"^\(iv\) As provided in 9903\.01\.26", a)
    annex2 = uniq(list_codes(L, a, b))
    old = old_groups(args.old)
    april = set(old.get("annex-ii", []))
    elec = set(old.get("annex-ii-electronics", []))
    rev6 = set(annex2)
    removed = sorted((april | elec) - rev6)
    added = sorted(rev6 - april - elec)
    ag = [c for c in added if c[:2] <= "24" or c[:2] == "31"]
    write(out, "annex-ii", sorted((april & rev6) - elec),
          "Annex II to EO 14257 as listed in data/schedules/us-2025.yaml (April 2025), kept where it is still in "
          + src + "(v)(iii)(a); the electronics of 2025-04-11 are a separate inline group",
          "Executive Order 14257, Annex II, 90 FR 15041 (2025-04-02); HTS heading 9903.01.32",
          "April list intersected with note 2(v)(iii)(a)")
    write(out, "annex-ii-removed-2025-10-14", [c for c in removed if c.startswith("44")],
          "April 2025 Annex II codes of chapter 44 absent from " + src + "(v)(iii)(a)",
          "Proclamation 10976 (2025-09-29), 90 FR 48127, annex (Annex II revision from 2025-10-14)",
          "set difference, chapter 44")
    write(out, "annex-ii-added-2025-11-13", ag,
          src + "(v)(iii)(a), codes not in the April list, chapters 01-24 and 31",
          "Executive Order 14360 (2025-11-14), Annex I, effective 2025-11-13",
          "set difference, chapters 01-24 and 31")
    short = {
        "annex-ii-removed-2025-09-08": [c for c in removed if not c.startswith("44")],
        "annex-ii-added-2025-09-08": [c for c in added if c not in ag],
    }

    # --- EU (xx), (xxii), (xxiii); Korea (xxiv)(b); CH/LI (xxv)(b)-(d) -------------------
    spans = [
        ("eu-natural-resources", r"As provided in heading 9903\.02\.74,", r"^\(xxi\) As provided in heading 9903\.02\.75",
         "(v)(xx)", "FR doc 2025-18660 (EU framework, published 2025-09-25) under EO 14346; heading 9903.02.74; from 2025-09-01"),
        ("eu-civil-aircraft", r"As provided in heading 9903\.02\.76,", r"^\(xxiii\) As provided in heading 9903\.02\.77",
         "(v)(xxii)", "FR doc 2025-18660 under EO 14346; heading 9903.02.76; from 2025-09-01"),
        ("eu-generic-pharma", r"As provided in heading 9903\.02\.77,", r"^\(xxiv\)",
         "(v)(xxiii)", "FR doc 2025-18660 under EO 14346; heading 9903.02.77; from 2025-09-01"),
        ("kr-civil-aircraft", r"As provided in heading 9903\.02\.81,", r"^\(xxv\)",
         "(v)(xxiv)(b)", "90 FR 55964 (Korea, published 2025-12-04); heading 9903.02.81; from 2025-11-14"),
        ("ch-li-ag-natural-resources", r"As provided in headings 9903\.02\.84 and 9903\.02\.89", r"^\(c\) As provided in headings 9903\.02\.85",
         "(v)(xxv)(b)", "90 FR 59281 (Switzerland and Liechtenstein, published 2025-12-18); headings 9903.02.84/.89; from 2025-11-14"),
        ("ch-li-civil-aircraft", r"As provided in headings 9903\.02\.85 and 9903\.02\.90", r"^\(d\) As provided in headings 9903\.02\.86",
         "(v)(xxv)(c)", "90 FR 59281; headings 9903.02.85/.90; from 2025-11-14"),
        ("ch-li-generic-pharma", r"As provided in headings 9903\.02\.86 and 9903\.02\.91", r"^\(x\)\s*$",
         "(v)(xxv)(d)", "90 FR 59281; headings 9903.02.86/.91; from 2025-11-14"),
    ]
    for name, t1, t2, sub, cit in spans:
        a = find(L, t1)
        b = find(L, t2, a + 1)
        write(out, name, list_codes(L, a, b), src + sub, cit, f"code lines of note 2{sub}")

    # --- Brazil (x)(iii)(a) and (x)(iv) -----------------------------------------------------
    a = find(L, r"As provided in heading 9903\.01\.81,")
    b = find(L, r"^\(b\) As provided in heading 9903\.01\.90", a)
    brazil = uniq(list_codes(L, a - 12, b))   # the first code line shares the page header
    ag_brazil = (set(ag) - {"0801.21.00", "2009.11.00", "2009.12.25", "2009.12.45"}) | {
        "3104.20.00", "3104.30.00", "3104.90.01", "3301.12.00", "3301.90.50"}
    missing = ag_brazil - set(brazil)
    if missing:
        print(f"warning: Brazil 2025-11-13 codes not in note 2(x)(iii)(a): {sorted(missing)}", file=sys.stderr)
    write(out, "brazil-annex-i", [c for c in brazil if c not in ag_brazil],
          src + "(x)(iii)(a), less the codes added from 2025-11-13",
          "Executive Order 14323 (2025-07-30), 90 FR 37739, Annex I; heading 9903.01.81; from 2025-08-06",
          "note 2(x)(iii)(a) minus the EO 14361 codes")
    write(out, "brazil-ag-2025-11-13", [c for c in brazil if c in ag_brazil],
          src + "(x)(iii)(a), the agricultural codes added by EO 14361",
          "Executive Order 14361 (2025-11-20), Annex II; heading 9903.01.81; effective 2025-11-13",
          "note 2(x)(iii)(a) intersected with the EO 14360 list, adjusted as in the docstring")
    a = find(L, r"^\(iv\) As provided in heading 9903\.01\.82")
    b = find(L, r"^\(v\) The additional duties imposed by heading 9903\.01\.77", a)
    write(out, "brazil-civil-aircraft", list_codes(L, a, b), src + "(x)(iv)",
          "Executive Order 14323, 90 FR 37739; heading 9903.01.82; from 2025-08-06", "code lines of note 2(x)(iv)")

    # --- note 35(a)/(b): UK and Japan civil aircraft (running text) ------------------------
    a = find(L, r"^\(a\) As provided in heading 9903\.96\.01")
    b = find(L, r"\(b\) As provided in heading 9903\.96\.02", a)
    c = find(L, r"^\s*\(c\)|^36\. ", b + 1)
    write(out, "uk-civil-aircraft", text_codes(L, a, b), "HTS 2026 rev. 6, chapter 99, subchapter III, U.S. note 35(a)",
          "Executive Order 14309 (2025-06-16) and notice 90 FR 27851; heading 9903.96.01; from 2025-06-30",
          "numbers in the text of note 35(a)")
    write(out, "jp-civil-aircraft", text_codes(L, b, c), "HTS 2026 rev. 6, chapter 99, subchapter III, U.S. note 35(b)",
          "Executive Order 14345 (2025-09-04) and notice 90 FR 44638; heading 9903.96.02; from 2025-09-16",
          "numbers in the text of note 35(b)")

    # --- Canadian energy (from the 2025 schedule, a CBP list) ----------------------------
    write(out, "canada-energy", old.get("canada-energy", []),
          "product group canada-energy of data/schedules/us-2025.yaml (CBP list of March 2025 as publicly transcribed)",
          "Executive Order 14193 as amended, 90 FR 9113; heading 9903.01.13; CBP CSMS #64472173",
          "copied from us-2025.yaml")

    for name, codes in short.items():
        print(f"{name} ({len(codes)}): " + ", ".join(f'"{c}"' for c in codes))


if __name__ == "__main__":
    main()
