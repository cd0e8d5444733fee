"""Annotator: annotate news articles with entities, quotes and stances."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("annotator")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

APP_NAME = "Annotator"


def _import_sqlite_utils_lean() -> None:
    """Import sqlite-utils without pandas and numpy.

    sqlite-utils imports both at import time when they are installed (the ``hf`` extra brings
    pandas), only to convert their values on insert, which Annotator never asks of it; that cost
    0.4 s of every start. Both stay importable for the code that needs them.
    """
    import sys

    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "not installed", for this import
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_sqlite_utils_lean()
