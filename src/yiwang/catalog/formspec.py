"""Turning an item version's form schema into page fields, and a posted page back into the
`form` and `materials` that `cases.services.case_submit` expects. Presentation only: every rule
(required, formats, enums, materials) is checked by the services; their Chinese messages are
placed next to the matching field. It lives in the catalogue, which owns form schemas, so that
every app with an application page (portal, workbench, bundles) can use it."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import ItemVersion, MaterialForm

ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd"
_ID_RE = re.compile(r"[^A-Za-z0-9_-]+")


def html_id(prefix: str, key: str) -> str:
    """`applicant.id_number` -> `f-applicant-id_number` (CSS-friendly, stable)."""
    return f"{prefix}-{_ID_RE.sub('-', key)}"


@dataclass
class Field:
    key: str  # the element id (the POST name)
    id: str  # the HTML id
    label: str
    widget: str  # input | textarea | date | integer | number | select | checkbox
    required: bool
    value: Any = ""
    options: list[str] = field(default_factory=list)
    max_length: int | None = None
    errors: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def described_by(self) -> str:
        ids = []
        if self.hint:
            ids.append(self.hint_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)


def form_fields(
    *, version: ItemVersion, values: dict | None = None, errors: dict | None = None, prefix: str = "f"
) -> list[Field]:
    schema = version.form_schema or {}
    props: dict[str, dict] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    registry = catalog.element_registry()
    values = values or {}
    errors = errors or {}
    out = []
    for key, prop in props.items():
        element = registry.get(key, {})
        etype = prop.get("type") if prop.get("type") in ("integer", "number", "boolean") else None
        etype = etype or element.get("type") or "string"
        options = list(prop.get("enum") or element.get("enum") or [])
        if options:
            widget = "select"
        elif etype in ("text", "list"):  # a list (一证多址): one entry per line
            widget = "textarea"
        elif etype == "date":
            widget = "date"
        elif etype == "integer":
            widget = "integer"
        elif etype == "number":
            widget = "number"
        elif etype == "boolean":
            widget = "checkbox"
        else:
            widget = "input"
        max_length = None if etype == "list" else prop.get("maxLength") or element.get("max_length")
        hint = prop.get("description") or ("每行填写一项" if etype == "list" else "")
        if not hint and element.get("validator") == "cn.ric":
            hint = "18位居民身份证号码"
        elif not hint and element.get("validator") == "phone":
            hint = "11位手机号码"
        elif not hint and element.get("validator") == "cn.uscc":
            hint = "18位统一社会信用代码"
        value = values.get(key, "")
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        out.append(
            Field(
                key=key,
                id=html_id(prefix, key),
                label=prop.get("title") or element.get("name") or key,
                widget=widget,
                required=key in required,
                value="" if value is None else value,
                options=[str(o) for o in options],
                max_length=max_length,
                errors=list(errors.get(key) or []),
                hint=hint,
            )
        )
    return out


def form_from_post(*, version: ItemVersion, data: QueryDict) -> dict:
    """The posted values keyed by element id, as the services expect them (strings; booleans as
    true/false; empty optional values left out so drafts and optional fields stay clean)."""
    schema = version.form_schema or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for f in form_fields(version=version):
        if f.widget == "checkbox":
            checked = data.get(f.key) in ("on", "true", "1")
            if checked or f.key not in required:
                out[f.key] = checked
            continue
        value = (data.get(f.key) or "").strip()
        if value:
            out[f.key] = value
    return out


@dataclass
class MaterialField:
    code: str
    id: str
    name: str
    required: bool
    tolerable: bool
    electronic: bool
    notes: str
    errors: list[str] = field(default_factory=list)

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"


def material_fields(*, version: ItemVersion, errors: dict | None = None) -> list[MaterialField]:
    errors = errors or {}
    out = []
    for m in version.materials.all():
        electronic = m.material_form in (MaterialForm.ELECTRONIC, MaterialForm.BOTH)
        out.append(
            MaterialField(
                code=m.code,
                id=html_id("m", m.code),
                name=m.name,
                required=m.required,
                tolerable=m.tolerable and version.tolerance_acceptance,
                electronic=electronic,
                notes=m.notes,
                errors=list(errors.get(f"materials.{m.code}") or []),
            )
        )
    return out


def materials_from_files(*, version: ItemVersion, files: MultiValueDict) -> list[dict]:
    """Uploaded files as the list of dicts `case_submit` takes: {"code","name","content_base64"}."""
    out = []
    limit = settings.UPLOAD_MAX_BYTES + 1  # one byte more lets the service name the size problem
    for m in version.materials.all():
        upload = files.get(html_id("m", m.code))
        if upload is None:
            continue
        data = upload.read(limit)
        out.append(
            {
                "code": m.code,
                "name": upload.name or m.code,
                "content_base64": base64.b64encode(data).decode(),
            }
        )
    return out


def error_summary(*, errors: dict, fields: list, materials: list, extra: dict | None = None) -> list[dict]:
    """GOV.UK error summary: one line per message, linking to its field where there is one."""
    anchors = {f.key: f.id for f in fields}
    anchors.update({f"materials.{m.code}": m.id for m in materials})
    anchors.update(extra or {})
    labels = {f.key: f.label for f in fields}
    labels.update({f"materials.{m.code}": m.name for m in materials})
    out = []
    for key, messages in errors.items():
        for message in messages:
            label = labels.get(key)
            text = message if (not label or label in message) else f"{label}：{message}"
            out.append({"href": f"#{anchors[key]}" if key in anchors else "", "text": text})
    return out


def apply_context(
    *, version: ItemVersion, values: dict, errors: dict, token: str, extra_anchors: dict | None = None, **more
) -> dict:
    """The template context of an application form page (citizen's or window clerk's)."""
    fields = form_fields(version=version, values=values, errors=errors)
    materials = material_fields(version=version, errors=errors)
    return {
        "v": version,
        "fields": fields,
        "materials": materials,
        "accept": ACCEPT,
        "token": token,
        "errors": errors,
        "summary": error_summary(errors=errors, fields=fields, materials=materials, extra=extra_anchors),
        **more,
    }
