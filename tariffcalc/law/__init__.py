"""The law: what the measures are and how they stack (the schedule model, its validation, loading, cache and scenarios).

Nothing is imported here, so that importing one module of the package does not import them all.
"""
