"""Scenarios: small YAML overlays that change a schedule without copying it.

A scenario file has a header and up to five kinds of change, applied in this
order: ``remove`` (measure ids), ``modify`` (per measure, only the keys that
change), ``add`` (whole new measures), and new ``country_groups`` /
``product_groups``.  In ``modify``, ``rates`` is merged country by country
(``null`` deletes a country's rate) and every other key replaces the
schedule's value.  Removing a measure also removes the stacking rules that
name it.  Several scenarios apply one after the other, in the order given.

The overlay is validated against its own schema first (so errors point at the
scenario file's lines), then the measures and countries it names are checked
against the schedule, and finally the schedule that results is validated
again as a whole.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from .. import countries as country_codes
from ..errors import InputError, Problem
from ..paths import data_dir
from ..yaml_source import YamlDocument, parse_yaml, read_yaml
from .load import resolve_schedule_path
from .model import Model, Schedule
from .validate import problems_from_validation, schedule_from_document

#: The keys of a measure that ``modify`` may change (all but ``id``).
MODIFIABLE = (
    "name", "authority", "amended_by", "from", "through", "countries", "rate", "rates", "products",
    "changes", "pauses", "exemptions", "requires", "yields_to", "note",
)  # fmt: skip


class ScenarioInfo(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    description: str
    source: str | None = None
    schedule: str | None = Field(default=None, description="The id of the schedule it was written for.")


class Scenario(Model):
    scenario: ScenarioInfo
    remove: list[str] = Field(default_factory=list)
    modify: dict[str, dict[str, Any]] = Field(default_factory=dict)
    add: list[dict[str, Any]] = Field(default_factory=list)
    country_groups: dict[str, Any] = Field(default_factory=dict)
    product_groups: dict[str, Any] = Field(default_factory=dict)


def shipped_scenario_names() -> list[str]:
    folder = data_dir() / "scenarios"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def resolve_scenario_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    shipped = data_dir() / "scenarios" / f"{name_or_path}.yaml"
    if not shipped.is_file():
        names = ", ".join(shipped_scenario_names()) or "none"
        raise InputError(
            Problem("--scenario", f"no scenario named {name_or_path!r} (shipped scenarios: {names}; or give a path)")
        )
    return shipped


def load_scenario(name_or_path: str) -> tuple[Scenario, YamlDocument]:
    doc = read_yaml(resolve_scenario_path(name_or_path))
    return scenario_from_document(doc), doc


def scenario_from_document(doc: YamlDocument) -> Scenario:
    if not isinstance(doc.data, dict):
        raise InputError(Problem(doc.where(()), "a scenario must be a mapping with a 'scenario' header"))
    try:
        return Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, doc)) from None


def _check_against(scenario: Scenario, doc: YamlDocument, data: dict) -> list[Problem]:
    """Measures and countries the scenario names must exist in the schedule it changes (problems in file order)."""
    found: list[tuple[int, Problem]] = []

    def bad(path: tuple, message: str) -> None:
        found.append((doc.line_of(path) or 0, Problem(doc.where(path), message)))

    ids = [m.get("id") for m in data.get("measures", [])]
    groups = set(data.get("country_groups", {})) | set(scenario.country_groups)
    for i, measure_id in enumerate(scenario.remove):
        if measure_id not in ids:
            bad(("remove", i), f"no measure with id {measure_id!r} in the schedule")
    for measure_id, changes in scenario.modify.items():
        at = ("modify", measure_id)
        if measure_id not in ids or measure_id in scenario.remove:
            bad(at, f"no measure with id {measure_id!r} in the schedule")
            continue
        for key in changes:
            if key not in MODIFIABLE:
                bad(at + (key,), f"{key!r} cannot be modified (keys that can: {', '.join(MODIFIABLE)})")
        rates = changes.get("rates")
        for code in rates if isinstance(rates, dict) else {}:
            if code not in groups and not country_codes.is_country_code(code):
                bad(
                    at + ("rates", code),
                    f"{code!r} is neither an ISO 3166 alpha-2 country code nor a country group of the schedule",
                )
    for i, measure in enumerate(scenario.add):
        if measure.get("id") in ids and measure.get("id") not in scenario.remove:
            bad(("add", i, "id"), f"a measure with id {measure.get('id')!r} already exists")
    return [problem for _, problem in sorted(found, key=lambda item: item[0])]


def overlay(data: dict, scenario: Scenario) -> dict:
    """The schedule's raw data with the scenario applied (the input is not changed)."""
    data = copy.deepcopy(data)
    removed = set(scenario.remove)
    measures = [m for m in data.get("measures", []) if m.get("id") not in removed]
    for measure in measures:
        rules = measure.get("yields_to") or []
        measure["yields_to"] = [r for r in rules if (r if isinstance(r, str) else r.get("measure")) not in removed]
        changes = scenario.modify.get(measure.get("id"))
        if not changes:
            continue
        for key, value in changes.items():
            if key == "rates" and isinstance(value, dict):
                rates = dict(measure.get("rates") or {})
                for code, rate in value.items():
                    if rate is None:
                        rates.pop(code, None)
                    else:
                        rates[code] = rate
                measure["rates"] = rates
            elif value is None:
                measure.pop(key, None)
            else:
                measure[key] = copy.deepcopy(value)
    measures.extend(copy.deepcopy(scenario.add))
    data["measures"] = measures
    data.setdefault("country_groups", {}).update(copy.deepcopy(scenario.country_groups))
    data.setdefault("product_groups", {}).update(copy.deepcopy(scenario.product_groups))
    return data


def apply_scenarios(schedule_name: str, scenarios: list[tuple[Scenario, YamlDocument]]) -> Schedule:
    """Load a schedule and apply scenarios in order; validate each step, locating errors in the right file."""
    path = resolve_schedule_path(schedule_name)
    base_doc = read_yaml(path)
    data = base_doc.data
    if not scenarios:
        return schedule_from_document(base_doc, path.parent)
    schedule_from_document(base_doc, path.parent)  # the schedule itself must be valid before anything is layered on it
    names = []
    for scenario, doc in scenarios:
        if not isinstance(data, dict):
            break
        problems = _check_against(scenario, doc, data)
        if problems:
            raise InputError(problems)
        data = overlay(data, scenario)
        names.append(scenario.scenario.id)
    merged = YamlDocument(name=f"{base_doc.name} with scenario {' + '.join(names)}", data=data)
    schedule = schedule_from_document(merged, path.parent)
    info = schedule.schedule.model_copy(update={"id": f"{schedule.schedule.id}+{'+'.join(names)}"})
    return schedule.model_copy(update={"schedule": info})


def set_scenario(assignments: list[str]) -> tuple[Scenario, YamlDocument]:
    """``--set`` options as a one-off scenario.

    Each is ``MEASURE.KEY=VALUE`` (``reciprocal-annex-i.through=2025-07-08``)
    or ``MEASURE.rates.COUNTRY=RATE`` (``reciprocal-annex-i.rates.JP=15%``);
    the value is read as YAML, so dates, rates and lists work as in a file.
    """
    modify: dict[str, dict[str, Any]] = {}
    problems = []
    for text in assignments:
        target, sep, value_text = text.partition("=")
        parts = target.strip().split(".")
        if not sep or len(parts) not in (2, 3) or (len(parts) == 3 and parts[1] != "rates"):
            problems.append(
                Problem(
                    "--set",
                    f"{text!r} is not MEASURE.KEY=VALUE or MEASURE.rates.COUNTRY=RATE "
                    "(e.g. reciprocal-annex-i.rates.JP=15%)",
                )
            )
            continue
        try:
            value = parse_yaml(value_text, "--set").data
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        entry = modify.setdefault(parts[0], {})
        if len(parts) == 3:
            entry.setdefault("rates", {})[parts[2]] = value
        else:
            entry[parts[1]] = value
    if problems:
        raise InputError(problems)
    data = {
        "scenario": {"id": "set", "name": "--set", "description": "; ".join(assignments)},
        "modify": modify,
    }
    doc = YamlDocument(name="--set", data=data)
    return scenario_from_document(doc), doc
