"""Reading a YAML basket: a list of mappings, every scalar kept as the text written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml

from ..errors import InputError, Problem
from .read import _twice, records_frame


class _DuplicateYamlKey(yaml.MarkedYAMLError):
    pass


class BasketLoader(yaml.BaseLoader):
    """Every scalar as the text written (no YAML 1.1 typing: ``02031005`` stays ``"02031005"``, ``10:30`` stays
    ``"10:30"``, ``NO`` stays ``"NO"``), and a key given twice in a mapping refused."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        raise _DuplicateYamlKey(problem=key_node.value, problem_mark=key_node.start_mark)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def read_yaml_basket(text: str, name: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    try:
        records = yaml.load(text, Loader=BasketLoader)  # noqa: S506 - BaseLoader builds only strings, lists and dicts
    except _DuplicateYamlKey as exc:
        raise InputError(Problem(f"{name}:{exc.problem_mark.line + 1}", _twice(exc.problem, "mapping"))) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise InputError(Problem(where, f"not valid YAML: {exc.problem}")) from None
    except (yaml.YAMLError, RecursionError, ArithmeticError):
        raise InputError(Problem(name, "not valid YAML")) from None
    return records_frame(records, name, "a YAML list")
