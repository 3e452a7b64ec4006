"""Reading input the toolkit commands need to be FHIR (inspect, convert, diff, mask)."""

from __future__ import annotations

import sys

from workbench.cli.common import fail, load
from workbench.core import stu3
from workbench.core.codecs import FHIR_NS
from workbench.core.errors import ReadError
from workbench.core.tree import RESOURCE, Document, Node


def load_resource(path: str, *, fragments: bool = False) -> Document | None:
    """Read a FHIR XML or JSON file whose root is a resource.

    Prints a clear error naming the file, line and column (and returns None) when the file
    cannot be read, or when it is XML or JSON of something other than a FHIR resource. With
    ``fragments`` a root that is a FHIR element (an ``entry`` cut out of a Bundle, as some
    published examples are) is read too, with a note: ``convert`` keeps such a fragment whole.
    """
    document = load(path)
    if document is None:
        return None
    if fragments and is_fhir_fragment(document.root):
        print(
            f"itk-workbench: note: {path}: the root element '{document.root.name}' is a FHIR element, "
            "not a resource; it is written as a fragment (not a complete FHIR document)",
            file=sys.stderr,
        )
        return document
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


def is_fhir_fragment(root: Node) -> bool:
    """Whether a non-resource root is an element FHIR defines, in the FHIR namespace or none.

    The element must be one STU3 defines somewhere, with children its type has (so an ``entry``
    of a Bundle is a fragment, and ``<note><to>`` is not).
    """
    if root.kind == RESOURCE:
        return False
    info = root.xml
    if info is not None and info.decl is not None and info.decl.get(info.prefix or "") not in (FHIR_NS, None):
        return False
    names = {c.name for c in root.elements() if c.kind != RESOURCE}
    for type_name in stu3.types_of_element(root.name):
        definition = stu3.type_def(type_name)
        if definition is not None and names <= set(definition.elements):
            return True
    return False
