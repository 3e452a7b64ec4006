"""Checks of one element instance: fixed and pattern values, maxLength, types, profiles on
types, and Reference targets.

A Reference with ``targetProfile`` is followed inside the message (the enclosing Bundles, or a
contained resource for ``#id``); the target's type must be one the profiles constrain, and a
target that does not claim one of the profiles in ``meta.profile`` is validated against it (or,
when several of its type are allowed, must conform to one).
"""

from __future__ import annotations

from workbench.core.stu3.paths import node_path
from workbench.core.tree import ELEMENT, RESOURCE, Node
from workbench.core.validation.profiles.model import (
    CORE_DEFINITIONS,
    ElementDefn,
    StructureDef,
    core_type,
)
from workbench.core.validation.profiles.protocol import RunContext
from workbench.core.validation.profiles.values import (
    choice_type,
    describe,
    matches,
    value_text,
)

_ANY = frozenset({CORE_DEFINITIONS + "Resource", CORE_DEFINITIONS + "DomainResource"})


def article(word: str) -> str:
    """``a Practitioner``, ``an Organization``."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def claimed(resource: Node) -> list[str]:
    """The profiles a resource claims in ``meta.profile``."""
    meta = resource.child("meta") if resource.kind == RESOURCE else None
    return [p.value for p in meta.children_named("profile") if p.value] if meta is not None else []


def check_value(run: RunContext, definition: ElementDefn, node: Node, prof: StructureDef) -> None:
    """Fixed value (exact), pattern (subset) and maxLength of one instance."""
    fixed, pattern = definition.fixed, definition.pattern
    if fixed is not None and not matches(fixed, node, exact=True):
        run.profile(
            "error",
            "profile-fixed",
            f"{node_path(node)} must be {value_text(fixed)} (fixed by {prof.title}); found {describe(node)}",
            node,
            hint=f"set {definition.name} to {value_text(fixed)}",
        )
    if pattern is not None and not matches(pattern, node, exact=False):
        run.profile(
            "error",
            "profile-pattern",
            f"{node_path(node)} must match {value_text(pattern)} (a pattern of {prof.title}); found {describe(node)}",
            node,
            hint=f"give {definition.name} at least the values {value_text(pattern)}",
        )
    limit = definition.max_length
    if limit is not None and node.value is not None and len(node.value) > limit:
        run.profile(
            "error",
            "profile-maxlength",
            f"{node_path(node)} is {len(node.value)} characters long; {prof.title} allows at most {limit}",
            node,
            hint=f"shorten it to {limit} characters or fewer",
        )


def check_types(run: RunContext, definition: ElementDefn, node: Node, content: Node, prof: StructureDef) -> None:
    """The instance's type (a choice variant, a wrapped resource), then profiles and targets.

    Args:
        run: the validation run.
        definition: the element definition.
        node: the instance (for ``entry.resource``, the wrapping element).
        content: the resource a wrapping element carries, else ``node``.
        prof: the profile being applied (for messages).
    """
    codes = definition.type_codes
    actual: str | None = None
    if content.kind == RESOURCE:
        actual = content.name
        if not ({"Resource", "DomainResource", actual} & codes):
            run.profile(
                "error",
                "profile-type",
                f"{node_path(node)} holds {article(actual)}; {prof.title} allows only {' or '.join(sorted(codes))} here",
                node,
            )
            return
    elif definition.choice_prefix is not None:
        actual = choice_type(node.name, definition.choice_prefix)
        if actual is not None and actual not in codes:
            allowed = " or ".join(definition.choice_prefix + c[:1].upper() + c[1:] for c in sorted(codes))
            run.profile(
                "error",
                "profile-type",
                f"{node_path(node)} is {article(actual)}; {prof.title} allows only {allowed} here",
                node,
                hint=f"use {allowed}",
            )
            return
    profiles = [
        profile
        for code, profile in definition.type_profiles
        if actual is None or code in (actual, "Resource", "DomainResource")
    ]
    if profiles:
        _type_profiles(run, list(dict.fromkeys(profiles)), node, content, prof)
    targets = definition.target_profiles
    if targets and actual in (None, "Reference") and node.kind == ELEMENT:
        _reference(run, definition, node, list(targets), prof)


def _type_profiles(run: RunContext, urls: list[str], node: Node, content: Node, prof: StructureDef) -> None:
    """``type.profile``: the instance against the one profile, or conforming to one of several."""
    loaded = [p for p in (run.registry.structure_definition(u) for u in urls) if p is not None]
    if not loaded:
        for url in urls:
            run.not_loaded(url, node, node_path(node))
        return
    if len(loaded) == 1:
        if content.kind == RESOURCE:
            run.apply(content, loaded[0], f"{node_path(node)} in {prof.title}")
        else:
            run.element(loaded[0].root, content, loaded[0])
        return
    if not any(run.conforms(content, p) for p in loaded):
        run.profile(
            "error",
            "profile-type-profile",
            f"{node_path(node)} conforms to none of the profiles {prof.title} allows here: "
            + ", ".join(p.title for p in loaded),
            node,
        )


def _reference(run: RunContext, definition: ElementDefn, node: Node, urls: list[str], prof: StructureDef) -> None:
    """``type.targetProfile``: follow the reference, check the target's type and profile."""
    wanted = [u for u in urls if u not in _ANY]
    reference = node.value_at("reference")
    if not wanted or not reference:
        return
    names = " | ".join(u.rsplit("/", 1)[-1] for u in wanted)
    target = run.resolve(node)
    if target is None:
        if not run.in_trial and not reference.startswith(("http://", "https://")):
            run.profile(
                "information",
                "profile-reference-unresolved",
                f"{node_path(node)}: reference '{reference}' does not lead to a resource in the message, so its "
                f"target could not be checked against {names} ({prof.title})",
                node,
            )
        return
    types = [(u, run.registry.structure_definition(u)) for u in wanted]
    kinds = [p.type if p is not None else core_type(u) for u, p in types]
    if all(kinds) and target.name not in kinds:
        allowed = " or ".join(article(k) for k in dict.fromkeys(k for k in kinds if k))
        run.profile(
            "error",
            "profile-reference-target",
            f"{node_path(node)} must refer to {allowed} ({names}, required by {prof.title}); it refers to "
            f"{article(target.name)}",
            node,
            hint=f"point {definition.name} at {allowed}",
        )
        return
    candidates = [p for _, p in types if p is not None and p.type == target.name and core_type(p.url) is None]
    if not candidates:
        for (url, profile), kind in zip(types, kinds, strict=True):
            if profile is None and kind is None:
                run.not_loaded(url, node, f"the target of {node_path(node)}")
        return
    declared = set(claimed(target))
    if any(p.url in declared for p in candidates):
        return
    if len(candidates) == 1:
        run.apply(target, candidates[0], f"the target of {node_path(node)}")
    elif not any(run.conforms(target, p) for p in candidates):
        run.profile(
            "error",
            "profile-reference-profile",
            f"{node_path(node)} refers to {article(target.name)} that conforms to none of "
            + ", ".join(p.title for p in candidates),
            node,
        )
