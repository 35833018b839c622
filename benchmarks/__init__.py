"""Performance benchmarks of boundlab against reference implementations.

Each module exposes ``run(quick=False) -> dict`` (figures measured in one run, reported as
ratios) and ``main()`` (prints them); ``python -m benchmarks.<name>`` runs ``main``.
"""
