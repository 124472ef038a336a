"""The goods: reading baskets in every format, in chunks, and normalising their columns.

Nothing is imported here, so that importing one module of the package does not import them all.
"""
