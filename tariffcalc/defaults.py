"""Defaults shared by the library and the command line (kept free of heavy imports)."""

#: Lines read and computed at a time: large enough to amortise the per-chunk work, small enough for a laptop.
#: Three chunks are in memory at once (one read ahead, one computed, one written behind): at 80,000 lines a
#: 10M-line estimate peaks under 600 MB, and takes the same time as with 100,000 (benchmarks/README.md).
DEFAULT_CHUNK_SIZE = 80_000
