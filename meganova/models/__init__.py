"""0.4.0's ``meganova.models`` package, kept so its imports work (see MIGRATING.md).

Today every response model is importable from ``meganova.types``; the submodules here
re-export them under their 0.4.0 names (renamed ones with a ``DeprecationWarning``).
"""
