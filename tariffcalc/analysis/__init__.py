"""What the commands beyond ``estimate`` compute: compare, timeline and explain (for ``rates``).

Nothing is imported here, so that importing one module of the package does not import them all.
"""
