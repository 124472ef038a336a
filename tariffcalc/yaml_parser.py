"""The PyYAML side of :mod:`tariffcalc.yaml_source`: its exact loader, and parsing with the line of every key.

Imported when a file is parsed, not with ``yaml_source``: a run whose schedule comes from the disk cache parses no
YAML, and importing PyYAML is about a hundredth of a 3-line basket's run.
"""

from __future__ import annotations

import re
from decimal import Decimal

import yaml

from .errors import InputError, Problem
from .yaml_source import Path_, YamlDocument, format_key


class ExactLoader(yaml.SafeLoader):
    """The safe loader, with Decimal floats and YAML 1.2-style booleans."""


ExactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ExactLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    return Decimal(text)


ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _construct_date(loader: yaml.SafeLoader, node: yaml.ScalarNode):
    """An unquoted date, refused with its line when the day does not exist (``2025-02-30``)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date that exists", node.start_mark
        ) from None


ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)

def _index_lines(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], repeated: list[tuple[Path_, int]], seen_nodes: set[int]
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen_nodes:  # an alias: indexed where it was defined (and no "billion laughs" walk)
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key, str) and key in seen and key != "<<":
                repeated.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), lines, repeated, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), lines, repeated, seen_nodes)


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text (one document) with line numbers; raise InputError on bad syntax."""
    loader = ExactLoader(text)
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
        _index_lines(node, (), lines, repeated, set())
    if repeated:
        # PyYAML keeps the last of two equal keys and says nothing: a silently lost definition.
        raise InputError(
            [Problem(f"{name}:{line} {format_key(path)}", "this key is defined twice in the same mapping") for path, line in repeated]
        )
    return YamlDocument(name=name, data=data, lines=lines)
