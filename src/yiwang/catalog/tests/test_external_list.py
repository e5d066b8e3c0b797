"""Another district's published list as external catalogue entries (catalog/external_list.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from stdnum.cn import uscc

from yiwang.catalog.external_list import department_name, item_type
from yiwang.catalog.models import Item, ItemVersion
from yiwang.catalog.services import item_version_draft, item_version_publish
from yiwang.ledger.models import PendingEntry

pytestmark = pytest.mark.django_db

CSV = """department,main_item,item_name,implementation_code,item_type_code
区公安分局,未分类,无犯罪记录证明,511A0001-511602000000-000-11511301008778183N-1-00,7
区残联,未分类,残疾人证新办,511A0002-511602000000-000-11511301008778183N-1-00,20
"""


def test_command_imports_published_entries_without_limits(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    call_command("catalog_import_external", str(path), stdout=out)
    assert "created 2" in out.getvalue()
    v = ItemVersion.objects.select_related("item__department__region").get(name="无犯罪记录证明")
    assert v.item.code == "511A0001-511602000000-000-11511301008778183N-1-00" and v.item.external
    assert v.status == "published" and v.item_type == "07"
    assert v.statutory_limit_days is None and v.materials.count() == 0
    assert v.item.department.name == "广安区公安分局" and uscc.is_valid(v.item.department.uscc)
    assert v.item.department.region.code == "511602"
    assert PendingEntry.objects.filter(kind="catalog.item_version.published").count() == 2
    # a renamed entry gets a new version through the ordinary publish, which skips the checks
    path.write_text(CSV.replace("残疾人证新办", "残疾人证新办（首次）"), encoding="utf-8")
    call_command("catalog_import_external", str(path), stdout=io.StringIO())
    item = Item.objects.get(code="511A0002-511602000000-000-11511301008778183N-1-00")
    assert list(item.versions.order_by("version").values_list("name", flat=True)) == [
        "残疾人证新办",
        "残疾人证新办（首次）",
    ]


def test_rule_checks_skip_external_entries_only(world, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("catalog_import_external", str(path), stdout=io.StringIO())
    external = Item.objects.filter(external=True).first()
    draft = item_version_draft(item=external)  # an incomplete guide: no limits, no form, no materials
    assert item_version_publish(item_version=draft).status == "published"
    incomplete = item_version_draft(item=world.item2)
    incomplete.statutory_limit_days = incomplete.promised_limit_days = None
    incomplete.save()
    with pytest.raises(Exception, match="办事指南不完整"):
        item_version_publish(item_version=incomplete)


def test_names_and_types():
    assert department_name("区经信局") == "广安区经信局"
    assert department_name("广安区税务局") == "广安区税务局"
    assert item_type("1") == "01" and item_type("20") == "20" and item_type("99") == "10"
