"""Catalogue reads: the element registry (cached in Django's cache, shared by all processes),
the current published version of an item, search for lists, and the full service guide."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from yiwang.core.errors import NotFound
from yiwang.core.revisions import RevisionMemo
from yiwang.core.text import is_digits
from yiwang.organizations.models import ORGANIZATIONS_REVISION

from .models import CATALOG_REVISION, DataElement, ItemVersion, Material, ServiceObject, VersionStatus

REGISTRY_CACHE_KEY = "catalog:element-registry:v1"
REGISTRY_CACHE_SECONDS = 300
# The registry changes only with a deployment (migrations, `yiwang sync_elements`); each process
# keeps its copy for a few seconds so one request does not read the shared cache several times.
REGISTRY_MEMO_SECONDS = 10.0
_memo: tuple[float, dict[str, dict]] | None = None


def element_registry() -> dict[str, dict]:
    """{element id: {type, format, validator, max_length, enum, sensitive, mask, name}} — one
    query at most, then Django's cache until the registry changes (elements_sync clears it)."""
    global _memo
    now = time.monotonic()
    if _memo is not None and now - _memo[0] < REGISTRY_MEMO_SECONDS:
        return _memo[1]
    registry = cache.get(REGISTRY_CACHE_KEY)
    if registry is None:
        registry = {
            row["id"]: row
            for row in DataElement.objects.values(
                "id",
                "party",
                "name",
                "type",
                "format",
                "validator",
                "max_length",
                "enum",
                "sensitive",
                "mask",
            )
        }
        cache.set(REGISTRY_CACHE_KEY, registry, REGISTRY_CACHE_SECONDS)
    _memo = (now, registry)
    return registry


def element_registry_clear() -> None:
    global _memo
    _memo = None
    cache.delete(REGISTRY_CACHE_KEY)


def sensitive_element_ids(ids: Iterable[str]) -> set[str]:
    """Which of these element ids hold sensitive personal data (to be encrypted when stored)."""
    registry = element_registry()
    return {i for i in ids if registry.get(i, {}).get("sensitive")}


def element_masks(ids: Iterable[str]) -> dict[str, str]:
    """{element id: mask kind (core.masking)} for the ids shown masked: every element with a mask
    kind, and every sensitive one (hidden entirely when it has no kind of its own)."""
    registry = element_registry()
    out = {}
    for i in ids:
        el = registry.get(i)
        if el and (el.get("mask") or el.get("sensitive")):
            out[i] = el.get("mask") or "hidden"
    return out


def today() -> date:
    return timezone.localdate()


def _valid_on(on: date) -> Q:
    # retired versions were published: their window still answers "which version on that day"
    return Q(status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED], valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


_current_memo = RevisionMemo(CATALOG_REVISION, ORGANIZATIONS_REVISION)


def item_version_current(*, code: str, on: date | None = None) -> ItemVersion:
    """The published version of item `code` valid on `on` (today by default), with its item,
    department, region and parent, and its materials prefetched. Memoised per process under the catalogue's and the
    organisations' revisions (core.revisions): one short statement when warm, and any committed
    change to an item, a version, a department or a region is seen by every process at once. Each
    call gets its own copy of the instances."""
    on = on or today()
    return _current_memo.get((code, on.toordinal()), lambda: _item_version_current(code, on))


def _item_version_current(code: str, on: date) -> ItemVersion:
    version = (
        ItemVersion.objects.filter(_valid_on(on), item__code=code)
        .select_related("item", "item__department", "item__department__region", "item__parent")
        .order_by("-version")
        .first()
    )
    if version is None:
        raise NotFound("事项不存在或未发布", code="item_not_found")
    prefetch_related_objects([version], "materials")  # a submission reads them: kept in the memo
    return version


def item_version_memo_clear() -> None:
    """Forget this process's memo of current versions (tests, as another process would start)."""
    _current_memo.clear()


def current_version_ids(*, item_ids: Iterable[int], on: date | None = None) -> dict[int, int]:
    """item id → id of its version valid on `on`, for many items in one query (items without one
    are absent)."""
    on = on or today()
    out: dict[int, int] = {}
    rows = (
        ItemVersion.objects.filter(_valid_on(on), item_id__in=list(item_ids))
        .order_by("item_id", "-version")
        .values_list("item_id", "pk")
    )
    for item_id, pk in rows:
        out.setdefault(item_id, pk)
    return out


def _json_array_has(field: str, value: str) -> Q:
    """Rows whose JSON list `field` contains `value`, on PostgreSQL and SQLite."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    table = ItemVersion._meta.db_table
    column = ItemVersion._meta.get_field(field).column
    sql = f'SELECT v.id FROM "{table}" v, json_each(v."{column}") j WHERE j.value = %s'  # noqa: S608
    return Q(pk__in=RawSQL(sql, [value]))  # noqa: S611 -- identifiers from model meta, value bound


# Items only 行政机关 apply for (服务对象 5 alone, e.g. 政务数据共享申请) are processes between
# agencies: they are in the catalogue (staff file and handle them) but not in the public one.
INTERNAL_SERVICE_OBJECTS = [ServiceObject.AGENCY.value]


def is_public(version: ItemVersion) -> bool:
    """Whether a version belongs to the public catalogue (portal, public API, search)."""
    return list(version.service_objects or []) != INTERNAL_SERVICE_OBJECTS


def _public() -> Q:
    return ~Q(service_objects=INTERNAL_SERVICE_OBJECTS)


def items_search(
    *,
    q: str | None = None,
    department: str | int | None = None,
    level: str | None = None,
    type: str | None = None,
    theme: str | None = None,
    on: date | None = None,
    public: bool = True,
) -> QuerySet[ItemVersion]:
    """Current published versions, for lists. `department` is a department id or its USCC.
    `public` (the default): the public catalogue, without the items only 行政机关 apply for;
    staff pages pass public=False."""
    qs = ItemVersion.objects.filter(_valid_on(on or today())).select_related("item", "item__department")
    if public:
        qs = qs.filter(_public())
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(item__code=q) | Q(item__basic_code=q))
    if department not in (None, ""):
        dep = str(department).strip()
        if is_digits(dep) and len(dep) < 18:  # an id; a USCC has 18 characters (may be all digits)
            qs = qs.filter(item__department_id=int(dep))
        else:
            qs = qs.filter(item__department__uscc=dep.upper())
    if level:
        qs = qs.filter(_json_array_has("exercise_levels", level))
    if type:
        qs = qs.filter(item_type=type)
    if theme:
        qs = qs.filter(_json_array_has("themes", theme))
    return qs.order_by("item__code")


def item_guide(*, code: str, on: date | None = None, public: bool = True) -> ItemVersion:
    """The current version of an item with everything its service guide shows loaded. `public`
    (the default): an item outside the public catalogue (see `is_public`) is not found."""
    version = item_version_current(code=code, on=on)
    if public and not is_public(version):
        raise NotFound("事项不存在或未发布", code="item_not_found")
    version = (
        ItemVersion.objects.filter(pk=version.pk)
        .select_related("item", "item__department", "item__department__region", "item__parent")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.order_by("position", "id")), "halls"
        )
        .get()
    )
    return version


def commitment_text(version: ItemVersion) -> str:
    """The 告知承诺书 the applicant reads and accepts (国办发〔2020〕42号): the item's own text, or
    the standard text naming the item and the materials the commitment replaces."""
    if version.commitment_text.strip():
        return version.commitment_text.strip()
    names = {m.code: m.name for m in version.materials.all()}
    replaced = "、".join(names.get(c, c) for c in version.commitment_replaces)
    return (
        f"本人（单位）申请办理“{version.name}”，已知晓行政机关告知的全部许可条件和要求，"
        "现郑重承诺：本人（单位）符合上述条件和要求"
        + (f"，以本承诺代替{replaced}等证明材料" if replaced else "")
        + "；所填写的信息和提交的材料真实、准确、完整；愿意接受行政机关的事后核查。"
        "如承诺不实，愿意承担行政机关依法撤销许可决定等法律责任，并记入信用记录。"
    )


# --- 事项认领 -------------------------------------------------------------------------------------


def claim_departments(*, user) -> QuerySet:
    """Departments `user` claims items for: those where they are department admin; a platform
    admin acts for every department of their regions."""
    from yiwang.organizations.models import Department, Role
    from yiwang.organizations.selectors import region_q, staff_scope

    scope = staff_scope(user)
    q = Q(pk__in=scope.departments_for(Role.DEPT_ADMIN))
    if scope.has(Role.PLATFORM_ADMIN):
        q |= region_q(scope.region_paths.get(Role.PLATFORM_ADMIN, []))
    return Department.objects.filter(q).select_related("region").order_by("name")


def can_claim_for(*, user, department) -> bool:
    return claim_departments(user=user).filter(pk=department.pk).exists()


def claim_lists(*, department, q: str = ""):
    """The department's three lists: pending provincial changes, its claims, and the standard
    items it has not claimed (searchable by name or basic code; withdrawn ones left out)."""
    from .models import ChangeStatus, ClaimChange, ItemClaim, StandardItem

    pending = (
        ClaimChange.objects.filter(claim__department=department, status=ChangeStatus.PENDING)
        .select_related("claim__standard_item", "claim__item")
        .order_by("received_at", "id")
    )
    claims = (
        ItemClaim.objects.filter(department=department)
        .select_related("standard_item", "item")
        .order_by("standard_item__basic_code")
    )
    unclaimed = StandardItem.objects.filter(withdrawn=False).exclude(claims__department=department)
    q = q.strip()
    if q:
        unclaimed = unclaimed.filter(Q(name__icontains=q) | Q(basic_code__startswith=q))
    return pending, claims, unclaimed.order_by("basic_code")
