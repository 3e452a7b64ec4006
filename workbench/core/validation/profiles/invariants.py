"""Invariants: ``ElementDefinition.constraint.expression`` evaluated with fhirpathpy (STU3 model).

Each expression is compiled once per process (a functools cache). Three base invariants that sit
on nearly every element of every snapshot (``ele-1``, ``ext-1``, ``ref-1``: 94 % of the 16,330
constraints in the NHS snapshots) are evaluated natively on the tree, with the same meaning and
a hundred times faster; the rest go to fhirpathpy over the JSON data of the resource
(:mod:`.fhirdict`), with ``%resource``, ``%rootResource`` and ``%context`` set.

fhirpathpy 2.2.4 lacks ``hasValue()`` and ``htmlChecks()``; both are supplied here
(``htmlChecks`` answers true: the structure layer checks narrative XHTML). ``trace()`` is
silenced. An expression that does not compile or raises is reported by the caller as "could not
be evaluated", never as a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from workbench.core.tree import COMMENT, RESOURCE, XHTML, Node
from workbench.core.validation.profiles.fhirdict import FhirData
from workbench.core.validation.profiles.model import Constraint


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one invariant on one element: passed, failed or not evaluated (error)."""

    passed: bool
    error: str | None = None


PASSED = Outcome(True)
FAILED = Outcome(False)


def _normal(expression: str) -> str:
    return " ".join(expression.split())


# ---- native forms of the base invariants ---------------------------------------------------


def _ele_1(node: Node) -> bool:
    """ele-1: ``hasValue() | (children().count() > id.count())``: a value or some child."""
    if node.kind in (RESOURCE, XHTML) or node.value is not None or node.url is not None:
        return True
    return any(c.kind != COMMENT for c in node.children)


def _ext_1(node: Node) -> bool:
    """ext-1: ``extension.exists() != value.exists()``: sub-extensions or a value, not both."""
    has_extension = has_value = False
    for c in node.children:
        if c.kind == COMMENT:
            continue
        if c.name == "extension":
            has_extension = True
        elif c.name.startswith("value") and c.name[5:6].isupper():
            has_value = True
    return has_extension != has_value


def _ref_1(node: Node) -> bool:
    """ref-1: a local reference (``#id``) names a resource contained in the same resource."""
    reference = node.value_at("reference")
    if not reference or not reference.startswith("#"):
        return True
    owner = node.owning_resource()
    if owner is None:
        return False
    ids = {c.resource().value_at("id") for c in owner.children_named("contained") if c.resource() is not None}  # type: ignore[union-attr]
    return reference[1:] in ids


NATIVE: dict[tuple[str, str], Callable[[Node], bool]] = {
    ("ele-1", "hasValue() | (children().count() > id.count())"): _ele_1,
    ("ext-1", "extension.exists() != value.exists()"): _ext_1,
    (
        "ref-1",
        "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %resource.contained.id.trace('ids'))",
    ): _ref_1,
    ("ref-1", "reference.startsWith('#').not() or (reference.substring(1) in %resource.contained.id)"): _ref_1,
}


def native_for(constraint: Constraint) -> Callable[[Node], bool] | None:
    """The native evaluator of a base invariant, when its expression is the standard one."""
    if constraint.expression is None:
        return None
    return NATIVE.get((constraint.key, _normal(constraint.expression)))


# ---- fhirpathpy --------------------------------------------------------------------------


def _has_value(inputs: list[Any]) -> bool:
    return len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], dict | list)


_USER_FUNCTIONS = {
    "hasValue": {"fn": _has_value},
    "htmlChecks": {"fn": lambda inputs: True},
    "htmlchecks": {"fn": lambda inputs: True},
}


def _quiet_trace(*_args: object) -> None:
    """fhirpathpy's trace() prints unless given a trace function: keep output clean."""


@lru_cache(maxsize=4096)
def compiled(expression: str) -> Callable[..., list[Any]] | str:
    """Compile an expression once; return the function, or the error text when it fails."""
    try:
        from fhirpathpy import compile as fhirpath_compile
        from fhirpathpy.models import models

        return fhirpath_compile(
            expression, models["stu3"], {"userInvocationTable": _USER_FUNCTIONS, "traceFn": _quiet_trace}
        )
    except Exception as exc:  # noqa: BLE001 - any parser error means "cannot evaluate"
        return f"{type(exc).__name__}: {exc}"


def _base_path(type_code: str | None, path: str) -> str:
    if type_code and type_code not in ("BackboneElement", "Element") and type_code[:1].isupper():
        return type_code
    return path.replace("[x]", "")


def evaluate(
    constraint: Constraint,
    node: Node,
    data: FhirData,
    path: str,
    type_code: str | None = None,
) -> Outcome:
    """Evaluate one invariant on the instance ``node`` of the element at ``path``.

    Args:
        constraint: the invariant.
        node: the element (or resource) it applies to.
        data: the JSON data of the document's resources.
        path: the element path in the profile (``Composition.section``), which fhirpathpy needs
            to type choice elements.
        type_code: the element's type, when it has one (``Period``).

    Returns:
        PASSED, FAILED, or an Outcome with the error text when it cannot be evaluated.
    """
    native = native_for(constraint)
    if native is not None:
        return PASSED if native(node) else FAILED
    if not constraint.expression:
        return PASSED
    function = compiled(_normal(constraint.expression))
    if isinstance(function, str):
        return Outcome(True, function)
    resource_node = node if node.kind == RESOURCE else node.owning_resource()
    root_node = resource_node
    while root_node is not None and root_node.parent is not None and root_node.parent.name == "contained":
        owner = root_node.parent.owning_resource()
        if owner is None:
            break
        root_node = owner
    resource = data.of(resource_node) if resource_node is not None else None
    root = data.of(root_node) if root_node is not None else resource
    target = data.of(node)
    try:
        from fhirpathpy.engine.nodes import ResourceNode

        if node.kind == RESOURCE:
            subject: Any = target
        else:
            subject = ResourceNode.create_node(target, _base_path(type_code, path))
        result = function(subject, {"resource": resource, "rootResource": root, "context": target})
    except Exception as exc:  # noqa: BLE001 - fhirpathpy raises plain Exceptions
        return Outcome(True, f"{type(exc).__name__}: {exc}")
    return FAILED if _is_false(result) else PASSED


def _is_false(result: Any) -> bool:
    """An invariant fails when it evaluates to false (an empty result is not a failure)."""
    if isinstance(result, list):
        return any(item is False for item in result)
    return result is False
