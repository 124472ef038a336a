"""tariffcalc: what US import tariffs cost a basket of imports.

The library is usable without the command line; each command is a function
(see :mod:`tariffcalc.api`) whose result's ``to_dict()`` is the command's JSON::

    import pandas as pd
    import tariffcalc

    basket = pd.DataFrame({"hts_code": ["8703.23.01"], "country": ["JP"], "value": ["30000"]})
    result = tariffcalc.estimate(basket, date="2025-04-17")
    result.totals["total_duty"]      # '8250.00' (money as exact decimal strings)
    result.lines                     # a DataFrame: the columns of `tariffcalc estimate --format csv`

Importing ``tariffcalc`` is cheap: the names below are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import (
        CompareResult,
        EstimateResult,
        RatesResult,
        RefundResult,
        TimelineResult,
        compare,
        estimate,
        rates,
        refund,
        timeline,
    )
    from .errors import InputError, Problem
    from .goods.read import read_basket
    from .law.load import load_schedule

__all__ = [
    "CompareResult",
    "EstimateResult",
    "InputError",
    "Problem",
    "RatesResult",
    "RefundResult",
    "TimelineResult",
    "__version__",
    "compare",
    "estimate",
    "load_schedule",
    "rates",
    "read_basket",
    "refund",
    "timeline",
]

_HOMES = {
    "load_schedule": "tariffcalc.law.load",
    "read_basket": "tariffcalc.goods.read",
    "InputError": "tariffcalc.errors",
    "Problem": "tariffcalc.errors",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `tariffcalc --version` does not load pandas.
    if name in __all__ and name != "__version__":
        import importlib

        value = getattr(importlib.import_module(_HOMES.get(name, "tariffcalc.api")), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tariffcalc' has no attribute {name!r}")
