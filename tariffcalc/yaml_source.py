"""Loading YAML for schedules: safe, exact, and able to say which line a key is on.

- Only PyYAML's safe loader is used.
- Numbers with a fraction become :class:`decimal.Decimal`, never floats, so a
  rate written ``0.245`` is exactly 0.245.
- Only ``true``/``false`` are booleans: YAML 1.1 would read Norway's code
  ``NO`` (and ``yes``, ``on``, ``off``) as a boolean.
- :class:`YamlDocument` maps a key path such as ``("measures", 3, "rate")``
  to its line, so schema errors point at the line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, Problem

Path_ = tuple[Any, ...]


@dataclass
class YamlDocument:
    """A parsed YAML file and the line of every key in it."""

    name: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest part of ``path`` that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def where(self, path: Path_) -> str:
        """``"file.yaml:12 measures[3].rate"``: file, line and key, for a Problem."""
        line = self.line_of(path)
        location = f"{self.name}:{line}" if line else self.name
        key = format_key(path)
        return f"{location} {key}" if key else location


def format_key(path: Path_) -> str:
    """``("measures", 3, "rate")`` → ``"measures[3].rate"``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text (one document) with line numbers; raise InputError on bad syntax (:mod:`tariffcalc.yaml_parser`,
    imported only when some YAML is parsed)."""
    from .yaml_parser import parse_yaml as parse

    return parse(text, name)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; raise InputError when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file")) from None
    except UnicodeDecodeError as exc:
        raise InputError(Problem(str(path), f"not UTF-8 text (byte {exc.start})")) from None
    except OSError as exc:
        raise InputError(Problem(str(path), f"cannot be read ({exc.strerror})")) from None
    return parse_yaml(text, str(path))
