"""One form, one set of materials (一表申请、一套材料): derive a bundle's merged form schema and
material list from its component items. Never hand-made.

Rules (DESIGN.md §4.2/§4.3):
- a property key is a canonical, party-qualified element id: the same id appears once; different
  parties (`mother.name`, `father.name`) never merge;
- constraints combine to the strictest: maxLength and maximum take the smaller, minimum the larger,
  enumerations intersect; a declared type or format that differs, an empty range or an empty
  enumeration is a conflict naming the items and the field;
- a field required by any applicable item is required;
- materials merge by their cross-item code: required if any item requires it; two different licence
  types for one material code is a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Component:
    code: str
    name: str
    schema: dict
    materials: list[dict]  # catalog.services.material_row form
    visits: int = 0
    promised_days: int = 0


@dataclass
class Merged:
    schema: dict
    materials: list[dict]
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    fields_asked: int = 0  # property count summed over items (what N separate forms would ask)
    materials_asked: int = 0

    @property
    def fields_once(self) -> int:
        return len(self.schema.get("properties", {}))

    @property
    def materials_once(self) -> int:
        return len(self.materials)


def _label(c: Component) -> str:
    return f"“{c.name}”"


def _merge_property(key: str, into: dict, prop: dict, comp: Component, first: Component) -> list[str]:
    """Fold `prop` (from `comp`) into `into` (started by `first`); return conflict messages."""
    problems = []
    who = f"{_label(first)}与{_label(comp)}"
    for kw in ("type", "format"):
        a, b = into.get(kw), prop.get(kw)
        if a and b and a != b:
            problems.append(f"{who}对该栏目的{'类型' if kw == 'type' else '格式'}要求不同（{a} / {b}）")
        elif b and not a:
            into[kw] = b
    for kw in ("maxLength", "maxItems"):
        if kw in prop:
            into[kw] = min(into.get(kw, prop[kw]), prop[kw])
    if "minimum" in prop:
        into["minimum"] = max(into.get("minimum", prop["minimum"]), prop["minimum"])
    if "maximum" in prop:
        into["maximum"] = min(into.get("maximum", prop["maximum"]), prop["maximum"])
    if "minimum" in into and "maximum" in into and into["minimum"] > into["maximum"]:
        problems.append(f"{who}对该栏目的取值范围没有交集（合并后 {into['minimum']}–{into['maximum']}）")
    if "enum" in prop:
        if "enum" in into:
            allowed = set(prop["enum"])
            into["enum"] = [v for v in into["enum"] if v in allowed]
            if not into["enum"]:
                problems.append(f"{who}对该栏目的可选值没有交集")
        else:
            into["enum"] = list(prop["enum"])
    if prop.get("description") and prop["description"] not in into.get("description", ""):
        into["description"] = "；".join(filter(None, [into.get("description", ""), prop["description"]]))
    into.setdefault("title", prop.get("title") or key)
    return problems


def merge(components: list[Component]) -> Merged:
    """Merge the components' schemas and materials (in component order)."""
    props: dict[str, dict] = {}
    owners: dict[str, Component] = {}
    required: list[str] = []
    conflicts: dict[str, list[str]] = {}
    fields_asked = 0
    for comp in components:
        schema = comp.schema or {}
        comp_props: dict[str, Any] = schema.get("properties") or {}
        fields_asked += len(comp_props)
        for key, prop in comp_props.items():
            if key not in props:
                props[key] = {"x-items": []}
                owners[key] = comp
            into = props[key]
            problems = _merge_property(key, into, dict(prop), comp, owners[key])
            into["x-items"].append(comp.code)
            if problems:
                conflicts.setdefault(key, []).extend(problems)
        for key in schema.get("required") or []:
            if key in comp_props and key not in required:
                required.append(key)
    materials, m_conflicts, materials_asked = merge_materials(components)
    conflicts.update(m_conflicts)
    return Merged(
        schema={"type": "object", "required": required, "properties": props},
        materials=materials,
        conflicts=conflicts,
        fields_asked=fields_asked,
        materials_asked=materials_asked,
    )


def merge_materials(components: list[Component]) -> tuple[list[dict], dict[str, list[str]], int]:
    merged: dict[str, dict] = {}
    first: dict[str, Component] = {}
    conflicts: dict[str, list[str]] = {}
    asked = 0
    for comp in components:
        for m in comp.materials:
            asked += 1
            code = m["code"]
            if code not in merged:
                merged[code] = {**m, "x-items": [comp.code]}
                first[code] = comp
                continue
            into = merged[code]
            into["x-items"].append(comp.code)
            into["required"] = bool(into.get("required", True)) or bool(m.get("required", True))
            into["tolerable"] = bool(into.get("tolerable")) and bool(m.get("tolerable"))
            if into.get("material_form") != m.get("material_form"):
                into["material_form"] = "3"  # 纸质+电子: whichever an item needs
            a, b = into.get("license_type_code", ""), m.get("license_type_code", "")
            if a and b and a != b:
                conflicts.setdefault(f"materials.{code}", []).append(
                    f"{_label(first[code])}与{_label(comp)}对材料“{into['name']}”对应的电子证照类型不同（{a} / {b}）"
                )
            elif b and not a:
                into["license_type_code"] = b
    return list(merged.values()), conflicts, asked


def split_form(form: dict, schema: dict) -> dict:
    """The part of a merged form an item's schema asks for."""
    props = (schema or {}).get("properties") or {}
    return {k: v for k, v in form.items() if k in props}
