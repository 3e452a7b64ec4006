"""Undoable edits of a document's tree, without Qt.

:mod:`.base` holds the document under edit (:class:`EditableDocument`, with its history and
observers) and the :class:`Edit` protocol; :mod:`.basic` the small edits (a value, an element id,
remove an element, add a primitive, several as one); :mod:`.structure` the edits that add, move
and copy whole elements and entries; :mod:`.clipboard` copy and paste as FHIR XML or JSON text.
Every edit has an exact inverse, so undo gives back the tree as it was, node for node.
"""

from workbench.core.edits.base import (
    Edit,
    EditableDocument,
    EditError,
    EditObserver,
    in_tree,
    is_primitive,
    stu3_position,
    typed_value,
)
from workbench.core.edits.basic import (
    AddPrimitive,
    Compound,
    RemoveElement,
    SetElementId,
    SetValue,
    deletable,
)
from workbench.core.edits.clipboard import copy_text, paste, read_clipboard
from workbench.core.edits.structure import InsertNode, MoveElement, can_move, clone, duplicate, movable, retype

__all__ = [
    "AddPrimitive",
    "Compound",
    "Edit",
    "EditError",
    "EditObserver",
    "EditableDocument",
    "InsertNode",
    "MoveElement",
    "RemoveElement",
    "SetElementId",
    "SetValue",
    "can_move",
    "clone",
    "copy_text",
    "deletable",
    "duplicate",
    "in_tree",
    "is_primitive",
    "movable",
    "paste",
    "read_clipboard",
    "retype",
    "stu3_position",
    "typed_value",
]
