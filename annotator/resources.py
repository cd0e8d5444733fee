"""Access to the bundled resources (default schema, sample articles, icons)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource_root() -> Traversable:
    """The folder holding the bundled resources, installed or in a source checkout."""
    package = files("annotator")
    installed = package / "_resources"
    if installed.is_dir():
        return installed
    # Source checkout or editable install: resources/ sits beside the package.
    source = package / ".." / "resources"
    if source.is_dir():
        return source
    raise FileNotFoundError("the bundled resources folder is missing from this installation")


def resource(*parts: str) -> Traversable:
    """One bundled resource by its path below ``resources/``."""
    node = resource_root()
    for part in parts:
        node = node / part
    return node
