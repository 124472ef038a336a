"""The official Harmonized Tariff Schedule (USITC): its rate texts, the USITC file, the tariff, the store, and MFN duties on a basket.

Nothing is imported here, so that importing one module of the package does not import them all.
"""
