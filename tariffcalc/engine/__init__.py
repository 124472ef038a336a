"""The engine (computation only): compiling a schedule, evaluating keys, estimating, results, running chunks, Dask, fees.

Nothing is imported here, so that importing one module of the package does not import them all.
"""
