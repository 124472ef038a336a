"""Product groups kept in code-list files: one HTS code per line, after ``#`` lines that name the source.

A product group with ``file:`` instead of ``hts:`` reads its codes from a file
beside the schedule (``data/lists/`` for the shipped one), so that lists of
thousands of codes (the Section 301 China lists, the exemption annexes) live
as data with their source, citation and the command that extracted them.
"""

from __future__ import annotations

from pathlib import Path

from .. import hts_codes
from ..errors import InputError, Problem
from ..yaml_source import YamlDocument
from .model import Schedule


def read_code_list(path: Path, where: str) -> list[str]:
    """The HTS prefixes of a code-list file: ``#`` comment lines, then one code per line.

    Raises InputError naming the file and line of every code that is not an HTS prefix.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(Problem(where, f"code list {str(path)!r} does not exist")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(where, f"code list {str(path)!r} cannot be read ({exc})")) from None
    codes, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            codes.append(hts_codes.dotted(hts_codes.check_prefix(line)))
        except ValueError as exc:
            problems.append(Problem(f"{path}:{number}", str(exc)))
    if problems:
        raise InputError(problems)
    return codes


def with_code_lists(doc: YamlDocument, base: Path | None) -> dict:
    """The document's data with each product group's ``file`` read into its ``hts``."""
    groups = doc.data.get("product_groups")
    if not isinstance(groups, dict):
        return doc.data
    loaded = {}
    problems: list[Problem] = []
    for name, group in groups.items():
        if not (isinstance(group, dict) and "file" in group):
            loaded[name] = group
            continue
        where = doc.where(("product_groups", name, "file"))
        if "hts" in group:
            problems.append(Problem(where, "a product group has either 'hts' or 'file', not both"))
            continue
        path = Path(str(group["file"]))
        if not path.is_absolute():
            path = (base or Path(".")) / path
        try:
            loaded[name] = {**group, "hts": read_code_list(path, where)}
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return {**doc.data, "product_groups": loaded}


def code_list_files(schedule: Schedule, base: Path) -> list[Path]:
    """The code-list files a schedule read (for the cache to notice when one changes)."""
    files = []
    for group in schedule.product_groups.values():
        if group.file:
            path = Path(group.file)
            files.append(path if path.is_absolute() else base / path)
    return files
