"""tariffcalc: what US import tariffs cost a basket of imports.

The library is usable without the command line::

    from tariffcalc import load_schedule, read_basket, estimate
    result = estimate(read_basket("data/examples/japan-shipment.csv"), load_schedule("us"), date)
    result.totals()
"""

__version__ = "0.1.0"

__all__ = ["__version__", "estimate", "load_schedule", "read_basket"]


def __getattr__(name: str):
    # Imported on first use, so that `tariffcalc --version` does not load pandas.
    if name == "estimate":
        from .engine.calculate import estimate

        return estimate
    if name == "load_schedule":
        from .law.load import load_schedule

        return load_schedule
    if name == "read_basket":
        from .goods.read import read_basket

        return read_basket
    raise AttributeError(name)
