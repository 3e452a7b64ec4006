"""Profile engine rules on hand-made StructureDefinitions (JSON) and instances (JSON and XML).

Each test builds the smallest profile that exercises one feature (patterns, fixed complex
values, slicing by value/type/profile/exists discriminators with closed/openAtEnd/ordered rules,
choice types, contentReference, bindings with codes that can and cannot be verified, invariants)
and checks a conforming instance gives nothing and a broken one the expected finding.
"""

from __future__ import annotations

import json
from typing import Any

from workbench.core.codecs import read_bytes
from workbench.core.validation.issue import Issue
from workbench.core.validation.profile_layer import check_document
from workbench.core.validation.profiles.registry import ProfileRegistry

BASE = "http://example.org/fhir/"
SNOMED = "http://snomed.info/sct"


def el(path: str, lo: int = 0, hi: str = "*", slice_name: str | None = None, **extra: Any) -> dict[str, Any]:
    """One snapshot element."""
    element: dict[str, Any] = {
        "id": path + (f":{slice_name}" if slice_name else ""),
        "path": path,
        "min": lo,
        "max": hi,
    }
    if slice_name:
        element["sliceName"] = slice_name
    element.update(extra)
    return element


def types(*codes: str, profile: str | None = None, target: str | None = None) -> list[dict[str, str]]:
    found = []
    for code in codes:
        entry = {"code": code}
        if profile:
            entry["profile"] = profile
        if target:
            entry["targetProfile"] = target
        found.append(entry)
    return found


def profile(name: str, type_name: str, *elements: dict[str, Any], kind: str = "resource") -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "url": BASE + "StructureDefinition/" + name,
        "version": "1.0.0",
        "name": name,
        "status": "draft",
        "kind": kind,
        "abstract": False,
        "type": type_name,
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/" + type_name,
        "derivation": "constraint",
        "snapshot": {"element": [el(type_name, 0, "*"), *elements]},
    }


def registry(*resources: dict[str, Any]) -> ProfileRegistry:
    found = ProfileRegistry()
    for resource in resources:
        assert found.add_bytes(json.dumps(resource).encode(), resource.get("url", "inline")) == []
    return found


def check(instance: dict[str, Any] | str, reg: ProfileRegistry, name: str | None = None) -> list[Issue]:
    """Validate an instance (a JSON dict or an XML string) against profile ``name`` of ``reg``."""
    data = json.dumps(instance).encode() if isinstance(instance, dict) else instance.encode()
    chosen = (BASE + "StructureDefinition/" + name,) if name else ()
    return check_document(read_bytes(data), reg, chosen)


def rules(issues: list[Issue]) -> list[str]:
    return sorted(i.rule for i in issues)


# ---- values ----------------------------------------------------------------------------------


CODED = profile(
    "Coded",
    "Observation",
    el(
        "Observation.code",
        1,
        "1",
        type=types("CodeableConcept"),
        patternCodeableConcept={"coding": [{"system": SNOMED, "code": "27113001"}]},
    ),
    el(
        "Observation.method",
        0,
        "1",
        type=types("CodeableConcept"),
        fixedCodeableConcept={"coding": [{"system": "http://example.org/m", "code": "m1"}]},
    ),
    el("Observation.value[x]", 0, "1", type=types("Quantity")),
    el("Observation.valueQuantity.unit", 1, "1", maxLength=5),
)


def observation(**members: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", **members}


def test_pattern_is_a_subset_match() -> None:
    reg = registry(CODED)
    code = {
        "coding": [
            {"system": "urn:other", "code": "x"},
            {"system": SNOMED, "code": "27113001", "display": "Body weight"},
        ],
        "text": "w",
    }
    assert check(observation(code=code), reg, "Coded") == []
    wrong = {"coding": [{"system": SNOMED, "code": "999"}]}
    issues = check(observation(code=wrong), reg, "Coded")
    assert rules(issues) == ["profile-pattern"]
    assert issues[0].message == (
        f"Observation.code must match coding=(system={SNOMED}, code=27113001) (a pattern of Coded); found coding=(…)"
    )


def test_fixed_complex_value_is_exact() -> None:
    reg = registry(CODED)
    code = {"coding": [{"system": SNOMED, "code": "27113001"}]}
    method = {"coding": [{"system": "http://example.org/m", "code": "m1"}]}
    assert check(observation(code=code, method=method), reg, "Coded") == []
    method["coding"][0]["display"] = "extra"
    assert rules(check(observation(code=code, method=method), reg, "Coded")) == ["profile-fixed"]


def test_choice_type_restriction_and_type_specific_elements() -> None:
    reg = registry(CODED)
    code = {"coding": [{"system": SNOMED, "code": "27113001"}]}
    issues = check(observation(code=code, valueString="heavy"), reg, "Coded")
    assert rules(issues) == ["profile-type"]
    assert issues[0].message == "Observation.valueString is a string; Coded allows only valueQuantity here"
    issues = check(observation(code=code, valueQuantity={"value": 72.5, "unit": "kilograms"}), reg, "Coded")
    assert rules(issues) == ["profile-maxlength"]
    assert issues[0].path == "Observation.valueQuantity.unit"
    assert rules(check(observation(code=code, valueQuantity={"value": 72.5}), reg, "Coded")) == ["profile-min"]


# ---- slicing ---------------------------------------------------------------------------------


def sliced_patient(rules_: str, ordered: bool = False) -> dict[str, Any]:
    return profile(
        "SlicedPatient",
        "Patient",
        el(
            "Patient.identifier",
            0,
            "*",
            type=types("Identifier"),
            slicing={"discriminator": [{"type": "value", "path": "system"}], "rules": rules_, "ordered": ordered},
        ),
        el("Patient.identifier", 1, "1", "nhs", type=types("Identifier")),
        el("Patient.identifier.system", 1, "1", fixedUri="https://fhir.nhs.uk/Id/nhs-number"),
        el("Patient.identifier.value", 1, "1", maxLength=10),
        el("Patient.identifier", 0, "*", "local", type=types("Identifier")),
        el("Patient.identifier.system", 1, "1", fixedUri="urn:local"),
    )


NHS_ID = {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}
LOCAL_ID = {"system": "urn:local", "value": "L1"}
OTHER_ID = {"system": "urn:other", "value": "O1"}


def patient(*identifiers: dict[str, str]) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": list(identifiers)}


def test_slices_validate_their_own_constraints() -> None:
    reg = registry(sliced_patient("open"))
    assert check(patient(NHS_ID, LOCAL_ID, OTHER_ID), reg, "SlicedPatient") == []
    issues = check(patient({"system": NHS_ID["system"], "value": "90000000091"}), reg, "SlicedPatient")
    assert rules(issues) == ["profile-maxlength"]
    assert issues[0].path == "Patient.identifier[0].value"


def test_required_slice_missing_and_repeated() -> None:
    reg = registry(sliced_patient("open"))
    issues = check(patient(LOCAL_ID), reg, "SlicedPatient")
    assert rules(issues) == ["profile-slice-cardinality"]
    assert issues[0].message == (
        "identifier[nhs]: the SlicedPatient profile requires exactly one identifier with system "
        "https://fhir.nhs.uk/Id/nhs-number; found none"
    )
    issues = check(patient(NHS_ID, NHS_ID), reg, "SlicedPatient")
    assert rules(issues) == ["profile-slice-cardinality"]
    assert issues[0].path == "Patient.identifier[1]" and issues[0].message.endswith("found two")


def test_closed_slicing_rejects_an_element_no_slice_matches() -> None:
    reg = registry(sliced_patient("closed"))
    assert check(patient(NHS_ID, LOCAL_ID), reg, "SlicedPatient") == []
    issues = check(patient(NHS_ID, OTHER_ID), reg, "SlicedPatient")
    assert rules(issues) == ["profile-slice-closed"]
    assert issues[0].path == "Patient.identifier[1]"
    assert "matches none of the slices SlicedPatient allows for identifier (nhs, local)" in issues[0].message


def test_open_at_end_slicing_wants_unsliced_elements_last() -> None:
    reg = registry(sliced_patient("openAtEnd"))
    assert check(patient(NHS_ID, LOCAL_ID, OTHER_ID), reg, "SlicedPatient") == []
    issues = check(patient(NHS_ID, OTHER_ID, LOCAL_ID), reg, "SlicedPatient")
    assert rules(issues) == ["profile-slice-order"]
    assert issues[0].path == "Patient.identifier[1]"


def test_ordered_slicing_wants_the_order_of_the_slices() -> None:
    reg = registry(sliced_patient("open", ordered=True))
    assert check(patient(NHS_ID, LOCAL_ID), reg, "SlicedPatient") == []
    issues = check(patient(LOCAL_ID, NHS_ID), reg, "SlicedPatient")
    assert rules(issues) == ["profile-slice-order"]
    assert "slice nhs" in issues[0].message


REQUIRED_GENDER = profile("Gendered", "Patient", el("Patient.gender", 1, "1", type=types("code")))
ENTRIES = profile(
    "Entries",
    "Bundle",
    el("Bundle.entry", 1, "*", slicing={"discriminator": [{"type": "type", "path": "resource"}], "rules": "closed"}),
    el("Bundle.entry", 1, "1", "header", type=types("BackboneElement")),
    el("Bundle.entry.resource", 1, "1", type=types("MessageHeader")),
    el("Bundle.entry", 0, "*", "people", type=types("BackboneElement")),
    el("Bundle.entry.resource", 1, "1", type=types("Patient", profile=BASE + "StructureDefinition/Gendered")),
)
BY_PROFILE = profile(
    "ByProfile",
    "Bundle",
    el("Bundle.entry", 0, "*", slicing={"discriminator": [{"type": "profile", "path": "resource"}], "rules": "closed"}),
    el("Bundle.entry", 0, "*", "gendered", type=types("BackboneElement")),
    el("Bundle.entry.resource", 1, "1", type=types("Patient", profile=BASE + "StructureDefinition/Gendered")),
)


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


HEADER = {
    "resourceType": "MessageHeader",
    "event": {"code": "x"},
    "timestamp": "2024-01-01T00:00:00Z",
    "source": {"endpoint": "e"},
}


def test_type_discriminator() -> None:
    reg = registry(ENTRIES, REQUIRED_GENDER)
    assert check(bundle(HEADER, {"resourceType": "Patient", "gender": "male"}), reg, "Entries") == []
    issues = check(bundle(HEADER, {"resourceType": "Organization", "name": "o"}), reg, "Entries")
    assert rules(issues) == ["profile-slice-closed"] and issues[0].path == "Bundle.entry[1]"
    issues = check(bundle({"resourceType": "Patient", "gender": "male"}), reg, "Entries")
    assert rules(issues) == ["profile-slice-cardinality"] and "of type MessageHeader" in issues[0].message
    issues = check(bundle(HEADER, {"resourceType": "Patient"}), reg, "Entries")
    assert rules(issues) == ["profile-min"]  # the slice's type profile (Gendered) applies to the Patient
    assert issues[0].path == "Bundle.entry[1].resource.gender" and "Gendered" in issues[0].message


def test_profile_discriminator() -> None:
    reg = registry(BY_PROFILE, REQUIRED_GENDER)
    assert check(bundle({"resourceType": "Patient", "gender": "female"}), reg, "ByProfile") == []
    issues = check(bundle({"resourceType": "Patient"}), reg, "ByProfile")
    assert rules(issues) == ["profile-slice-closed"]
    claimed = {"resourceType": "Patient", "meta": {"profile": [BASE + "StructureDefinition/Gendered"]}}
    issues = check(bundle(claimed), reg, "ByProfile")
    assert rules(issues) == ["profile-min"]  # claims the profile, so it is in the slice, and is checked against it


def test_exists_discriminator() -> None:
    components = profile(
        "Components",
        "Observation",
        el(
            "Observation.component",
            0,
            "*",
            slicing={"discriminator": [{"type": "exists", "path": "valueQuantity"}], "rules": "closed"},
        ),
        el("Observation.component", 1, "1", "measured"),
        el("Observation.component.valueQuantity", 1, "1", type=types("Quantity")),
        el("Observation.component", 0, "*", "absent"),
        el("Observation.component.valueQuantity", 0, "0", type=types("Quantity")),
        el("Observation.component.dataAbsentReason", 1, "1", type=types("CodeableConcept")),
    )
    reg = registry(components)
    measured = {"code": {"text": "a"}, "valueQuantity": {"value": 1}}
    absent = {"code": {"text": "b"}, "dataAbsentReason": {"text": "n/a"}}
    assert check(observation(code={"text": "x"}, component=[measured, absent]), reg, "Components") == []
    issues = check(observation(code={"text": "x"}, component=[absent, {"code": {"text": "c"}}]), reg, "Components")
    assert rules(issues) == ["profile-min", "profile-slice-cardinality"]


def test_content_reference_applies_the_referenced_definition() -> None:
    sections = profile(
        "Sections",
        "Composition",
        el("Composition.section", 0, "*", type=types("BackboneElement")),
        el("Composition.section.title", 1, "1", type=types("string")),
        el("Composition.section.section", 0, "*", contentReference="#Composition.section"),
    )
    reg = registry(sections)
    composition = {"resourceType": "Composition", "section": [{"title": "a", "section": [{"title": "b"}]}]}
    assert check(composition, reg, "Sections") == []
    composition["section"][0]["section"][0] = {
        "text": {"status": "empty", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
    }
    issues = check(composition, reg, "Sections")
    assert rules(issues) == ["profile-min"] and issues[0].path == "Composition.section[0].section[0].title"


# ---- extensions ----------------------------------------------------------------------------


COLOUR = profile(
    "Colour",
    "Extension",
    el("Extension.url", 1, "1", fixedUri=BASE + "StructureDefinition/Colour"),
    el("Extension.value[x]", 1, "1", type=types("code"), maxLength=6),
    kind="complex-type",
)
PAINTED = profile(
    "Painted",
    "Patient",
    el("Patient.extension", 0, "*", slicing={"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}),
    el("Patient.extension", 1, "1", "colour", type=types("Extension", profile=BASE + "StructureDefinition/Colour")),
)


def test_extension_slice_by_profile_url_and_its_definition() -> None:
    reg = registry(COLOUR, PAINTED)
    url = BASE + "StructureDefinition/Colour"
    assert check({"resourceType": "Patient", "extension": [{"url": url, "valueCode": "red"}]}, reg, "Painted") == []
    issues = check({"resourceType": "Patient", "extension": [{"url": url, "valueCode": "magenta"}]}, reg, "Painted")
    assert rules(issues) == ["profile-maxlength"] and "Colour allows at most 6" in issues[0].message
    issues = check({"resourceType": "Patient", "extension": [{"url": url, "valueString": "red"}]}, reg, "Painted")
    assert rules(issues) == ["profile-type"]
    issues = check({"resourceType": "Patient"}, reg, "Painted")
    assert rules(issues) == ["profile-slice-cardinality"]
    assert (
        issues[0].message
        == f"extension[colour]: the Painted profile requires exactly one extension with url {url}; found none"
    )


def test_unsliced_extension_is_checked_against_its_loaded_definition() -> None:
    reg = registry(COLOUR, profile("Plain", "Patient", el("Patient.active", 0, "1")))
    url = BASE + "StructureDefinition/Colour"
    issues = check({"resourceType": "Patient", "extension": [{"url": url}]}, reg, "Plain")
    assert "profile-min" in rules(issues)


# ---- bindings ----------------------------------------------------------------------------------


LOCAL_CS = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs/shade",
    "status": "draft",
    "content": "complete",
    "concept": [{"code": "light", "display": "Light"}, {"code": "dark", "display": "Dark"}],
}
MIXED_VS = {
    "resourceType": "ValueSet",
    "url": "http://example.org/vs/mixed",
    "status": "draft",
    "compose": {"include": [{"system": "http://example.org/cs/shade"}, {"system": SNOMED}]},
}


def bound(strength: str, value_set: str = "http://example.org/vs/mixed") -> dict[str, Any]:
    return profile(
        "Bound",
        "Observation",
        el(
            "Observation.code",
            1,
            "1",
            type=types("CodeableConcept"),
            binding={"strength": strength, "valueSetReference": {"reference": value_set}},
        ),
        el(
            "Observation.interpretation",
            0,
            "1",
            type=types("CodeableConcept"),
            binding={"strength": strength, "valueSetUri": "http://example.org/vs/missing"},
        ),
    )


def coded(*codings: tuple[str, str], **members: Any) -> dict[str, Any]:
    return observation(code={"coding": [{"system": s, "code": c} for s, c in codings]}, **members)


def test_binding_strengths() -> None:
    for strength, severity in (
        ("required", "error"),
        ("extensible", "warning"),
        ("preferred", "information"),
        ("example", "information"),
    ):
        reg = registry(bound(strength), LOCAL_CS, MIXED_VS)
        assert check(coded(("http://example.org/cs/shade", "dark")), reg, "Bound") == []
        issues = check(coded(("http://example.org/cs/shade", "grey")), reg, "Bound")
        assert [(i.rule, i.severity, i.layer) for i in issues] == [(f"term-{strength}", severity, "terminology")]
        assert "'grey'" in issues[0].message
        issues = check(coded(("urn:elsewhere", "x")), reg, "Bound")
        assert [i.rule for i in issues] == [f"term-{strength}"]
        assert "is not one the value set draws on" in issues[0].message


def test_snomed_codes_are_reported_not_verified() -> None:
    reg = registry(bound("required"), LOCAL_CS, MIXED_VS)
    issues = check(coded((SNOMED, "27113001")), reg, "Bound")
    assert [(i.rule, i.severity, i.layer) for i in issues] == [("term-not-verified", "information", "terminology")]
    assert issues[0].message == (
        "Observation.code: code '27113001' (SNOMED CT) bound to mixed (required) was not verified: "
        "the workbench does not have the code system SNOMED CT"
    )
    one_good = check(coded((SNOMED, "27113001"), ("http://example.org/cs/shade", "light")), reg, "Bound")
    assert one_good == []  # a CodeableConcept needs one coding in the value set


def test_unverified_codes_are_summarised() -> None:
    reg = registry(bound("required"), LOCAL_CS, MIXED_VS)
    document = bundle(*(coded((SNOMED, str(1000 + i))) for i in range(7)))
    issues = check_document(read_bytes(json.dumps(document).encode()), reg, (BASE + "StructureDefinition/Bound",))
    assert [i.rule for i in issues] == ["term-not-verified"]
    assert issues[0].message.startswith("7 codes from SNOMED CT bound to mixed (required) were not verified")
    assert "1000, 1001, 1002, 1003, 1004" in issues[0].message


def test_value_set_not_loaded() -> None:
    reg = registry(bound("required"), LOCAL_CS, MIXED_VS)
    issues = check(
        coded(("http://example.org/cs/shade", "dark"), interpretation={"coding": [{"system": "s", "code": "H"}]}),
        reg,
        "Bound",
    )
    assert [i.rule for i in issues] == ["term-not-verified"]
    assert "the value set is not loaded" in issues[0].message and "'H'" in issues[0].message
    reg = registry(bound("preferred"), LOCAL_CS, MIXED_VS)
    assert (
        check(
            coded(("http://example.org/cs/shade", "dark"), interpretation={"coding": [{"system": "s", "code": "H"}]}),
            reg,
            "Bound",
        )
        == []
    )


def test_required_binding_on_a_plain_code() -> None:
    reg = registry(
        profile(
            "Status",
            "Observation",
            el(
                "Observation.status",
                1,
                "1",
                type=types("code"),
                binding={"strength": "required", "valueSetReference": {"reference": "http://example.org/vs/shade"}},
            ),
        ),
        LOCAL_CS,
        {
            "resourceType": "ValueSet",
            "url": "http://example.org/vs/shade",
            "status": "draft",
            "compose": {"include": [{"system": "http://example.org/cs/shade", "concept": [{"code": "light"}]}]},
        },
    )
    assert check({"resourceType": "Observation", "status": "light"}, reg, "Status") == []
    issues = check({"resourceType": "Observation", "status": "dark"}, reg, "Status")
    assert [i.rule for i in issues] == ["term-required"] and issues[0].hint == "use one of light (Light)"


# ---- invariants --------------------------------------------------------------------------------


def test_invariants_pass_fail_warn_and_cannot_be_evaluated() -> None:
    reg = registry(
        profile(
            "Checked",
            "Observation",
            el(
                "Observation.valueQuantity",
                0,
                "1",
                type=types("Quantity"),
                constraint=[
                    {"key": "q-1", "severity": "error", "human": "A weight is under 500", "expression": "value < 500"}
                ],
            ),
            el(
                "Observation.effectivePeriod",
                0,
                "1",
                type=types("Period"),
                constraint=[
                    {
                        "key": "per-1",
                        "severity": "error",
                        "human": "If present, start SHALL have a lower value than end",
                        "expression": "start.empty() or end.empty() or (start <= end)",
                    }
                ],
            ),
            el(
                "Observation.status",
                1,
                "1",
                type=types("code"),
                constraint=[
                    {"key": "st-1", "severity": "warning", "human": "Prefer final", "expression": "$this = 'final'"},
                    {"key": "st-2", "severity": "error", "human": "Broken", "expression": "noSuchFunction()"},
                ],
            ),
        )
    )
    good = {
        "resourceType": "Observation",
        "status": "final",
        "valueQuantity": {"value": 72.50},
        "effectivePeriod": {"start": "2024-01-01", "end": "2024-02-01"},
    }
    issues = check(good, reg, "Checked")
    assert [i.rule for i in issues] == ["profile-invariant-unevaluated"]
    assert issues[0].severity == "information" and "st-2" in issues[0].message
    bad = {
        "resourceType": "Observation",
        "status": "preliminary",
        "valueQuantity": {"value": 501},
        "effectivePeriod": {"start": "2024-03-01", "end": "2024-02-01"},
    }
    issues = check(bad, reg, "Checked")
    found = {(i.rule, i.severity, i.path) for i in issues}
    assert found == {
        ("profile-invariant", "error", "Observation.valueQuantity"),
        ("profile-invariant", "error", "Observation.effectivePeriod"),
        ("profile-invariant", "warning", "Observation.status"),
        ("profile-invariant-unevaluated", "information", "Observation.status"),
    }
    message = next(i.message for i in issues if i.path == "Observation.valueQuantity")
    assert message == "Observation.valueQuantity: A weight is under 500 (invariant q-1 of Checked)"


def test_invariants_in_xml_use_stu3_types_and_resource_context() -> None:
    reg = registry(
        profile("Context", "Patient")
        | {
            "snapshot": {
                "element": [
                    el(
                        "Patient",
                        0,
                        "*",
                        constraint=[
                            {
                                "key": "ctx-1",
                                "severity": "error",
                                "human": "active is a boolean true",
                                "expression": "active = true",
                            },
                            {
                                "key": "ctx-2",
                                "severity": "error",
                                "human": "the birth year is after 1900",
                                "expression": "birthDate > @1900-01-01",
                            },
                        ],
                    ),
                    el(
                        "Patient.name",
                        0,
                        "*",
                        constraint=[
                            {
                                "key": "ctx-3",
                                "severity": "error",
                                "human": "names belong to an active patient",
                                "expression": "%resource.active = true",
                            },
                        ],
                    ),
                ]
            }
        }
    )
    xml = (
        '<Patient xmlns="http://hl7.org/fhir"><active value="{a}"/><name><family value="X"/></name>'
        '<birthDate value="{b}"/></Patient>'
    )
    assert check(xml.format(a="true", b="1970-01-01"), reg, "Context") == []
    issues = check(xml.format(a="false", b="1850-01-01"), reg, "Context")
    assert sorted(i.message.split("(invariant ")[1][:5] for i in issues) == ["ctx-1", "ctx-2", "ctx-3"]


def test_invariant_error_is_reported_once() -> None:
    reg = registry(
        profile(
            "Once",
            "Patient",
            el(
                "Patient.name",
                0,
                "*",
                constraint=[{"key": "bad-1", "severity": "error", "human": "x", "expression": "((("}],
            ),
        )
    )
    issues = check(
        {"resourceType": "Patient", "name": [{"family": "a"}, {"family": "b"}, {"family": "c"}]}, reg, "Once"
    )
    assert [(i.rule, i.severity) for i in issues] == [("profile-invariant-invalid", "warning")]


# ---- the invariant fast paths against fhirpathpy ---------------------------------------------


def test_presence_fast_paths_give_what_fhirpathpy_gives() -> None:
    from workbench.core.validation.profiles import fhirpath, invariants
    from workbench.core.validation.profiles.fhirdict import FhirData
    from workbench.core.validation.profiles.model import Constraint

    expressions = [
        "contained.empty() or text.exists()",
        "identifier.exists() and name.exists()",
        "name.exists().not() or name.family.exists()",
        "gender.exists() implies birthDate.exists()",
        "(gender.empty()) or (gender = 'male')",
        "name.where(family = 'a or b').empty()",
        "name.where(use = 'official').exists() or active.exists()",
        "telecom.empty() or telecom.where(system = 'x').exists()",
        "deceased.exists() or active = true",
        "active.empty() xor gender.empty()",
        "multipleBirth.exists() implies (gender = 'x' or gender.exists())",
    ]
    patients = [
        {"resourceType": "Patient"},
        {"resourceType": "Patient", "gender": "male", "active": True},
        {"resourceType": "Patient", "name": [{"family": "a or b"}], "birthDate": "2000-01-01", "gender": "female"},
        {"resourceType": "Patient", "name": [{"use": "official", "given": ["x"]}], "deceasedBoolean": False},
        {
            "resourceType": "Patient",
            "identifier": [{"value": "1"}],
            "name": [{"family": "f"}],
            "multipleBirthInteger": 2,
            "telecom": [{"system": "x", "value": "1"}],
            "text": {"status": "empty", "div": '<div xmlns="http://www.w3.org/1999/xhtml">t</div>'},
        },
    ]
    checked = 0
    for data in patients:
        node = read_bytes(json.dumps(data).encode()).root
        for expression in expressions:
            constraint = Constraint("t-1", "error", "test", expression)
            fast = invariants.evaluate(constraint, node, FhirData(), "Patient")
            function = fhirpath.compiled(expression)
            assert not isinstance(function, str), function
            plain = function(json.loads(json.dumps(data)), {"resource": data, "rootResource": data})
            assert fast.error is None
            assert fast.passed == (not invariants._is_false(plain)), (expression, data)
            checked += 1
    assert checked == len(expressions) * len(patients)
    assert invariants._plan("t-1", "active.empty() xor gender.empty()").terms == ()
    assert invariants._plan("t-1", "gender.exists() implies birthDate.exists()").joiner == "implies"


# ---- MessageDefinitions ---------------------------------------------------------------------


def message_definition(*assets: str, focus_profile: str | None = None) -> dict[str, Any]:
    focus: dict[str, Any] = {"code": "Bundle"}
    profile_ref: dict[str, Any] = {}
    if focus_profile:
        profile_ref["reference"] = focus_profile
    if assets:
        profile_ref["extension"] = [
            {
                "url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-ITK-BundledAssets-1",
                "extension": [
                    {
                        "url": "utilisedAsset",
                        "extension": [
                            {"url": "type", "valueCode": "StructureDefinition"},
                            {"url": "reference", "valueReference": {"reference": asset}},
                            {"url": "version", "valueString": "1.0.0"},
                        ],
                    }
                    for asset in assets
                ],
            }
        ]
    focus["profile"] = profile_ref
    return {
        "resourceType": "MessageDefinition",
        "url": BASE + "MessageDefinition/MD",
        "status": "active",
        "date": "2024-01-01",
        "event": {"system": "urn:e", "code": "E1"},
        "focus": [focus],
    }


HEADER_ORG = profile("HeaderOrg", "Organization", el("Organization.name", 0, "0", type=types("string")))
MESSAGE_PROFILE = profile(
    "MessageBundle",
    "Bundle",
    el("Bundle.identifier", 1, "1", type=types("Identifier")),
    el("Bundle.type", 1, "1", type=types("code"), fixedCode="message"),
)


def test_message_definition_profiles_apply_only_where_unambiguous() -> None:
    message = bundle(HEADER, {"resourceType": "Organization", "name": "Payload organisation"}) | {
        "type": "message",
        "identifier": {"value": "1"},
    }
    data = read_bytes(json.dumps(message).encode())
    url = BASE + "MessageDefinition/MD"
    header_org = BASE + "StructureDefinition/HeaderOrg"
    only_header = registry(
        HEADER_ORG,
        MESSAGE_PROFILE,
        message_definition(header_org, focus_profile=BASE + "StructureDefinition/MessageBundle"),
    )
    issues = check_document(data, only_header, message_definition=url)
    assert [(i.rule, i.path) for i in issues] == [("profile-forbidden", "Bundle.entry[1].resource.name")]
    ambiguous = registry(
        HEADER_ORG,
        MESSAGE_PROFILE,
        message_definition(
            header_org,
            "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Organization-1",
            focus_profile=BASE + "StructureDefinition/MessageBundle",
        ),
    )
    assert check_document(data, ambiguous, message_definition=url) == []
    collection = read_bytes(json.dumps(bundle(HEADER)).encode())  # type collection: the focus profile does not fit
    assert check_document(collection, only_header, message_definition=url) == []
    unidentified = read_bytes(json.dumps(bundle(HEADER) | {"type": "message"}).encode())
    issues = check_document(unidentified, only_header, message_definition=url)
    assert [(i.rule, i.path) for i in issues] == [("profile-min", "Bundle.identifier")]  # the focus profile applies
    assert check_document(data, only_header, message_definition=BASE + "MessageDefinition/unknown") == []
