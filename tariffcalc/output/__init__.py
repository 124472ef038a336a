"""Output: the sinks (CSV, JSON, JSON Lines, Parquet), Rich tables, text formatting and the progress bar.

Nothing is imported here, so that importing one module of the package does not import them all.
"""
