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

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InputError, Problem

# PyYAML is imported when a file is parsed, not with this module: a run whose schedule comes from the disk cache
# parses no YAML, and the import is about a hundredth of a 3-line basket's run.


@lru_cache(maxsize=1)
def exact_loader() -> type:
    """The safe loader, with Decimal floats and YAML 1.2-style booleans (made once, on first use)."""
    import yaml

    class ExactLoader(yaml.SafeLoader):
        pass

    ExactLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    ExactLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
    ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)
    return ExactLoader


def _construct_decimal(loader, node) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    return Decimal(text)


def _construct_date(loader, node):
    """An unquoted date, refused with its line when the day does not exist (``2025-02-30``)."""
    import yaml

    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date that exists", node.start_mark
        ) from None


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


def _index_lines(
    node, path: Path_, lines: dict[Path_, int], repeated: list[tuple[Path_, int]], seen_nodes: set[int], kinds: tuple[type, type]
) -> None:
    """Record the line of ``node`` and of everything under it; ``kinds`` are PyYAML's mapping and sequence nodes."""
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen_nodes:  # an alias: indexed where it was defined (and no "billion laughs" walk)
        return
    seen_nodes.add(id(node))
    mapping, sequence = kinds
    if isinstance(node, mapping):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key, str) and key in seen and key != "<<":
                repeated.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), lines, repeated, seen_nodes, kinds)
    elif isinstance(node, sequence):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), lines, repeated, seen_nodes, kinds)


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text (one document) with line numbers; raise InputError on bad syntax."""
    import yaml

    loader = exact_loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        reason = exc.problem or exc.context or "not valid YAML"
        raise InputError(Problem(where, f"not valid YAML: {reason}")) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(name, f"not valid YAML: {exc}")) from None
    except ArithmeticError:
        raise InputError(Problem(name, "not valid YAML: a number that cannot be read")) from None
    except RecursionError:
        raise InputError(Problem(name, "not valid YAML: nested too deeply")) from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    repeated: list[tuple[Path_, int]] = []
    if node is not None:
        _index_lines(node, (), lines, repeated, set(), (yaml.MappingNode, yaml.SequenceNode))
    if repeated:
        # PyYAML keeps the last of two equal keys and says nothing: a silently lost definition.
        raise InputError(
            [Problem(f"{name}:{line} {format_key(path)}", "this key is defined twice in the same mapping") for path, line in repeated]
        )
    return YamlDocument(name=name, data=data, lines=lines)


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
