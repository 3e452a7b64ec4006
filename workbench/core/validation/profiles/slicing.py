"""Slicing: sorting the repeats of an element into the profile's slices, and judging them.

Each instance goes to the first slice whose discriminators it matches (``value``/``pattern``:
the value at the discriminator path equals the slice's fixed value or matches its pattern;
``type``: the instance's type; ``profile``: it claims or conforms to the slice's profile;
``exists``: the path is present or absent as the slice says). Extensions are sliced by ``url``;
when a slice does not fix the url it is the slice's extension profile. Then: each slice's
cardinality, each instance against its slice (or, unmatched, against the sliced element),
closed slicing (an unmatched instance is an error), ``openAtEnd`` (unmatched ones come last) and
``ordered`` slicing (instances in the order of the slices).
"""

from __future__ import annotations

from workbench.core.stu3.paths import node_path
from workbench.core.stu3.typeinfo import type_of
from workbench.core.tree import ELEMENT, RESOURCE, Node
from workbench.core.validation.profiles.model import (
    Discriminator,
    ElementDefn,
    StructureDef,
    Value,
)
from workbench.core.validation.profiles.protocol import RunContext
from workbench.core.validation.profiles.values import children_at, matches, value_text

_URL = (Discriminator("value", "url"),)


def check(run: RunContext, base: ElementDefn, items: list[Node], parent: Node, prof: StructureDef) -> None:
    """Judge the instances ``items`` of the sliced element ``base`` (children of ``parent``)."""
    slicing = base.slicing
    discriminators = slicing.discriminators if slicing is not None and slicing.discriminators else ()
    if not discriminators and base.name in ("extension", "modifierExtension"):
        discriminators = _URL
    assigned = [_assign(run, base, item, discriminators) for item in items]
    for slice_def in base.slices:
        got = [item for item, found in zip(items, assigned, strict=True) if found is slice_def]
        _cardinality(run, base, slice_def, got, parent, prof, discriminators)
        for item in got:
            run.element(slice_def, item, prof)
    rules = slicing.rules if slicing is not None else "open"
    names = ", ".join(s.slice_name or "?" for s in base.slices)
    last_matched = max((i for i, found in enumerate(assigned) if found is not None), default=-1)
    for index, (item, found) in enumerate(zip(items, assigned, strict=True)):
        if found is not None:
            continue
        if rules == "closed":
            run.profile(
                "error",
                "profile-slice-closed",
                f"{node_path(item)} matches none of the slices {prof.title} allows for {base.name} ({names}); "
                "the slicing is closed, so nothing else may appear",
                item,
                hint="remove it, or make it match one of the slices",
            )
        elif rules == "openAtEnd" and index < last_matched:
            run.profile(
                "error",
                "profile-slice-order",
                f"{node_path(item)} matches none of the slices of {base.name} in {prof.title} ({names}) but comes "
                "before one that does; unsliced items must come last (openAtEnd)",
                item,
                hint=f"move it after the {base.name} items that belong to a slice",
            )
        run.element(base, item, prof)
        if base.name in ("extension", "modifierExtension"):
            run.unsliced_extension(item)
    if slicing is not None and slicing.ordered:
        _ordered(run, base, items, assigned, prof)


def _assign(
    run: RunContext, base: ElementDefn, item: Node, discriminators: tuple[Discriminator, ...]
) -> ElementDefn | None:
    for slice_def in base.slices:
        if discriminators:
            if all(_matches(run, slice_def, item, d) for d in discriminators):
                return slice_def
        elif run.conforms_to_element(slice_def, item):
            return slice_def
    return None


def _steps(path: str) -> list[str]:
    if path in ("$this", ""):
        return []
    steps = []
    for step in path.split("."):
        if step.startswith("extension(") and step.endswith(")"):
            steps.append("extension:" + step[len("extension(") : -1].strip("'\""))
        elif step != "$this":
            steps.append(step)
    return steps


def _definition_at(definition: ElementDefn, steps: list[str]) -> ElementDefn | None:
    current: ElementDefn | None = definition
    for step in steps:
        if current is None:
            return None
        if step == "resolve()":
            continue
        if step.startswith("extension:"):
            url = step[len("extension:") :]
            holder = current.child("extension")
            current = next((s for s in holder.slices if _slice_url(s) == url), None) if holder else None
            continue
        current = current.child(step) or next((c for c in current.children if c.choice_prefix == step), None)
    return current


def _slice_url(slice_def: ElementDefn) -> str | None:
    url = slice_def.child("url")
    if url is not None and url.fixed is not None:
        return url.fixed.value
    return next((t.profile for t in slice_def.types if t.profile), None)


def _expected(definition: ElementDefn, steps: list[str]) -> tuple[Value, bool] | None:
    """The fixed (True) or pattern (False) value a slice gives at a discriminator path."""
    current = definition
    for index, step in enumerate(steps):
        own = current.fixed or current.pattern
        if own is not None:
            found = _descend(own, steps[index:])
            return (found, current.fixed is not None) if found is not None else None
        child = current.child(step)
        if child is None:
            if step == "url" and index == len(steps) - 1:
                url = _slice_url(current)
                return (Value("uri", url), True) if url else None
            return None
        current = child
    if current.fixed is not None:
        return current.fixed, True
    if current.pattern is not None:
        return current.pattern, False
    return None


def _descend(value: Value, steps: list[str]) -> Value | None:
    current: Value | None = value
    for step in steps:
        if current is None:
            return None
        found = current.child_values(step)
        current = found[0] if found else None
    return current


def nodes_at(run: RunContext, node: Node, steps: list[str]) -> list[Node]:
    """The instance nodes at a discriminator path (``resolve()`` follows references)."""
    current = [node]
    for step in steps:
        following: list[Node] = []
        for item in current:
            if step == "resolve()":
                target = run.resolve(item)
                if target is not None:
                    following.append(target)
            elif step.startswith("extension:"):
                url = step[len("extension:") :]
                following.extend(c for c in item.children_named("extension") if c.url == url)
            else:
                following.extend(children_at(item, step))
        current = following
    return current


def _matches(run: RunContext, slice_def: ElementDefn, item: Node, discriminator: Discriminator) -> bool:
    steps = _steps(discriminator.path)
    kind = discriminator.type
    if kind in ("value", "pattern"):
        expected = _expected(slice_def, steps)
        if expected is None:
            return True  # the slice does not fix this path, so it cannot tell items apart by it
        value, exact = expected
        return any(matches(value, found, exact and value.children == ()) for found in nodes_at(run, item, steps))
    if kind == "exists":
        target = _definition_at(slice_def, steps)
        present = bool(nodes_at(run, item, steps))
        if target is None:
            return True
        if target.max == 0:
            return not present
        return present if target.min >= 1 else True
    target = _definition_at(slice_def, steps)
    if target is None:
        return True
    found = nodes_at(run, item, steps)
    if kind == "type":
        wanted = run.target_types(target) if "resolve()" in steps else target.type_codes
        return any(_type_of(n) in wanted for n in found)
    if kind == "profile":
        urls = [t.target_profile if "resolve()" in steps else t.profile for t in target.types]
        wanted = [u for u in urls if u]
        return any(run.claims_or_conforms(n, wanted) for n in found)
    return True


def _type_of(node: Node) -> str | None:
    if node.kind == RESOURCE:
        return node.name
    if node.kind == ELEMENT:
        wrapped = node.resource() if node.children else None
        if wrapped is not None:
            return wrapped.name
        return type_of(node)
    return None


def _describe_slice(base: ElementDefn, slice_def: ElementDefn, discriminators: tuple[Discriminator, ...]) -> str:
    bits = []
    for d in discriminators:
        steps = _steps(d.path)
        if d.type in ("value", "pattern"):
            expected = _expected(slice_def, steps)
            if expected is not None:
                bits.append(f"with {d.path} {value_text(expected[0])}")
        elif d.type == "type":
            target = _definition_at(slice_def, steps)
            if target is not None and target.types:
                bits.append("of type " + " or ".join(sorted(target.type_codes)))
        elif d.type == "profile":
            target = _definition_at(slice_def, steps)
            urls = [t.profile or t.target_profile for t in target.types] if target is not None else []
            if any(urls):
                bits.append("conforming to " + " or ".join(u.rsplit("/", 1)[-1] for u in urls if u))
    return " and ".join(bits) or f"matching slice {slice_def.slice_name}"


def _count(n: int) -> str:
    return {0: "none", 1: "one", 2: "two", 3: "three"}.get(n, str(n))


def _cardinality(
    run: RunContext,
    base: ElementDefn,
    slice_def: ElementDefn,
    got: list[Node],
    parent: Node,
    prof: StructureDef,
    discriminators: tuple[Discriminator, ...],
) -> None:
    n = len(got)
    low, high = slice_def.min, slice_def.max
    if n >= low and (high is None or n <= high):
        return
    label = f"{base.name}[{slice_def.slice_name}]"
    what = f"{base.name} {_describe_slice(base, slice_def, discriminators)}"
    if high == 0:
        for item in got:
            run.profile(
                "error",
                "profile-slice-forbidden",
                f"{label}: the {prof.title} profile does not allow an {what}; found {_count(n)}",
                item,
                hint="remove it",
            )
        return
    if low == high:
        need = f"exactly {_count(low)}"
    elif high is None:
        need = f"at least {_count(low)}"
    elif low == 0:
        need = f"at most {_count(high)}"
    else:
        need = f"between {low} and {high}"
    found = _count(n)
    node = got[high] if high is not None and n > high else parent
    path = None if node is not parent else f"{node_path(parent)}.{base.name}"
    run.profile(
        "error",
        "profile-slice-cardinality",
        f"{label}: the {prof.title} profile requires {need} {what}; found {found}",
        node,
        hint=f"add the {what}" if n < low else "remove the extra ones",
        path=path,
    )


def _ordered(
    run: RunContext, base: ElementDefn, items: list[Node], assigned: list[ElementDefn | None], prof: StructureDef
) -> None:
    order = {id(s): i for i, s in enumerate(base.slices)}
    highest = -1
    for item, found in zip(items, assigned, strict=True):
        if found is None:
            continue
        rank = order[id(found)]
        if rank < highest:
            run.profile(
                "error",
                "profile-slice-order",
                f"{node_path(item)} (slice {found.slice_name}) is out of order: {prof.title} orders the slices of "
                f"{base.name} as {', '.join(s.slice_name or '?' for s in base.slices)}",
                item,
                hint="put the items in the order of the slices",
            )
        highest = max(highest, rank)
