"""Baskets from the benchmark's generator (benchmarks/generate.py: codes, countries and flags of the shipped
schedule), for tests that need lines with none, one or several measures."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def generated_csv(path: Path, lines: int, seed: int) -> Path:
    """Write a generated basket of ``lines`` lines to ``path``; return the path."""
    spec = importlib.util.spec_from_file_location("generate", Path(__file__).parents[1] / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(lines, path, seed=seed)
    return path
