"""Locate the data files the application ships (the project's own ``resources/`` folder)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """Return the folder holding the shipped resources.

    In a wheel they are packaged as ``workbench/_resources``; in a source checkout
    (editable install) they are the top-level ``resources/`` folder.
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the workbench resources folder is missing from this installation")


def resource_path(*parts: str) -> Path:
    """Return the path of one shipped resource file."""
    return resources_dir().joinpath(*parts)
