"""高效办成一件事 — reads: published bundles, the plan for a set of answers (which items apply,
the merged form and materials over those items, what is saved), previews with prefill and
licence waivers, and what a bundle case looks like to its applicant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.cases.models import Case, NoticeKind
from yiwang.catalog import selectors as catalog
from yiwang.catalog.services import material_row
from yiwang.core.errors import NotFound, ValidationFailed

from . import merge as merging
from .models import Audience, Bundle, BundleCase, BundleChild, BundleItem, BundleStatus

if TYPE_CHECKING:
    from yiwang.catalog.models import ItemVersion


def component_of(version: ItemVersion) -> merging.Component:
    return merging.Component(
        code=version.item.code,
        name=version.name,
        schema=version.form_schema or {},
        materials=[material_row(m) for m in version.materials.all()],
        visits=version.visits_required or 0,
        promised_days=version.promised_limit_days or 0,
    )


def bundles_published(*, audience: str | None = None) -> QuerySet[Bundle]:
    """Published bundles; for an audience, those for it and those for either (个人和企业)."""
    qs = Bundle.objects.filter(status=BundleStatus.PUBLISHED).select_related("lead_department")
    return qs.filter(audience__in=[audience, Audience.ANY]) if audience else qs


def bundle_published(*, code: str) -> Bundle:
    bundle = bundles_published().filter(code=str(code)[:40]).first()
    if bundle is None:
        raise NotFound("一件事不存在或未发布", code="bundle_not_found")
    return bundle


def components(bundle: Bundle) -> list[BundleItem]:
    return list(
        bundle.components.select_related(
            "item", "item_version", "item_version__item", "item__department", "item__department__region"
        ).prefetch_related("item_version__materials")
    )


def bundle_outdated(bundle: Bundle, *, on: date | None = None) -> list[str]:
    """Names of component items with a newer published version than the one the bundle pinned:
    the bundle is flagged for republishing (and cannot be applied for until then)."""
    comps = list(bundle.components.select_related("item_version"))
    current = catalog.current_version_ids(item_ids=[c.item_id for c in comps], on=on)
    return [c.item_version.name for c in comps if current.get(c.item_id) != c.item_version_id]


def bundle_definition(bundle: Bundle) -> dict:
    """The published definition (what the ledger entry pins)."""
    return {
        "code": bundle.code,
        "name": bundle.name,
        "version": bundle.version,
        "promised_days": bundle.promised_days,
        "questionnaire": bundle.questionnaire,
        "components": [
            {
                "item": c.item.code,
                "version": c.item_version.version if c.item_version else None,
                "when": c.when,
                "depends_on": c.depends_on,
                "required": c.required,
            }
            for c in components(bundle)
        ],
        "merged_schema": bundle.merged_schema,
        "merged_materials": bundle.merged_materials,
    }


# --- plans ----------------------------------------------------------------------------------------


@dataclass
class PlanComponent:
    item: object
    item_version: object
    depends_on: list[str]
    required: bool
    material_codes: set[str]
    produces: set[str]  # licence type codes its completion issues

    def uses_party(self, party: str) -> bool:
        props = (self.item_version.form_schema or {}).get("properties") or {}
        return bool(party) and any(k.startswith(party + ".") for k in props)


@dataclass
class Plan:
    bundle: Bundle
    answers: dict
    components: list[PlanComponent]
    merged: merging.Merged
    codes: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    account_kind: str = ""  # person / legal: who may apply for these answers
    account_reason: str = ""  # the chosen option that decided it (个人和企业 bundles)

    @property
    def schema(self) -> dict:
        return self.merged.schema

    @property
    def materials(self) -> list[dict]:
        return self.merged.materials

    def savings(
        self, *, people: int = 1, waived: int = 0, prefilled: int = 0, channel: str = "online"
    ) -> dict:
        """减填、减交、减跑、减时 for this application, stored per case for the KPIs."""
        versions = [c.item_version for c in self.components]
        separate_visits = sum(max(v.visits_required or 0, 0) for v in versions)
        bundle_visits = 0 if channel != "window" else 1
        separate_days = sum(v.promised_limit_days or 0 for v in versions)
        produced = sum(1 for m in self.materials if m.get("x-produced-by"))
        return {
            "items": len(self.components),
            "people": people,
            "fields_separately": self.merged.fields_asked,
            "fields_once": self.merged.fields_once,
            "fields_saved": self.merged.fields_asked - self.merged.fields_once,
            "fields_prefilled": prefilled,
            "materials_separately": self.merged.materials_asked,
            "materials_once": self.merged.materials_once,
            "materials_saved": self.merged.materials_asked - self.merged.materials_once,
            "materials_waived": waived + produced,
            "visits_separately": separate_visits,
            "visits": bundle_visits,
            "visits_avoided": max(separate_visits - bundle_visits, 0),
            "days_separately": separate_days,
            "days_promised": self.bundle.promised_days,
        }


def _clean_answers(bundle: Bundle, answers) -> dict:
    """The answers as the questionnaire allows them: one option per question, or for a
    multiple-choice question (勾选即办, `"multiple": true`) a non-empty list of options, kept in the
    questionnaire's order."""
    if not isinstance(answers, dict):
        raise ValidationFailed(fields={"answers": ["情形答案应为对象：问题 → 选项"]})
    clean, errors = {}, {}
    for q in bundle.questionnaire or []:
        qid = q["id"]
        values = {str(o["value"]): o.get("label", o["value"]) for o in q.get("options") or []}
        given = answers.get(qid)
        if q.get("multiple"):
            chosen = [str(v) for v in (given if isinstance(given, list) else [given] if given else [])]
            if not chosen or any(v not in values for v in chosen):
                errors[f"answers.{qid}"] = [
                    f"请至少选择一项：{q['text']}（可选：{'、'.join(values.values())}）"
                ]
            else:
                clean[qid] = [v for v in values if v in chosen]
        elif given is None or isinstance(given, list | dict) or str(given) not in values:
            errors[f"answers.{qid}"] = [f"请回答：{q['text']}（可选：{'、'.join(values.values())}）"]
        else:
            clean[qid] = str(given)
    for key in answers:
        if key not in {q["id"] for q in bundle.questionnaire or []}:
            errors[f"answers.{key}"] = ["不是本一件事的问题"]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _applies(component: BundleItem, answers: dict) -> bool:
    """Every condition of `when` holds: the answer is one of the wanted options (for a
    multiple-choice question, at least one chosen option is wanted)."""
    for qid, wanted in (component.when or {}).items():
        given = answers.get(qid)
        chosen = set(given) if isinstance(given, list) else {given}
        if not chosen & {str(v) for v in wanted}:
            return False
    return True


def account_kind_for(bundle: Bundle, answers: dict) -> tuple[str, str]:
    """The account kind that applies (person / legal) and, when an answer decided it, that
    answer's label: a bundle for 个人和企业 takes it from the chosen option's `audience`
    (e.g. 个体工商户 → person, 企业 → legal)."""
    if bundle.audience != Audience.ANY:
        return bundle.audience, ""
    for q in bundle.questionnaire or []:
        for o in q.get("options") or []:
            if o.get("audience") and str(o["value"]) == str(answers.get(q["id"])):
                return o["audience"], str(o.get("label", o["value"]))
    return "", ""


def _licence_types_issued(version) -> list:
    """The licence types an item version's completion issues here (as licensing decides them)."""
    from types import SimpleNamespace

    from yiwang.licenses.services import license_types_for_case

    return license_types_for_case(SimpleNamespace(item_version=version, item_id=version.item_id))


def _licence_types_of(version) -> set[str]:
    """The licence type codes an item version's completion issues."""
    return {t.code for t in _licence_types_issued(version)}


def licence_names_issued(version) -> set[str]:
    """The names of the results an item version's completion issues as e-licences on this
    platform (into the holder's 我的证照). A result of type 10 that no licence type here issues
    (a paper licence, or one another system issues) is not among them."""
    return {t.name for t in _licence_types_issued(version)}


def bundle_plan(*, bundle: Bundle, answers: dict[str, object]) -> Plan:
    """Which items apply for these answers, and the merged form and materials over them. A
    material of a later item that an earlier item of the bundle produces as an e-licence is marked
    `x-produced-by` (neither uploaded nor asked: the dependent item starts with it)."""
    clean = _clean_answers(bundle, answers)
    chosen = [c for c in components(bundle) if _applies(c, clean)]
    if not chosen:
        raise ValidationFailed(
            "根据您的回答，没有需要办理的事项",
            fields={"answers": ["根据您的回答，没有需要办理的事项，请核对"]},
        )
    plan_components = [
        PlanComponent(
            item=c.item,
            item_version=c.item_version,
            depends_on=list(c.depends_on or []),
            required=c.required,
            material_codes={m.code for m in c.item_version.materials.all()},
            produces=_licence_types_of(c.item_version),
        )
        for c in chosen
    ]
    merged = merging.merge([component_of(c.item_version) for c in chosen])
    by_type = {t: pc for pc in plan_components for t in pc.produces}
    for m in merged.materials:
        producer = by_type.get(m.get("license_type_code", ""))
        if producer is not None and producer.item.code not in m["x-items"]:
            m["x-produced-by"] = producer.item.code
    kind, reason = account_kind_for(bundle, clean)
    return Plan(
        bundle=bundle,
        answers=clean,
        components=plan_components,
        merged=merged,
        codes={pc.item.code for pc in plan_components},
        names={pc.item.code: pc.item_version.name for pc in plan_components},
        account_kind=kind,
        account_reason=reason,
    )


# --- bundle cases ---------------------------------------------------------------------------------


def bundle_cases_for_owner(*, user: User) -> QuerySet[BundleCase]:
    return BundleCase.objects.filter(owner=user).select_related("bundle").order_by("-created_at")


def bundle_case_for_actor(*, actor: User, number: str) -> BundleCase:
    """The applicant's (or the filing clerk's) bundle case; 404 for anyone else."""
    bcase = (
        BundleCase.objects.filter(number=str(number)[:40])
        .select_related("bundle", "bundle__lead_department", "owner")
        .first()
    )
    if bcase is None or actor.pk not in (bcase.owner_id, bcase.filed_by_id):
        raise NotFound("一件事办件不存在", code="not_found")
    return bcase


def bundle_children(bcase: BundleCase) -> list[BundleChild]:
    return list(
        bcase.children.select_related("case", "case__item", "case__item_version", "case__department")
        .prefetch_related("case__stops")  # the clock view of each department case
        .order_by("id")
    )


def bundle_supplement_materials(bcase: BundleCase) -> list[dict]:
    """The materials to upload once for a combined supplement: every material of the items whose
    departments asked for one, each with the names of the items that need it."""
    rows: dict[str, dict] = {}
    for child in bundle_children(bcase):
        if child.case.status != "supplement_requested":
            continue
        for m in child.case.item_version.materials.all():
            row = rows.setdefault(m.code, {"code": m.code, "name": m.name, "items": []})
            if child.case.item_version.name not in row["items"]:
                row["items"].append(child.case.item_version.name)
    return list(rows.values())


def child_name(children: list[BundleChild], code: str) -> str:
    return next((c.case.item_version.name for c in children if c.item_code == code), code)


def last_reason(case: Case) -> str:
    event = case.events.filter(action__in=["refuse", "deny", "withdraw", "stop"]).order_by("-seq").first()
    if event is None:
        return ""
    return str((event.data or {}).get("reason") or event.note or "")


def combined_supplement(open_cases: list[Case]) -> dict:
    items = []
    for case in open_cases:
        notice = case.notices.filter(kind=NoticeKind.SUPPLEMENT).order_by("-issued_at").first()
        data = notice.data if notice else {}
        items.append(
            {
                "case": case.number,
                "item": case.item_version.name,
                "department": case.department.name,
                "missing": data.get("missing") or [],
                "note": data.get("note") or "",
                "notice": notice.number if notice else "",
            }
        )
    return {"items": items}


def bundle_outcome(children: list[BundleChild]) -> dict:
    from yiwang.licenses.models import License

    licences = {}
    for lic in License.objects.filter(case_id__in=[c.case_id for c in children]).select_related("type"):
        licences.setdefault(lic.case_id, []).append({"identifier": lic.identifier, "name": lic.type.name})
    return {
        "items": [
            {
                "case": c.case.number,
                "item": c.case.item_version.name,
                "department": c.case.department.name,
                "status": c.case.status,
                "status_label": c.case.get_status_display(),
                "decision": c.case.decision,
                "reason": c.stopped_reason or last_reason(c.case),
                "licenses": licences.get(c.case_id, []),
            }
            for c in children
        ],
        "delivered_on": timezone.localdate().isoformat(),
    }


def licence_refs_for(*, case: Case, bundle_case: BundleCase, on: date) -> dict[str, str]:
    """免提交 for a held item about to start: its licence-bound materials, satisfied by the licences
    its sibling items just issued (or that the applicant already holds)."""
    from yiwang.licenses import selectors as licenses
    from yiwang.licenses.models import License

    wanted = {m.code: m.license_type_code for m in case.item_version.materials.all() if m.license_type_code}
    if not wanted:
        return {}
    have = set(case.materials.values_list("material_code", flat=True))
    siblings = bundle_case.children.exclude(case_id=case.pk).values_list("case_id", flat=True)
    issued = {
        lic.type.code: lic.identifier
        for lic in License.objects.filter(case_id__in=list(siblings)).select_related("type").order_by("id")
    }
    usable = licenses.licenses_usable(applicant=case.owner, type_codes=set(wanted.values()), on=on)
    refs = {}
    for code, type_code in wanted.items():
        if code in have:
            continue
        if type_code in issued:
            refs[code] = issued[type_code]
        elif usable.get(type_code):
            refs[code] = usable[type_code][0].license.identifier
    return refs


def prefill_enforce(
    *, bundle: Bundle, plan: Plan, actor: User, form: dict, applicant: User | None = None
) -> int:
    """Authoritative prefilled values (real-name identity, registers) cannot be changed by the
    applicant. Returns how many fields were prefilled (authoritative or not)."""
    from . import prefill

    values = prefill.prefill_for(actor=actor, applicant=applicant, plan=plan, known=form).values
    errors = {
        key: [f"{form_title(plan, key)}以{p.source}为准，不能修改；如信息有误，请先向提供单位申请更正"]
        for key, p in values.items()
        if p.authoritative and key in form and str(form[key]) != str(p.value)
    }
    if errors:
        raise ValidationFailed(fields=errors)
    return len(values)  # every prefilled field counts as saved, as the preview shows it


def form_title(plan: Plan, key: str) -> str:
    prop = plan.schema.get("properties", {}).get(key, {})
    return prop.get("title") or key


def bundle_preview(
    *, bundle: Bundle, answers: dict[str, object], actor: User, known: dict | None = None
) -> dict:
    """What the applicant sees before filling in: the applicable items, the merged form with
    prefilled values marked (`x-prefill`), the materials with what is waived (免提交) and what an
    earlier item of the bundle produces, and what is saved."""
    import copy

    from yiwang.licenses import selectors as licenses

    from . import prefill

    plan = bundle_plan(bundle=bundle, answers=answers)
    pre = prefill.prefill_for(actor=actor, plan=plan, known=known or {})
    schema = copy.deepcopy(plan.schema)
    for key, value in pre.values.items():
        schema["properties"][key]["x-prefill"] = value.out()
    if bundle.repeat_party:
        schema["x-repeat"] = {"party": bundle.repeat_party, "key": f"{bundle.repeat_party}s", "max": 50}
    types = {m["license_type_code"] for m in plan.materials if m.get("license_type_code")}
    usable = (
        licenses.licenses_usable(applicant=actor, type_codes=types, on=timezone.localdate()) if types else {}
    )
    materials, waived = [], 0
    for m in plan.materials:
        row = {k: v for k, v in m.items() if not k.startswith("x-")}
        row["items"] = [plan.names.get(code, code) for code in m["x-items"]]
        row["produced_by"] = plan.names.get(m.get("x-produced-by", ""), "")
        found = usable.get(m.get("license_type_code", "")) or []
        row["waived_by"] = (
            {
                "identifier": found[0].license.identifier,
                "name": found[0].license.type.name,
                "holder": found[0].license.holder_name,
                "via": found[0].via,
                "valid_until": found[0].license.valid_until.isoformat()
                if found[0].license.valid_until
                else None,
            }
            if found and not row["produced_by"]
            else None
        )
        waived += bool(row["waived_by"])
        materials.append(row)
    return {
        "bundle": bundle.code,
        "answers": plan.answers,
        "account_kind": plan.account_kind,
        "items": [
            {
                "code": c.item.code,
                "name": c.item_version.name,
                "department": c.item.department.name,
                "depends_on": [plan.names.get(d, d) for d in c.depends_on if d in plan.codes],
                "promised_days": c.item_version.promised_limit_days,
                "required": c.required,
            }
            for c in plan.components
        ],
        "form_schema": schema,
        "materials": materials,
        "savings": plan.savings(waived=waived, prefilled=len(pre.values)),
        "prefill_failures": [f.get("message", "") for f in pre.failures],
    }
