"""Generate the STU3 type index the workbench ships, from the fhir.resources STU3 classes.

Run from the project root after installing the project::

    .venv/bin/python tools/gen_stu3.py [--codes-from ../shared/fhir-stu3/xsd/fhir-single.xsd]

It writes ``resources/stu3/types.json`` (element order, types, cardinality, choice groups and
reference targets for every STU3 resource, datatype and backbone element) and
``resources/stu3/definitions.json`` (the short text and definition of every element, for
tooltips). fhir.resources is the source of truth for the STU3 shape; the workbench reads the
index at run time so it never has to import the 150 pydantic modules to know a type.
``tests/core/test_stu3.py`` checks the committed index against the installed classes.

The code lists of STU3's required bindings (``MessageHeader.response.code``: ok,
transient-error, fatal-error) are facts of the specification; fhir.resources carries them
incompletely (67 elements missing, 22 lists wrong), so ``--codes-from`` takes them from the
STU3 XML schema instead: the schema is walked in parallel with the index from every resource,
and only the code lists are kept.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import typing
from pathlib import Path

import fhir.resources.STU3 as stu3_pkg
from fhir_core.fhirabstractmodel import FHIRAbstractModel

OUT = Path(__file__).resolve().parent.parent / "resources" / "stu3"

# fhir_core marks primitive fields with Annotated[str, Code()]; map the marker to the FHIR code.
_PRIMITIVE_MARKERS = {
    "Base64Binary": "base64Binary",
    "Boolean": "boolean",
    "Code": "code",
    "Date": "date",
    "DateTime": "dateTime",
    "Decimal": "decimal",
    "Id": "id",
    "Instant": "instant",
    "Integer": "integer",
    "Markdown": "markdown",
    "Oid": "oid",
    "PositiveInt": "positiveInt",
    "String": "string",
    "Time": "time",
    "UnsignedInt": "unsignedInt",
    "Uri": "uri",
    "Uuid": "uuid",
    "Xhtml": "xhtml",
}


def _unwrap(annotation: object) -> tuple[object, bool]:
    """Strip Optional[...] and List[...]; return (inner type, is_list)."""
    is_list = False
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            non_none = [a for a in args if a is not type(None)]
            # Element.id is declared Union[Id, String]; the first member is the FHIR type.
            annotation = non_none[0]
        elif origin in (list, typing.List):  # noqa: UP006 - typing.List appears in generated code
            is_list = True
            annotation = args[0]
        else:
            return annotation, is_list


def _type_code(inner: object) -> str:
    if inner is bool:
        return "boolean"
    metadata = getattr(inner, "__metadata__", None)
    if metadata:
        marker = type(metadata[-1]).__name__
        if marker not in _PRIMITIVE_MARKERS:
            raise ValueError(f"unknown primitive marker {marker}")
        return _PRIMITIVE_MARKERS[marker]
    name = getattr(inner, "__name__", str(inner))
    if name.endswith("Type"):
        return name[: -len("Type")]
    raise ValueError(f"cannot name type {inner!r}")


def _classes() -> dict[str, type[FHIRAbstractModel]]:
    found: dict[str, type[FHIRAbstractModel]] = {}
    for info in pkgutil.iter_modules(stu3_pkg.__path__):
        if info.name in {"fhirtypes", "tests"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{stu3_pkg.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FHIRAbstractModel) and value.__module__ == module.__name__:
                found[value.__name__] = value
    return found


def _docstring_summary(cls: type) -> list[str] | None:
    """(short, definition) of a type from its class docstring, after the generator's disclaimer."""
    paragraphs = [" ".join(p.split()) for p in (cls.__doc__ or "").split("\n\n")]
    text = [p for p in paragraphs if p and not p.startswith("Disclaimer:")]
    if not text:
        return None
    short = text[0].split(". ")[0].rstrip(".")
    return [short, " ".join(text)]


def _kind(cls: type[FHIRAbstractModel], resources: set[str]) -> str:
    if cls.__name__ in resources:
        return "resource"
    if cls.__name__ in {"Resource", "DomainResource"}:
        return "resource"
    names = [base.__name__ for base in cls.__mro__]
    if "BackboneElement" in names[1:]:
        return "backbone"
    return "complex"


def _resource_names(classes: dict[str, type[FHIRAbstractModel]]) -> set[str]:
    names = set()
    for name, cls in classes.items():
        mro = [base.__name__ for base in cls.__mro__]
        if "Resource" in mro and name not in {"Resource", "DomainResource"}:
            names.add(name)
    return names


def build() -> tuple[dict[str, object], dict[str, list[str]]]:
    """Return (types index, definitions) built from the installed fhir.resources.

    Each type is ``{"kind", "elements": [[name, type, min, max, (choice, choice_required,
    (targets))]]}``; :func:`xsd_codes` adds ``"codes": {element: [allowed codes]}``.
    """
    classes = _classes()
    resources = _resource_names(classes)
    types: dict[str, object] = {}
    definitions: dict[str, list[str]] = {}
    for name in sorted(classes):
        cls = classes[name]
        fields = {f.alias or key: f for key, f in cls.model_fields.items()}
        elements = []
        for element in cls.elements_sequence():
            field = fields.get(element)
            if field is None:
                raise ValueError(f"{name}.{element} is in the sequence but has no field")
            extra = field.json_schema_extra or {}
            inner, is_list = _unwrap(field.annotation)
            code = _type_code(inner)
            required = bool(extra.get("element_required")) or field.is_required()
            row = [element, code, 1 if required else 0, "*" if is_list else "1"]
            choice = extra.get("one_of_many")
            targets = extra.get("enum_reference_types") or []
            if choice or targets:
                row.append(choice or None)
                row.append(1 if extra.get("one_of_many_required") else 0)
            if targets:
                row.append(sorted(targets))
            elements.append(row)
            if field.title or field.description:
                definitions[f"{name}.{element}"] = [field.title or "", field.description or ""]
        types[name] = {"kind": _kind(cls, resources), "elements": elements}
        summary = _docstring_summary(cls)
        if summary:
            definitions[name] = summary
    return types, definitions


_XS = "{http://www.w3.org/2001/XMLSchema}"


def xsd_codes(path: Path, types: dict[str, dict]) -> dict[str, dict[str, list[str]]]:
    """Map (our type, element) to the enumerated codes the STU3 schema gives that element."""
    from lxml import etree

    schema = etree.parse(str(path)).getroot()
    enums = {
        st.get("name")[: -len("-list")]: [e.get("value") for e in st.iter(_XS + "enumeration")]
        for st in schema.iter(_XS + "simpleType")
        if (st.get("name") or "").endswith("-list")
    }
    coded: dict[str, str] = {}  # schema complex type -> its enumeration (e.g. IssueType)
    elements: dict[str, dict[str, str]] = {}  # schema complex type -> element -> schema type
    for complex_type in schema.findall(_XS + "complexType"):
        name = complex_type.get("name")
        for attribute in complex_type.iter(_XS + "attribute"):
            if attribute.get("name") == "value" and (attribute.get("type") or "").endswith("-list"):
                coded[name] = attribute.get("type")[: -len("-list")]
        children: dict[str, str] = {}
        for element in complex_type.iter(_XS + "element"):
            if element.get("name") and element.get("type"):
                children[element.get("name")] = element.get("type")
        base = complex_type.find(f".//{_XS}extension")
        elements[name] = children
        if base is not None and base.get("base") in elements:
            elements[name] = {**elements[base.get("base")], **children}
    codes: dict[str, dict[str, list[str]]] = {}
    seen: set[tuple[str, str]] = set()
    stack = [(name, name) for name, spec in types.items() if spec["kind"] == "resource" or spec["kind"] == "complex"]
    while stack:
        ours, theirs = stack.pop()
        if (ours, theirs) in seen or ours not in types or theirs not in elements:
            continue
        seen.add((ours, theirs))
        for row in types[ours]["elements"]:
            element, type_code = row[0], row[1]
            schema_type = elements[theirs].get(element)
            if schema_type is None:
                continue
            if schema_type in coded:
                codes.setdefault(ours, {})[element] = enums[coded[schema_type]]
            elif type_code in types:
                stack.append((type_code, schema_type))
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes-from", type=Path, help="the STU3 XML schema (fhir-single.xsd)")
    args = parser.parse_args()
    types, definitions = build()
    if args.codes_from is not None:
        for type_name, found in xsd_codes(args.codes_from, types).items():
            types[type_name]["codes"] = found
    else:
        previous = json.loads((OUT / "types.json").read_text())["types"] if (OUT / "types.json").exists() else {}
        for type_name, spec in types.items():  # keep the committed code lists
            if "codes" in previous.get(type_name, {}):
                spec["codes"] = previous[type_name]["codes"]
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"source": "fhir.resources STU3 (FHIR 3.0.x)", "generator": "tools/gen_stu3.py"}
    (OUT / "types.json").write_text(
        json.dumps({"meta": meta, "types": types}, separators=(",", ":"), sort_keys=True) + "\n",
        encoding="utf-8",
    )
    (OUT / "definitions.json").write_text(
        json.dumps(definitions, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"{len(types)} types, {len(definitions)} definitions -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
