"""Defaults shared by the library and the command line (kept free of heavy imports)."""

#: Lines read and computed at a time: large enough to amortise the per-chunk work, small enough for a laptop.
DEFAULT_CHUNK_SIZE = 100_000
