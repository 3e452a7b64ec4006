"""Profile layer over the real examples in ``../shared/itk3/examples`` (see MANIFEST.tsv).

Against the NHS profiles in ``../shared/itk3/conformance``: no crash and a bounded time on every
file; the known facts (ITK-Response-20009-Example-2 lacks the handling extension; the official
Response examples otherwise conform, ITK-ResponseCodes-1's required binding on issue.details
included); the fast paths of the invariants agree with plain fhirpathpy; and on the ITK3 header
the NHS profiles and the workbench's own pack find the same errors.
"""

from __future__ import annotations

import csv
import re
import time
from functools import cache
from pathlib import Path

import pytest
from conftest import CONFORMANCE, EXAMPLES, require_shared

from workbench.core.codecs import read_file
from workbench.core.errors import ReadError
from workbench.core.itk3.view import message_view
from workbench.core.tree import Document
from workbench.core.validation.context import ValidationContext
from workbench.core.validation.issue import Issue
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles import invariants
from workbench.core.validation.profiles.registry import ProfileRegistry

pytestmark = pytest.mark.corpus

NHS_FOLDERS = ("StructureDefinitions", "ValueSets", "CodeSystems", "MessageDefinitions")
OFFICIAL = EXAMPLES / "STU3-FHIR-Assets" / "Examples"


@cache
def nhs() -> ProfileRegistry:
    return ProfileRegistry.from_paths(*(CONFORMANCE / folder for folder in NHS_FOLDERS))


@cache
def manifest() -> list[dict[str, str]]:
    with (EXAMPLES / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def documents(kinds: tuple[str, ...] | None = None) -> list[tuple[str, Document]]:
    found = []
    for row in manifest():
        if kinds is not None and row["kind"] not in kinds:
            continue
        try:
            found.append((row["local_path"], read_file(EXAMPLES / row["local_path"])))
        except ReadError:
            continue  # unreadable examples are the syntax layer's business
    return found


def profile_issues(document: Document, registry: ProfileRegistry) -> list[Issue]:
    view = message_view(document)
    return check_document(
        document,
        registry,
        message_definition=view.value("MessageDefinition") if view.is_message else None,
        payload=view.payload if view.is_message and not view.is_response else None,
    )


@pytest.fixture(scope="module", autouse=True)
def shared() -> None:
    require_shared(CONFORMANCE)
    require_shared(EXAMPLES / "MANIFEST.tsv")


def test_every_example_validates_without_crash_in_bounded_time() -> None:
    registry = nhs()
    total = 0.0
    slowest = (0.0, "")
    counted = 0
    for name, document in documents():
        start = time.perf_counter()
        issues = profile_issues(document, registry)
        elapsed = time.perf_counter() - start
        total += elapsed
        slowest = max(slowest, (elapsed, name))
        counted += 1
        for issue in issues:
            assert issue.layer in ("profile", "terminology")
            assert (issue.message and issue.path is not None) or issue.rule == "profile-not-loaded", issue
    assert counted > 200
    assert slowest[0] < 3.0, f"{slowest[1]} took {slowest[0]:.2f} s"
    assert total < 60.0, f"{counted} examples took {total:.1f} s"


def test_response_without_handling_extension_is_a_profile_error() -> None:
    document = read_file(OFFICIAL / "ITK-Response-20009-Example-2.xml")
    errors = [i for i in profile_issues(document, nhs()) if i.is_error]
    assert [(i.rule, i.path) for i in errors] == [("profile-slice-cardinality", "Bundle.entry[0].resource.extension")]
    assert "Extension-ITK-MessageHandling-2" in errors[0].message and "found none" in errors[0].message


def test_official_responses_conform_to_the_response_profiles() -> None:
    files = sorted(
        p
        for p in OFFICIAL.glob("ITK-Response-*-Example-1.xml")
        if re.fullmatch(r"ITK-Response-\d{5}-Example-1\.xml", p.name)
    )
    assert len(files) >= 20
    for path in files:
        issues = profile_issues(read_file(path), nhs())
        assert [i for i in issues if i.is_error] == [], path.name
        assert not [i for i in issues if i.rule.startswith("term-") and "issue" in (i.path or "")], path.name
        assert not [i for i in issues if i.rule == "term-not-verified"], path.name


def test_legacy_ack_codes_fail_the_required_response_code_binding() -> None:
    document = read_file(OFFICIAL / "ITK-Response-Success-Example-1.xml")
    rules = {(i.rule, i.layer) for i in profile_issues(document, nhs())}
    assert ("term-required", "terminology") in rules
    assert ("profile-fixed", "profile") in rules  # the ITK-Acknowledgement-1 system is not the fixed one


def test_fast_invariant_paths_agree_with_fhirpathpy(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = nhs()
    inputs = documents(("itk-message", "document-bundle"))
    assert len(inputs) > 20

    def keyed(document: Document) -> set[tuple[str, str | None, str]]:
        return {
            (i.rule, i.path, i.message)
            for i in profile_issues(document, registry)
            if i.rule != "profile-invariant-unevaluated"
        }

    fast = [keyed(document) for _, document in inputs]
    plan = invariants._plan

    def fhirpath_only(key: str, expression: str) -> invariants._Plan:
        return invariants._Plan(None, None, (), plan(key, expression).expression)

    monkeypatch.setattr(invariants, "_plan", fhirpath_only)
    for (name, document), expected in zip(inputs, fast, strict=True):
        assert keyed(document) == expected, name


def header_errors(context: ValidationContext, issues: list[Issue], own: tuple[str, ...]) -> set[tuple[str, str | None]]:
    """(rule, path) of the errors in the ITK3 header, leaving out invariants keyed ``own``."""
    return {
        (i.rule, i.path)
        for i in issues
        if i.is_error
        and context.region(i.node) in ("header", "handling")
        and not (i.rule == "profile-invariant" and any(f"invariant {k}" in i.message for k in own))
    }


def test_nhs_profiles_and_the_pack_agree_on_the_itk3_header() -> None:
    """Same inputs, both registries: header errors match, except each side's own invariants."""
    pack = ProfileRegistry.default()
    compared = 0
    for name, document in documents(("itk-message", "infack", "busack")):
        context = ValidationContext(document)
        if not context.view.is_message:
            continue

        from_nhs = header_errors(context, profile_issues(document, nhs()), ("bdl-", "dom-", "ele-", "ref-"))
        from_pack = header_errors(context, profile_issues(document, pack), ("itk-",))
        assert from_nhs == from_pack, f"{name}: NHS only {from_nhs - from_pack}; pack only {from_pack - from_nhs}"
        compared += 1
    assert compared > 50


def test_examples_folder_is_not_mistaken_for_profiles(tmp_path: Path) -> None:
    registry = ProfileRegistry()
    problems = registry.add_folder(OFFICIAL)
    assert len(registry) == 0
    assert all(p.file.endswith((".xml", ".json")) for p in problems)
