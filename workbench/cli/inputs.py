"""Reading input the toolkit commands need to be a FHIR resource (inspect, convert, diff, mask)."""

from __future__ import annotations

from workbench.cli.common import fail, load
from workbench.core.errors import ReadError
from workbench.core.tree import RESOURCE, Document


def load_resource(path: str) -> Document | None:
    """Read a FHIR XML or JSON file whose root is a resource.

    Prints a clear error naming the file, line and column (and returns None) when the file
    cannot be read, or when it is XML or JSON of something other than a FHIR resource.
    """
    document = load(path)
    if document is None:
        return None
    problem = not_a_resource(document)
    if problem is not None:
        fail(problem)
        return None
    return document


def not_a_resource(document: Document) -> str | None:
    """Why a document is not a FHIR resource (in the words of a read error), or None."""
    root = document.root
    if root.kind == RESOURCE:
        return None
    line, column = document.position(root) or (None, None)
    return str(
        ReadError(
            f"the root element '{root.name}' is not a FHIR resource: a FHIR document's root is a resource "
            "such as Bundle, in the FHIR namespace",
            line,
            column,
            document.path,
        )
    )
