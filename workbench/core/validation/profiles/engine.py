"""The profile engine: one resource (or element) against one StructureDefinition snapshot.

:class:`Run` walks an instance alongside a compiled snapshot (:class:`~.model.ElementDefn`
tree). For each element the snapshot lists, in the context of each parent instance: cardinality,
fixed and pattern values, maxLength, choice and resource types, profiles on types (an extension
against its extension definition, a resource against its profile), Reference targets
(``targetProfile``: the target is found inside the Bundle, its type checked, and it is validated
against the profile when it does not claim it; :mod:`.checks`), bindings (:mod:`.terminology`),
invariants (:mod:`.invariants`), slicing (:mod:`.slicing`). Elements the snapshot does not list
are left to the structure layer. A Run holds the state of one validation: issue sinks, caches of Bundle
indexes and JSON data, the queue of (resource, profile) pairs still to check.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from workbench.core.bundle import BundleIndex
from workbench.core.stu3.paths import node_path
from workbench.core.tree import ELEMENT, RESOURCE, XHTML, Document, Node
from workbench.core.validation.issue import Issue, IssueSink, Layer, Severity
from workbench.core.validation.profiles import checks, invariants, slicing, terminology
from workbench.core.validation.profiles.fhirdict import FhirData
from workbench.core.validation.profiles.model import (
    Constraint,
    ElementDefn,
    StructureDef,
    core_type,
)
from workbench.core.validation.profiles.registry import ProfileRegistry
from workbench.core.validation.profiles.values import (
    choice_type,
    group_children,
    virtual,
)

base_type = core_type


class Run:
    """One validation of a document's resources against profiles.

    Attributes:
        registry: where profiles, value sets and code systems come from.
        data: the JSON data of the resources, for FHIRPath.
        queue: (resource, profile, reason) still to validate.
    """

    def __init__(self, registry: ProfileRegistry, document: Document | None) -> None:
        self.registry = registry
        self.document = document
        self.data = FhirData()
        self.queue: deque[tuple[Node, StructureDef, str]] = deque()
        self._sinks: dict[str, IssueSink] = {
            "profile": IssueSink(document, "profile"),
            "terminology": IssueSink(document, "terminology"),
        }
        self._indexes: dict[int, BundleIndex] = {}
        self._applied: set[tuple[int, str]] = set()
        self._once: set[object] = set()
        self._trial = 0
        self._trial_errors = 0
        self._conforms: dict[tuple[int, str], bool] = {}
        self.unverified = terminology.Unverified()

    # ---- issues ---------------------------------------------------------------------------

    def add(
        self,
        layer: Layer,
        severity: Severity,
        rule: str,
        message: str,
        node: Node | None,
        hint: str | None = None,
        path: str | None = None,
    ) -> None:
        """Record a finding (counted only, while a conformance trial runs)."""
        if self._trial:
            if severity in ("error", "fatal"):
                self._trial_errors += 1
            return
        self._sinks[layer].add(severity, rule, message, node, hint=hint, path=path)

    def profile(
        self,
        severity: Severity,
        rule: str,
        message: str,
        node: Node | None,
        hint: str | None = None,
        path: str | None = None,
    ) -> None:
        """Record a finding of the profile layer."""
        self.add("profile", severity, rule, message, node, hint, path)

    def once(self, key: object) -> bool:
        """True the first time ``key`` is seen in this run (and never during a trial)."""
        if self._trial or key in self._once:
            return False
        self._once.add(key)
        return True

    @property
    def in_trial(self) -> bool:
        """True while a conformance trial runs (findings are counted, not recorded)."""
        return self._trial > 0

    def not_loaded(self, url: str, node: Node, what: str) -> None:
        """Say once per run that a profile is not loaded, so something was not checked."""
        if self.once(("not-loaded", url)):
            self.profile(
                "information",
                "profile-not-loaded",
                f"profile {url} is not loaded, so {what} was not checked against it",
                node,
                hint="add the StructureDefinition under Settings > Profiles (or --profile DIR) to check it",
            )

    def issues(self) -> list[Issue]:
        """Every finding of the run, duplicates removed, terminology notes summarised."""
        self.unverified.emit(self)
        seen: set[tuple[str, str, str | None, str]] = set()
        found = []
        for sink in self._sinks.values():
            for issue in sink.issues:
                key = (issue.layer, issue.rule, issue.path, issue.message)
                if key not in seen:
                    seen.add(key)
                    found.append(issue)
        return found

    # ---- what to validate -----------------------------------------------------------------

    def apply(self, resource: Node, profile: StructureDef, reason: str = "") -> None:
        """Queue ``resource`` for validation against ``profile`` (once per pair)."""
        if self._trial:
            return
        key = (id(resource), profile.url)
        if key not in self._applied:
            self._applied.add(key)
            self.queue.append((resource, profile, reason))

    def drain(self) -> None:
        """Validate everything queued (validation may queue more: reference targets)."""
        while self.queue:
            resource, profile, _reason = self.queue.popleft()
            self.validate(resource, profile)

    def validate(self, node: Node, profile: StructureDef) -> None:
        """Validate a resource (or an element, for a data type or extension profile)."""
        if (
            node.kind == RESOURCE
            and profile.kind == "resource"
            and profile.type not in (node.name, "Resource", "DomainResource")
        ):
            self.profile(
                "error",
                "profile-type",
                f"{node_path(node)} is {checks.article(node.name)}, but {profile.title} is a profile of {profile.type}",
                node,
                hint=f"remove {profile.url} from meta.profile, or use a profile of {node.name}",
            )
            return
        self.element(profile.root, node, profile)

    @contextmanager
    def trial(self) -> Iterator[list[int]]:
        """Run checks without recording findings; the yielded list receives the error count.

        Trials nest: errors inside an inner trial (a slice that does not match) do not count
        against the outer one.
        """
        saved = self._trial_errors
        self._trial += 1
        self._trial_errors = 0
        result = [0]
        try:
            yield result
        finally:
            result[0] = self._trial_errors
            self._trial -= 1
            self._trial_errors = saved

    def conforms(self, node: Node, profile: StructureDef) -> bool:
        """True when ``node`` validates against ``profile`` without errors (cached)."""
        key = (id(node), profile.url)
        found = self._conforms.get(key)
        if found is None:
            self._conforms[key] = True  # a cycle through references counts as conforming
            with self.trial() as errors:
                self.validate(node, profile)
            found = self._conforms[key] = errors[0] == 0
        return found

    def conforms_to_element(self, definition: ElementDefn, node: Node) -> bool:
        """True when ``node`` validates against one element definition without errors."""
        with self.trial() as errors:
            self.element(definition, node, StructureDef("", None, "", "", "", None, None, definition))
        return errors[0] == 0

    def claims_or_conforms(self, node: Node, urls: list[str]) -> bool:
        """True when ``node`` claims one of the profiles or conforms to a loaded one."""
        target = node.resource() if node.kind == ELEMENT and node.children else None
        target = target or node
        claimed = set(checks.claimed(target))
        if claimed.intersection(urls):
            return True
        for url in urls:
            profile = self.registry.structure_definition(url)
            if profile is not None and self.conforms(target, profile):
                return True
        return False

    # ---- references ---------------------------------------------------------------------

    def bundle_index(self, bundle: Node) -> BundleIndex:
        """The reference index of a Bundle (built once per run)."""
        found = self._indexes.get(id(bundle))
        if found is None:
            found = self._indexes[id(bundle)] = BundleIndex(bundle)
        return found

    def resolve(self, reference: Node) -> Node | None:
        """The resource a Reference element leads to inside the message, or None."""
        text = reference.value_at("reference") if reference.kind == ELEMENT else None
        if not text:
            return None
        owner = reference.owning_resource()
        if text.startswith("#"):
            for contained in owner.children_named("contained") if owner is not None else []:
                resource = contained.resource()
                if resource is not None and resource.value_at("id") == text[1:]:
                    return resource
            return None
        node = owner.parent if owner is not None else None
        while node is not None:
            if node.kind == RESOURCE and node.name == "Bundle":
                found = self.bundle_index(node).resolve(text, reference)
                if found.resource is not None:
                    return found.resource
            node = node.parent
        return None

    def target_types(self, definition: ElementDefn) -> frozenset[str]:
        """The resource types a Reference element's target profiles allow."""
        types = set()
        for t in definition.types:
            if t.target_profile:
                profile = self.registry.structure_definition(t.target_profile)
                found = profile.type if profile is not None else base_type(t.target_profile)
                if found:
                    types.add(found)
        return frozenset(types)

    # ---- the walk -----------------------------------------------------------------------

    def element(self, definition: ElementDefn, node: Node, prof: StructureDef) -> None:
        """Validate one instance against one element definition, then its children."""
        content = node
        if node.kind == ELEMENT and node.children:
            wrapped = node.resource()
            if wrapped is not None:
                content = wrapped
        if not definition.implicit:
            if definition.fixed is not None or definition.pattern is not None or definition.max_length is not None:
                checks.check_value(self, definition, node, prof)
            if definition.types:
                checks.check_types(self, definition, node, content, prof)
            if definition.binding is not None and definition.binding.value_set:
                terminology.check_binding(self, definition, node, prof)
            if definition.constraints:
                self._invariants(definition, node, content, prof)
        if node.kind != XHTML:
            self._children(definition, content, prof)

    def _children(self, definition: ElementDefn, node: Node, prof: StructureDef) -> None:
        if not definition.children and definition.content_ref:
            target = prof.by_id.get(definition.content_ref.lstrip("#"))
            if target is None:
                return
            definition = target
        if not definition.children:
            return
        by_name = definition.by_name
        choices = definition.choice_children
        done: set[int] = set()
        chosen: dict[int, list[Node]] = {}
        groups = group_children(node)
        for name, items in groups.items():
            for child in by_name.get(name, ()):
                done.add(id(child))
                self._child(child, items, node, prof)
            if name in ("extension", "modifierExtension") and name not in by_name:
                for item in items:
                    self.unsliced_extension(item)
            for child in choices:
                if choice_type(name, child.choice_prefix) is not None:  # type: ignore[arg-type]
                    chosen.setdefault(id(child), []).extend(items)
        for child in choices:
            items = chosen.get(id(child))
            if items is not None:
                done.add(id(child))
                self._child(child, items, node, prof)
        if node.kind != RESOURCE:
            for name in ("url", "id"):
                if name in by_name and name not in groups:
                    items = virtual(node, name, node.url if name == "url" else node.id)
                    for child in by_name[name]:
                        done.add(id(child))
                        self._child(child, items, node, prof)
        for child in definition.required:
            if id(child) not in done:
                self._child(child, [], node, prof)

    def _child(self, child: ElementDefn, items: list[Node], node: Node, prof: StructureDef) -> None:
        if not child.implicit:
            self._cardinality(child, items, node, prof)
        if child.slices:
            slicing.check(self, child, items, node, prof)
        else:
            for item in items:
                self.element(child, item, prof)

    def _cardinality(self, definition: ElementDefn, items: list[Node], parent: Node, prof: StructureDef) -> None:
        n = len(items)
        if n < definition.min:
            where = f"{node_path(parent)}.{definition.name}"
            self.profile(
                "error",
                "profile-min",
                f"{where} is required by {prof.title} (at least {definition.min}); found "
                + ("none" if n == 0 else str(n)),
                parent,
                hint=f"add {definition.name} to {node_path(parent)}",
                path=where,
            )
        if definition.max is not None and n > definition.max:
            if definition.max == 0:
                for item in items:
                    self.profile(
                        "error",
                        "profile-forbidden",
                        f"{node_path(item)} is not allowed by {prof.title} ({definition.path} is 0..0)",
                        item,
                        hint=f"remove {definition.name}",
                    )
            else:
                self.profile(
                    "error",
                    "profile-max",
                    f"{node_path(parent)} has {n} {definition.name}; {prof.title} allows at most {definition.max}",
                    items[definition.max],
                    hint=f"keep at most {definition.max} {definition.name}",
                )

    def _invariants(self, definition: ElementDefn, node: Node, content: Node, prof: StructureDef) -> None:
        type_code = definition.types[0].code if len(definition.types) == 1 else None
        for constraint in definition.constraints:
            outcome = invariants.evaluate(constraint, content, self.data, definition.path, type_code)
            if outcome.error is not None:
                if self.once(("invariant-error", prof.url, constraint.key, constraint.expression)):
                    self._unevaluated(constraint, outcome, definition, node, prof)
            elif not outcome.passed:
                severity: Severity = "warning" if constraint.severity == "warning" else "error"
                self.profile(
                    severity,
                    "profile-invariant",
                    f"{node_path(node)}: {constraint.human.rstrip('.')} (invariant {constraint.key} of {prof.title})",
                    node,
                    hint=f"the rule is {constraint.expression}",
                )

    def _unevaluated(
        self,
        constraint: Constraint,
        outcome: invariants.Outcome,
        definition: ElementDefn,
        node: Node,
        prof: StructureDef,
    ) -> None:
        """Say (once per run) that an invariant could not be evaluated, and why.

        A broken expression or an unsupported regular expression is the profile's fault and a
        check that silently did not happen: a warning. fhirpathpy failing on this data: information.
        """
        name = f"invariant {constraint.key} of {prof.title} on {definition.path}"
        if outcome.problem == "syntax":
            self.profile(
                "warning",
                "profile-invariant-invalid",
                f"{name} does not parse as FHIRPath ({outcome.error}), so it was not checked",
                node,
                hint=f"correct the expression in the StructureDefinition: {constraint.expression}",
            )
            return
        self.profile(
            "warning" if outcome.problem == "regex" else "information",
            "profile-invariant-unevaluated",
            f"{name} could not be evaluated at {node_path(node)}, so it was not checked ({outcome.error})",
            node,
            hint=f"expression: {constraint.expression}",
        )

    def unsliced_extension(self, node: Node) -> None:
        """An extension no slice claims: check it against its own definition when loaded."""
        profile = self.registry.structure_definition(node.url) if node.url else None
        if profile is not None and profile.type == "Extension":
            self.element(profile.root, node, profile)


def claimed_profiles(resource: Node) -> list[str]:
    """The profiles a resource claims in ``meta.profile``."""
    return checks.claimed(resource)
