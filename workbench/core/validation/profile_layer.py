"""Layer 4 of the validator: which profiles apply to which resources, and running them.

A resource (nested ones included) is validated against:

1. the profiles it claims in ``meta.profile`` that the registry has (a claimed profile the
   registry lacks gives one information issue: not loaded, not checked);
2. the profiles the user asked for (``ValidationContext.profiles``), for resources of the type
   each profile constrains;
3. for an ITK3 message, the MessageDefinition named by the handling specification's
   ``MessageDefinition`` key, when loaded: its ``focus.profile`` applies to the resource it
   describes (the message Bundle for every NHS MessageDefinition), and the StructureDefinitions
   its Extension-ITK-BundledAssets-1 lists apply to resources that claim no profile, where the
   MessageDefinition names exactly one profile of the resource's type (several, or one that is
   not loaded, leave it to the resource's own claims: a header Organization profile must not
   be applied to a payload Organization);
4. profiles reached while validating: a Reference's ``targetProfile`` applies to the resource it
   leads to when that resource does not claim it, an element's ``type.profile`` to the element.

Findings are in layer ``profile`` (and ``terminology`` for bindings); the runner adds receiver
codes by where they sit.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.stu3 import is_resource_type
from workbench.core.stu3.paths import node_path
from workbench.core.tree import RESOURCE, Document, Node
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue
from workbench.core.validation.profiles.engine import Run, base_type, claimed_profiles
from workbench.core.validation.profiles.model import MessageDefinitionDef, StructureDef
from workbench.core.validation.profiles.registry import ProfileRegistry


def check(context: ValidationContext) -> list[Issue]:
    """The profile and terminology findings for a document (none without a registry).

    Findings of a layer the runner does not run (``context.layers``) are left out, so
    ``--layer profile`` gives no binding findings.
    """
    registry = context.registry
    if registry is None:
        return []
    message_definition = None
    view = context.view
    if view.is_message:
        message_definition = view.value("MessageDefinition")
    issues = check_document(
        context.document,
        registry,
        context.profiles,
        message_definition=message_definition,
        payload=view.payload if view.is_message and not view.is_response else None,
    )
    enabled = getattr(context, "layers", ())
    if enabled:  # the runner says which layers run: bindings are the terminology layer's
        issues = [i for i in issues if i.layer in enabled]
    return issues


def check_document(
    document: Document,
    registry: ProfileRegistry,
    profiles: Sequence[str] = (),
    *,
    message_definition: str | None = None,
    payload: Node | None = None,
) -> list[Issue]:
    """Validate every resource of a document against the profiles that apply to it.

    Args:
        document: the document.
        registry: the profiles, value sets and code systems to use.
        profiles: extra profile URLs the user chose (each applies to resources of its type).
        message_definition: the MessageDefinition URL the ITK3 header names, if any.
        payload: the payload root of an ITK3 message, if any (a MessageDefinition's focus may
            describe it rather than the message Bundle).
    """
    run = Run(registry, document)
    root = document.root
    resources = [n for n in root.iter() if n.kind == RESOURCE]
    _claimed(run, resources)
    _chosen(run, resources, profiles, root)
    if message_definition:
        found = registry.message_definition(message_definition)
        if found is not None:
            _message_definition(run, found, root, payload, resources)
    run.drain()
    return run.issues()


def validate_resource(
    resource: Node, profile: StructureDef, registry: ProfileRegistry, document: Document | None = None
) -> list[Issue]:
    """Validate one resource (or element) against one profile; return the findings."""
    run = Run(registry, document)
    if resource.kind == RESOURCE:
        run.apply(resource, profile, "asked")
        run.drain()
    else:
        run.validate(resource, profile)
        run.drain()
    return run.issues()


def _claimed(run: Run, resources: list[Node]) -> None:
    missing: dict[str, list[Node]] = {}
    for resource in resources:
        for url in claimed_profiles(resource):
            profile = run.registry.structure_definition(url)
            if profile is not None:
                run.apply(resource, profile, "meta.profile")
            elif base_type(url) is None:
                missing.setdefault(url, []).append(resource)
    for url, claimants in missing.items():
        run.once(("not-loaded", url))  # the engine need not say it again for references
        first = claimants[0]
        meta = first.child("meta")
        node = next((p for p in meta.children_named("profile") if p.value == url), first) if meta is not None else first
        more = f" (and {len(claimants) - 1} more that claim it)" if len(claimants) > 1 else ""
        run.profile(
            "information",
            "profile-not-loaded",
            f"profile {url} is not loaded, so {node_path(first)} was not checked against it{more}",
            node,
            hint="add the StructureDefinition under Settings > Profiles (or --profile DIR) to check it",
        )


def _chosen(run: Run, resources: list[Node], profiles: Sequence[str], root: Node) -> None:
    for url in profiles:
        profile = run.registry.structure_definition(url)
        if profile is None:
            run.profile("information", "profile-not-loaded", f"profile {url} was asked for but is not loaded", root)
            continue
        matching = [r for r in resources if r.name == profile.type]
        if not matching:
            run.profile(
                "information",
                "profile-no-match",
                f"profile {profile.title} was asked for, but the document has no {profile.type} to check against it",
                root,
            )
        for resource in matching:
            run.apply(resource, profile, "asked for")


def _compatible(profile: StructureDef, resource: Node) -> bool:
    """False when a fixed value at the top of the profile contradicts the resource
    (ITK-Document-Bundle-1's ``type = document`` against a message Bundle)."""
    if profile.type != resource.name:
        return False
    for element in profile.root.children:
        fixed = element.fixed
        if fixed is not None and fixed.value is not None and not element.slice_name:
            found = resource.value_at(element.name)
            if found is not None and found != fixed.value:
                return False
    return True


def _message_definition(
    run: Run, definition: MessageDefinitionDef, root: Node, payload: Node | None, resources: list[Node]
) -> None:
    registry = run.registry
    for focus in definition.focus:
        profile = registry.structure_definition(focus.profile)
        if profile is None:
            continue
        for candidate in (root, payload):
            if candidate is not None and candidate.name == focus.code and _compatible(profile, candidate):
                run.apply(candidate, profile, f"focus of {definition.title}")
                break
    for resource in resources:
        if claimed_profiles(resource):
            continue
        same = [u for u in definition.profiles if _asset_type(u, registry) == resource.name]
        loaded = [p for p in (registry.structure_definition(u) for u in same) if p is not None and p.kind == "resource"]
        fitting = [p for p in loaded if _compatible(p, resource)]
        if len(loaded) == len(same) and len(fitting) == 1:
            run.apply(resource, fitting[0], f"named by {definition.title}")


def _asset_type(url: str, registry: ProfileRegistry) -> str | None:
    """The resource type a profile constrains: from the profile when loaded, else guessed from
    its name (``CareConnect-Organization-1`` → Organization), so that a MessageDefinition
    naming a loaded and an unloaded profile of one type counts as ambiguous for that type."""
    profile = registry.structure_definition(url)
    if profile is not None:
        return profile.type
    for token in reversed(url.rstrip("/").rsplit("/", 1)[-1].split("-")):
        if is_resource_type(token):
            return token
    return None
