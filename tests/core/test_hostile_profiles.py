"""Hostile profiles: invariants that backtrack forever, do not parse, or come in huge snapshots.

Each input is built here. Runs that a regression would make hang or take minutes go to a child
process bounded in CPU seconds (:mod:`bounded`), so the suite fails instead of waiting.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bounded import run_bounded

from workbench.core.codecs import read_bytes
from workbench.core.validation.issue import Issue
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles import fhirpath
from workbench.core.validation.profiles.registry import ProfileRegistry

URL = "http://example.org/fhir/StructureDefinition/Hostile"


def profile(*constraints: dict[str, str], path: str = "Patient", rows: list[dict[str, Any]] | None = None) -> bytes:
    elements = [{"id": "Patient", "path": "Patient", "min": 0, "max": "*"}]
    if path != "Patient":
        elements.append({"id": path, "path": path, "min": 0, "max": "*"})
    elements[-1]["constraint"] = list(constraints)
    elements += rows or []
    return json.dumps(
        {
            "resourceType": "StructureDefinition",
            "url": URL,
            "version": "1.0.0",
            "name": "Hostile",
            "status": "draft",
            "kind": "resource",
            "type": "Patient",
            "derivation": "constraint",
            "snapshot": {"element": elements},
        }
    ).encode()


def rule(key: str, expression: str) -> dict[str, str]:
    return {"key": key, "severity": "error", "human": f"rule {key}", "expression": expression}


def findings(definition: bytes, patient: dict[str, Any]) -> list[Issue]:
    registry = ProfileRegistry()
    assert registry.add_bytes(definition, "hostile.json") == []
    return check_document(read_bytes(json.dumps(patient).encode()), registry, (URL,))


def patient(family: str = "Smith") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "name": [{"family": family}]}


# ---- regular expressions -----------------------------------------------------------------------

REDOS = "name.family.all($this.matches('^(a+)+$'))"

_REDOS_RUN = """
import json
from workbench.core.codecs import read_bytes
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles.registry import ProfileRegistry
registry = ProfileRegistry()
registry.add_bytes(args["profile"].encode(), "redos.json")
issues = check_document(read_bytes(json.dumps(args["patient"]).encode()), registry, (args["url"],))
result = [[i.rule, i.severity, i.message] for i in issues]
"""


def test_a_catastrophic_regular_expression_is_evaluated_in_linear_time() -> None:
    # Python's re needs about 2**34 steps for this family name; RE2 answers at once.
    found = run_bounded(
        _REDOS_RUN,
        args={
            "profile": profile(rule("redos-1", REDOS)).decode(),
            "patient": patient("a" * 34 + "!"),
            "url": URL,
        },
        cpu_seconds=60,
    )
    assert found == [["profile-invariant", "error", "Patient: rule redos-1 (invariant redos-1 of Hostile)"]]


def test_the_same_invariant_passes_a_matching_name() -> None:
    assert findings(profile(rule("redos-1", REDOS)), patient("a" * 5000)) == []


def test_a_pattern_the_linear_engine_cannot_run_is_reported_with_invariant_profile_and_path() -> None:
    issues = findings(
        profile(rule("back-1", "family.all($this.matches('^(a)\\\\1$'))"), path="Patient.name"),
        {"resourceType": "Patient", "name": [{"family": "aa"}, {"family": "ab"}]},
    )
    assert [(i.rule, i.severity, i.path) for i in issues] == [
        ("profile-invariant-unevaluated", "warning", "Patient.name[0]")
    ]
    message = issues[0].message
    assert "invariant back-1 of Hostile on Patient.name could not be evaluated at Patient.name[0]" in message
    assert "backreferences and lookaround are not supported" in message


@pytest.mark.parametrize(
    ("expression", "passes"),
    [
        ("name.family.matches('^Sm')", True),
        ("name.family.matches('^sm')", False),  # case-sensitive
        ("name.family.replaceMatches('(S)(m)', '$2$1') = 'mSith'", True),
        ("name.family.matches('S.i')", True),
    ],
)
def test_matches_and_replace_matches_keep_their_meaning(expression: str, passes: bool) -> None:
    issues = findings(profile(rule("m-1", expression)), patient("Smith"))
    assert [i.rule for i in issues] == ([] if passes else ["profile-invariant"])


def test_an_overlong_pattern_is_not_compiled() -> None:
    with pytest.raises(fhirpath.RegexUnsupported, match="more than"):
        fhirpath._pattern("a" * (fhirpath.MAX_PATTERN + 1), True)


# ---- invariants that do not parse --------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "name.((((",
        "name)",  # fhirpathpy would read "name" and drop the rest
        "name.exists() or name.((((",  # the presence fast path must not hide the broken half
        "name.family.matches('a'",
    ],
)
def test_an_invariant_that_does_not_parse_is_a_warning_once(expression: str) -> None:
    issues = findings(profile(rule("bad-1", expression)), patient())
    assert [(i.rule, i.severity) for i in issues] == [("profile-invariant-invalid", "warning")]
    assert "invariant bad-1 of Hostile on Patient does not parse as FHIRPath" in issues[0].message
    assert "column" in issues[0].message
    assert issues[0].hint is not None and expression in issues[0].hint


def test_a_broken_invariant_on_a_repeating_element_is_reported_once() -> None:
    issues = findings(
        profile(rule("bad-2", "family.(("), path="Patient.name"),
        {"resourceType": "Patient", "name": [{"family": str(i)} for i in range(50)]},
    )
    assert [i.rule for i in issues] == ["profile-invariant-invalid"]


def test_syntax_errors_name_the_place() -> None:
    assert fhirpath.syntax_error("name.((((") == "mismatched input '(' at column 6"
    assert fhirpath.syntax_error("name)") == "unexpected ')' at column 5"
    assert fhirpath.syntax_error("name.where(use = 'official').exists()") is None


# ---- huge snapshots -----------------------------------------------------------------------------

_LOAD_RUN = """
from workbench.core.validation.profiles.registry import ProfileRegistry
registry = ProfileRegistry()
problems = registry.add_bytes(args.encode(), "huge.json")
loaded = registry.structure_definitions()[0]
result = [len(problems), len(loaded.root.children), sum(len(c.slices) for c in loaded.root.children)]
"""


@pytest.mark.parametrize(
    ("shape", "count", "cpu_seconds"),
    [
        # Before the fix: 100,000 rows on one path took 74 s, 50,000 distinct paths about 30 s.
        ("one path", 100_000, 30),
        ("distinct paths", 50_000, 15),
        ("slices", 20_000, 15),
    ],
)
def test_a_huge_snapshot_loads_in_linear_time(shape: str, count: int, cpu_seconds: int) -> None:
    if shape == "one path":
        rows = [{"id": "Patient.name", "path": "Patient.name"} for _ in range(count)]
    elif shape == "distinct paths":
        rows = [{"id": f"Patient.x{i}", "path": f"Patient.x{i}"} for i in range(count)]
    else:
        rows = [{"id": "Patient.name", "path": "Patient.name"}]
        rows += [{"id": f"Patient.name:s{i}", "path": "Patient.name", "sliceName": f"s{i}"} for i in range(count)]
    found = run_bounded(_LOAD_RUN, args=profile(rows=rows).decode(), cpu_seconds=cpu_seconds)
    assert found == {"one path": [0, count, 0], "distinct paths": [0, count, 0], "slices": [0, 1, count]}[shape]


# ---- versions -------------------------------------------------------------------------------------


def test_versions_with_digits_int_cannot_read_are_ordered_not_fatal() -> None:
    registry = ProfileRegistry()
    for version in ("1.²", "1.¹⁰", "1." + "9" * 5000, "2.0"):
        data = json.loads(profile())
        data["version"] = version
        assert registry.add_bytes(json.dumps(data).encode(), version[:10]) == []
    assert registry.structure_definition(URL).version == "2.0"
    assert registry.structure_definition(URL + "|1.²").version == "1.²"
