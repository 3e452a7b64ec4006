"""Invariants: ``ElementDefinition.constraint.expression`` evaluated with fhirpathpy (STU3 model).

Each expression is compiled once per process (a functools cache). Three base invariants that sit
on nearly every element of every snapshot (``ele-1``, ``ext-1``, ``ref-1``: 94 % of the 16,330
constraints in the NHS snapshots) are evaluated natively on the tree, with the same meaning and
a hundred times faster; the rest go to fhirpathpy over the JSON data of the resource
(:mod:`.fhirdict`), with ``%resource``, ``%rootResource`` and ``%context`` set.

Compiling, the functions fhirpathpy lacks and the linear-time regular expressions are in
:mod:`.fhirpath`. An expression that does not parse, uses a regular expression that cannot be
run safely, or raises is reported by the caller as "could not be evaluated", never as a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from workbench.core.tree import COMMENT, ELEMENT, RESOURCE, XHTML, Node
from workbench.core.validation.profiles.fhirdict import FhirData
from workbench.core.validation.profiles.fhirpath import RegexUnsupported, compiled, syntax_error
from workbench.core.validation.profiles.model import Constraint
from workbench.core.validation.profiles.values import choice_type


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one invariant on one element: passed, failed or not evaluated (error).

    ``problem`` says why it was not evaluated: ``syntax`` (the expression does not parse),
    ``regex`` (a regular expression the linear-time engine cannot run) or ``error`` (fhirpathpy
    could not evaluate it on this data).
    """

    passed: bool
    error: str | None = None
    problem: str | None = None


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


def _bdl_8(node: Node) -> bool:
    """bdl-8: ``fullUrl.contains('/_history/').not()``: a fullUrl is not version specific."""
    full_url = node.value_at("fullUrl")
    return full_url is None or "/_history/" not in full_url


def _bdl_7(node: Node) -> bool:
    """bdl-7: ``entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()``."""
    keys = [
        (entry.value_at("fullUrl") or "") + (entry.value_at("resource.*.meta.versionId") or "")
        for entry in node.children_named("entry")
        if entry.value_at("fullUrl")
    ]
    return len(keys) == len(set(keys))


def _bdl_9(node: Node) -> bool:
    """bdl-9: a document Bundle has an identifier with a system and a value."""
    if node.value_at("type") != "document":
        return True
    return node.value_at("identifier.system") is not None and node.value_at("identifier.value") is not None


def _true(node: Node) -> bool:
    """``htmlChecks()``: the structure layer checks narrative XHTML."""
    return True


NATIVE[("bdl-7", "entry.where(fullUrl).select(fullUrl&resource.meta.versionId).isDistinct()")] = _bdl_7
NATIVE[("bdl-9", "type = 'document' implies (identifier.system.exists() and identifier.value.exists())")] = _bdl_9
NATIVE[("bdl-8", "fullUrl.contains('/_history/').not()")] = _bdl_8
NATIVE[("txt-1", "htmlChecks()")] = _true
NATIVE[("txt-2", "htmlchecks()")] = _true
NATIVE[("txt-2", "htmlChecks()")] = _true


def native_for(constraint: Constraint) -> Callable[[Node], bool] | None:
    """The native evaluator of a base invariant, when its expression is the standard one."""
    if constraint.expression is None:
        return None
    return _plan(constraint.key, constraint.expression).native


# ---- a fast path for presence tests ---------------------------------------------------------

#: ``path.empty()``, ``path.exists()``, ``path.exists().not()``, optionally with one
#: ``where(...)`` after the path (then only an absent path decides the term).
_TERM = re.compile(
    r"^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)(\.where\(.*\))?\.(empty|exists)\(\)(\.not\(\))?$"
)

#: A term: (path steps, value when the path is present or None when that needs FHIRPath,
#: value when it is absent).
Term = tuple[tuple[str, ...], bool | None, bool]


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to evaluate one invariant: natively, by presence tests, or by fhirpathpy.

    For an expression that is an ``or`` chain, an ``and`` chain or ``P implies Q`` at its top
    level, ``terms`` holds each operand that is a presence test (``path.empty()``,
    ``path.exists()``, ``path.where(...).empty()``...), None for the others. When presence
    settles the result (a true operand of an ``or``, a false one of an ``and``, a false
    premise of ``implies``), fhirpathpy is not called.
    """

    native: Callable[[Node], bool] | None
    joiner: str | None
    terms: tuple[Term | None, ...]
    expression: str


def _split_top(text: str, word: str) -> list[str]:
    """Split at `` word `` where it is outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    token = f" {word} "
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and text.startswith(token, i):
            parts.append(text[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _term(part: str) -> Term | None:
    while part.startswith("(") and part.endswith(")") and _balanced(part[1:-1]):
        part = part[1:-1].strip()
    match = _TERM.match(part)
    if match is None:
        return None
    steps = tuple(match.group(1).split("."))
    exists = match.group(3) == "exists"
    negated = bool(match.group(4))
    when_absent = (not exists) != negated
    when_present = None if match.group(2) else (exists != negated)
    return steps, when_present, when_absent


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if depth < 0:
            return False
    return depth == 0


@lru_cache(maxsize=4096)
def _plan(key: str, expression: str) -> _Plan:
    text = _normal(expression)
    native = NATIVE.get((key, text))
    if native is None and text.lower() == "htmlchecks()":
        native = _true
    if native is not None:
        return _Plan(native, None, (), text)
    if syntax_error(text) is not None:  # presence tests must not hide a broken expression
        return _Plan(None, None, (), text)
    joiner, parts = "or", [text]
    implies = _split_top(text, "implies")
    if len(implies) == 2:
        joiner, parts = "implies", implies
    elif len(implies) == 1 and len(_split_top(text, "xor")) == 1:
        ors = _split_top(text, "or")
        if len(ors) > 1:
            parts = ors
        else:
            ands = _split_top(text, "and")
            if len(ands) > 1:
                joiner, parts = "and", ands
    else:
        return _Plan(None, None, (), text)
    terms = tuple(_term(p) for p in parts)
    if joiner == "implies":
        terms = terms[:1]
    if all(t is None for t in terms):
        return _Plan(None, None, (), text)
    return _Plan(None, joiner, terms, text)


def _present(node: Node, steps: tuple[str, ...]) -> bool:
    current = [node]
    for step in steps:
        following: list[Node] = []
        for item in current:
            base = item
            if item.kind == ELEMENT and item.children:
                wrapped = item.resource()
                if wrapped is not None:
                    base = wrapped
            if (step == "url" and base.url is not None) or (
                step == "id" and base.kind != RESOURCE and base.id is not None
            ):
                following.append(base)
            for child in base.children:
                if child.kind == COMMENT:
                    continue
                name = child.name
                if name == step or (name.startswith(step) and choice_type(name, step) is not None):
                    following.append(child)
        if not following:
            return False
        current = following
    return True


def _value(term: Term | None, node: Node) -> bool | None:
    if term is None:
        return None
    steps, when_present, when_absent = term
    return when_present if _present(node, steps) else when_absent


def _settled(plan: _Plan, node: Node) -> bool | None:
    """The result when presence tests decide it, else None."""
    if plan.joiner == "implies":
        return True if _value(plan.terms[0], node) is False else None
    unknown = False
    for term in plan.terms:
        value = _value(term, node)
        if value is None:
            unknown = True
        elif plan.joiner == "or" and value:
            return True
        elif plan.joiner == "and" and not value:
            return False
    if unknown:
        return None
    return plan.joiner == "and"


# ---- fhirpathpy ----------------------------------------------------------------------------


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
    if not constraint.expression:
        return PASSED
    plan = _plan(constraint.key, constraint.expression)
    if plan.native is not None:
        return PASSED if plan.native(node) else FAILED
    if plan.terms:
        settled = _settled(plan, node)
        if settled is not None:
            return PASSED if settled else FAILED
    function = compiled(plan.expression)
    if isinstance(function, str):
        problem = syntax_error(plan.expression)
        if problem is not None:
            return Outcome(True, problem, "syntax")
        return Outcome(True, function, "error")
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
    except RegexUnsupported as exc:
        return Outcome(True, str(exc), "regex")
    except Exception as exc:
        return Outcome(True, f"{type(exc).__name__}: {exc}", "error")
    return FAILED if _is_false(result) else PASSED


def _is_false(result: Any) -> bool:
    """An invariant fails when it evaluates to the single boolean false.

    As FHIR validators convert collections to booleans: more than one item counts as true
    (``ele-1``'s union of two booleans); an empty result is not reported as a failure either,
    because it more often means fhirpathpy could not follow the data than a real defect.
    """
    if isinstance(result, list):
        return len(result) == 1 and result[0] is False
    return result is False
