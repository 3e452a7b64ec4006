"""Profile registry and loader: NHS conformance resources, the shipped pack, XML and JSON, problems.

The NHS StructureDefinitions, ValueSets, CodeSystems and MessageDefinitions in
``../shared/itk3/conformance`` are read from there (skipped with a reason when it is absent);
everything else is made inline.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import CONFORMANCE, require_shared

from workbench.core.validation.profiles import loader
from workbench.core.validation.profiles.model import StructureDef
from workbench.core.validation.profiles.registry import ProfileRegistry

NHS_FOLDERS = ("StructureDefinitions", "ValueSets", "CodeSystems", "MessageDefinitions")
NHS_SD = "https://fhir.nhs.uk/STU3/StructureDefinition/"
HANDLING = NHS_SD + "Extension-ITK-MessageHandling-2"


def nhs_registry() -> ProfileRegistry:
    require_shared(CONFORMANCE)
    return ProfileRegistry.from_paths(*(CONFORMANCE / folder for folder in NHS_FOLDERS))


def sd_json(url: str, type_name: str, elements: list[dict], version: str = "1.0.0") -> dict:
    """A minimal StructureDefinition whose snapshot lists ``elements``."""
    return {
        "resourceType": "StructureDefinition",
        "url": url,
        "version": version,
        "name": url.rsplit("/", 1)[-1],
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": type_name,
        "baseDefinition": f"http://hl7.org/fhir/StructureDefinition/{type_name}",
        "derivation": "constraint",
        "snapshot": {"element": elements},
    }


# ---- the NHS conformance resources -----------------------------------------------------------


def test_every_nhs_conformance_resource_loads_without_problems() -> None:
    registry = nhs_registry()
    assert registry.problems == []
    files = {folder: len(list((CONFORMANCE / folder).glob("*.xml"))) for folder in NHS_FOLDERS}
    assert len(registry.structure_definitions()) == files["StructureDefinitions"] >= 50
    assert len(registry.value_sets()) == files["ValueSets"]
    assert len(registry.code_systems()) == files["CodeSystems"]
    assert len(registry.message_definitions()) == files["MessageDefinitions"]
    for profile in registry.structure_definitions():
        assert profile.root.children, f"{profile.url} compiled to an empty snapshot"
        assert profile.root.path == profile.type


def test_nhs_loading_is_fast_when_warm() -> None:
    nhs_registry()  # compiles and caches
    start = time.perf_counter()
    registry = nhs_registry()
    elapsed = time.perf_counter() - start
    assert len(registry.structure_definitions()) >= 50
    assert elapsed < 1.0, f"warm load took {elapsed:.2f} s"


def test_handling_extension_compiles_to_six_required_slices() -> None:
    handling = nhs_registry().structure_definition(HANDLING)
    assert handling is not None and handling.type == "Extension" and handling.version == "2.1.0"
    extension = handling.root.child("extension")
    assert extension is not None and extension.slicing is not None
    assert [(d.type, d.path) for d in extension.slicing.discriminators] == [("value", "url")]
    assert extension.slicing.rules == "open"
    slices = {s.slice_name: s for s in extension.slices}
    assert list(slices) == [
        "BusAckRequested",
        "InfAckRequested",
        "RecipientType",
        "MessageDefinition",
        "SenderReference",
        "LocalExtension",
    ]
    assert all((s.min, s.max) == (1, 1) for s in slices.values())
    recipient = slices["RecipientType"].child("valueCoding")  # the STU3 "value[x]:valueCoding" form
    assert recipient is not None and recipient.slice_name is None
    assert recipient.binding is not None and recipient.binding.strength == "required"
    assert recipient.binding.value_set == "https://fhir.nhs.uk/STU3/ValueSet/ITK-RecipientType-1"
    system = recipient.child("system")
    assert system is not None and system.fixed is not None
    assert system.fixed.value == "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"
    sender = slices["SenderReference"].child("valueString")
    assert sender is not None and sender.max_length == 255
    local = slices["LocalExtension"].child("value[x]")
    assert local is not None and local.choice_prefix == "value" and len(local.types) > 30


def test_message_header_details() -> None:
    header = nhs_registry().structure_definition(NHS_SD + "ITK-MessageHeader-2")
    assert header is not None
    root = header.root
    handling = next(s for s in root.child("extension").slices if s.slice_name == "ITKMessageHandling")
    assert [t.profile for t in handling.types] == [HANDLING]
    assert root.child("destination").max == 0
    event_system = root.child("event").child("system")
    assert event_system.fixed.value == "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"
    assert {t.target_profile for t in root.child("sender").types} == {
        NHS_SD + "CareConnect-ITK-Header-Practitioner-1",
        NHS_SD + "CareConnect-ITK-Header-Organization-1",
    }


def test_content_reference_and_closed_slicing_of_composition_sections() -> None:
    composition = nhs_registry().structure_definition(NHS_SD + "CareConnect-ITK-EDIS-Composition-1")
    section = composition.root.child("section")
    assert section.slicing.rules == "closed"
    assert [(d.type, d.path) for d in section.slicing.discriminators] == [("value", "code.coding.code")]
    assert len(section.slices) > 10
    nested = section.child("section")
    assert nested.content_ref == "#Composition.section"
    assert composition.by_id["Composition.section"] is section


def test_message_definitions_name_their_focus_profile_and_assets() -> None:
    response = nhs_registry().message_definition(
        "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-Response-MessageDefinition-1"
    )
    assert response is not None and response.event_code == "ITK008M"
    assert response.focus[0].code == "Bundle"
    assert response.focus[0].profile == NHS_SD + "ITK-Message-Bundle-1"
    assert NHS_SD + "ITK-Response-OperationOutcome-1" in response.profiles


def test_value_sets_and_code_systems() -> None:
    registry = nhs_registry()
    recipient = registry.code_system("https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1")
    assert recipient.concepts == {"FA": "For Action", "FI": "For Information"}
    value_set = registry.value_set("https://fhir.nhs.uk/STU3/ValueSet/ITK-RecipientType-1")
    assert value_set.includes[0].system == recipient.url and value_set.includes[0].concepts == ()


def test_legacy_versions_do_not_replace_current_ones() -> None:
    require_shared(CONFORMANCE)
    registry = ProfileRegistry.from_paths(CONFORMANCE)  # everything, legacy/ included
    assert registry.structure_definition(HANDLING).version == "2.1.0"
    assert registry.structure_definition(HANDLING + "|2.0.2").version == "2.0.2"
    assert registry.structure_definition(HANDLING + "|2.1.0").version == "2.1.0"


def test_profiles_for_a_type() -> None:
    registry = nhs_registry()
    urls = [p.url for p in registry.profiles_for("MessageHeader")]
    assert NHS_SD + "ITK-MessageHeader-2" in urls
    assert all(p.type == "MessageHeader" for p in registry.profiles_for("MessageHeader"))
    assert registry.profiles_for("NoSuchType") == []


# ---- the shipped pack --------------------------------------------------------------------------


def test_default_registry_holds_the_shipped_pack() -> None:
    registry = ProfileRegistry.default()
    assert registry.problems == []
    for name in (
        "ITK-Message-Bundle-1",
        "ITK-MessageHeader-2",
        "Extension-ITK-MessageHandling-2",
        "ITK-Response-OperationOutcome-1",
    ):
        assert registry.structure_definition(NHS_SD + name) is not None, name
    assert registry.value_set("https://fhir.nhs.uk/STU3/ValueSet/ITK-RecipientType-1") is not None


def test_default_registry_without_a_pack_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.core import resources

    monkeypatch.setattr(resources, "resource_path", tmp_path.joinpath)
    registry = ProfileRegistry.default()
    assert len(registry) == 0 and registry.problems == []
    (tmp_path / "profiles").mkdir()
    registry = ProfileRegistry.default()
    assert len(registry) == 0 and registry.problems == []


# ---- files, folders and problems -------------------------------------------------------------


def test_json_and_xml_give_the_same_compiled_profile(tmp_path: Path) -> None:
    elements = [
        {"id": "Patient", "path": "Patient", "min": 0, "max": "*"},
        {
            "id": "Patient.gender",
            "path": "Patient.gender",
            "min": 1,
            "max": "1",
            "type": [{"code": "code"}],
            "fixedCode": "female",
        },
        {"id": "Patient.name.family", "path": "Patient.name.family", "min": 1, "max": "1", "maxLength": 20},
    ]
    data = sd_json("http://example.org/StructureDefinition/P", "Patient", elements)
    (tmp_path / "p.json").write_text(json.dumps(data))
    xml = (
        '<StructureDefinition xmlns="http://hl7.org/fhir"><url value="http://example.org/StructureDefinition/P"/>'
        '<version value="1.0.0"/><name value="P"/><status value="draft"/><kind value="resource"/>'
        '<abstract value="false"/><type value="Patient"/><derivation value="constraint"/><snapshot>'
        '<element id="Patient"><path value="Patient"/><min value="0"/><max value="*"/></element>'
        '<element id="Patient.gender"><path value="Patient.gender"/><min value="1"/><max value="1"/>'
        '<type><code value="code"/></type><fixedCode value="female"/></element>'
        '<element id="Patient.name.family"><path value="Patient.name.family"/><min value="1"/><max value="1"/>'
        '<maxLength value="20"/></element></snapshot></StructureDefinition>'
    )
    (tmp_path / "p.xml").write_text(xml)
    from_json = ProfileRegistry.from_paths(tmp_path / "p.json").structure_definition(data["url"])
    from_xml = ProfileRegistry.from_paths(tmp_path / "p.xml").structure_definition(data["url"])
    assert isinstance(from_json, StructureDef) and isinstance(from_xml, StructureDef)
    for profile in (from_json, from_xml):
        gender = profile.root.child("gender")
        assert (gender.min, gender.max, gender.fixed.value, gender.type_codes) == (1, 1, "female", frozenset({"code"}))
        name = profile.root.child("name")
        assert name.implicit, "an element the snapshot skips is implicit"
        assert name.child("family").max_length == 20


def test_folder_with_other_files_and_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ok.json").write_text(
        json.dumps(sd_json("http://example.org/StructureDefinition/Q", "Patient", [{"path": "Patient"}]))
    )
    (tmp_path / "patient.json").write_text('{"resourceType": "Patient", "id": "x"}')
    (tmp_path / "example.xml").write_text(
        '<Observation xmlns="http://hl7.org/fhir"><status value="final"/></Observation>'
    )
    (tmp_path / "broken.xml").write_text(
        '<StructureDefinition xmlns="http://hl7.org/fhir">\n  <url value="x">\n</StructureDefinition>'
    )
    (tmp_path / "notes.txt").write_text("not FHIR at all")
    (tmp_path / "no-url.json").write_text('{"resourceType": "ValueSet", "status": "draft"}')
    registry = ProfileRegistry()
    problems = registry.add_folder(tmp_path)
    assert registry.structure_definition("http://example.org/StructureDefinition/Q") is not None
    assert len(registry) == 1
    by_file = {Path(p.file).name: p for p in problems}
    assert set(by_file) == {"broken.xml", "no-url.json"}
    broken = by_file["broken.xml"]
    assert broken.line == 3 and broken.column is not None
    assert "broken.xml, line 3" in str(broken)
    assert "no url" in by_file["no-url.json"].message
    assert registry.problems == problems


def test_missing_paths_are_problems_not_exceptions(tmp_path: Path) -> None:
    registry = ProfileRegistry()
    assert registry.add_folder(tmp_path / "nope")[0].message == "no such folder"
    assert "No such file" in registry.add_file(tmp_path / "nope.xml")[0].message
    assert len(registry.problems) == 2


def test_snapshotless_profile_falls_back_to_its_differential() -> None:
    data = sd_json("http://example.org/StructureDefinition/D", "Patient", [])
    del data["snapshot"]
    data["differential"] = {"element": [{"path": "Patient.active", "min": 1}]}
    registry = ProfileRegistry()
    problems = registry.add_bytes(json.dumps(data).encode(), "d.json")
    assert len(problems) == 1 and "no snapshot" in problems[0].message
    profile = registry.structure_definition(data["url"])
    assert profile is not None and profile.root.child("active").min == 1


def test_a_bundle_of_conformance_resources() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": sd_json("http://example.org/StructureDefinition/B1", "Patient", [{"path": "Patient"}])},
            {
                "resource": {
                    "resourceType": "CodeSystem",
                    "url": "http://example.org/cs",
                    "status": "draft",
                    "content": "complete",
                    "concept": [{"code": "a", "concept": [{"code": "a1", "display": "A one"}]}],
                }
            },
            {"resource": {"resourceType": "Patient"}},
        ],
    }
    registry = ProfileRegistry()
    assert registry.add_bytes(json.dumps(bundle).encode()) == []
    assert registry.structure_definition("http://example.org/StructureDefinition/B1") is not None
    assert registry.code_system("http://example.org/cs").concepts == {"a": None, "a1": "A one"}


def test_version_lookup_and_replacement() -> None:
    registry = ProfileRegistry()
    url = "http://example.org/StructureDefinition/V"
    for version in ("1.10.0", "1.9.0"):
        registry.add_bytes(json.dumps(sd_json(url, "Patient", [{"path": "Patient"}], version)).encode())
    assert registry.structure_definition(url).version == "1.10.0"
    assert registry.structure_definition(url + "|1.9.0").version == "1.9.0"
    assert registry.structure_definition(url + "|7.0.0").version == "1.10.0"  # unknown version: the current one
    copy = registry.copy()
    copy.add_bytes(json.dumps(sd_json(url, "Patient", [{"path": "Patient"}], "2.0.0")).encode())
    assert registry.structure_definition(url).version == "1.10.0"
    assert copy.structure_definition(url).version == "2.0.0"


def test_compiled_files_are_cached_by_modification(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(sd_json("http://example.org/StructureDefinition/C", "Patient", [{"path": "Patient"}])))
    first = loader.load_file(path)
    assert loader.load_file(path) is first
    path.write_text(
        json.dumps(sd_json("http://example.org/StructureDefinition/C", "Patient", [{"path": "Patient"}], "2.0.0"))
    )
    import os

    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    second = loader.load_file(path)
    assert second is not first and second[0][0].version == "2.0.0"
