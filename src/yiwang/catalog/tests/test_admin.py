import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yiwang.catalog.models import Item, ItemVersion, VersionStatus

from .factories import DepartmentFactory, ItemVersionFactory, published_item
from .test_import import item_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_changelists_render(staff):
    published_item()
    for url in [
        "/admin/catalog/item/",
        "/admin/catalog/itemversion/",
        "/admin/catalog/dataelement/",
        "/admin/catalog/codemapping/",
        "/admin/catalog/item/import/",
    ]:
        assert staff.get(url).status_code == 200, url


def test_published_version_is_read_only_and_draft_editable(staff):
    v = published_item()
    page = staff.get(f"/admin/catalog/itemversion/{v.pk}/change/")
    assert page.status_code == 200
    assert b'name="name"' not in page.content  # view only
    draft = ItemVersionFactory()
    page = staff.get(f"/admin/catalog/itemversion/{draft.pk}/change/")
    assert b'name="name"' in page.content
    assert staff.get(f"/admin/catalog/item/{v.item.pk}/change/").status_code == 200


def test_publish_action_uses_the_service(staff):
    good = ItemVersionFactory()
    bad = ItemVersionFactory(conditions="")
    r = staff.post(
        "/admin/catalog/itemversion/",
        {"action": "publish", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert ItemVersion.objects.get(pk=good.pk).status == VersionStatus.PUBLISHED
    assert ItemVersion.objects.get(pk=bad.pk).status == VersionStatus.DRAFT
    assert "发布前须填写受理条件" in r.content.decode()


def test_export_action_returns_xlsx(staff):
    v = published_item(name="导出的事项")
    r = staff.post("/admin/catalog/item/", {"action": "export_xlsx", "_selected_action": [v.item.pk]})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb["事项"]["H2"].value == "导出的事项"


def test_import_view_shows_report_and_imports_only_clean_files(staff):
    dep = DepartmentFactory()
    bad = [item_row(dep, "X-1"), item_row(dep, "X-2", item_type="99")]
    upload = SimpleUploadedFile(
        "items.json", json.dumps(bad, ensure_ascii=False).encode(), "application/json"
    )
    r = staff.post("/admin/catalog/item/import/", {"file": upload, "publish": "on"})
    text = r.content.decode()
    assert r.status_code == 200 and "未导入任何数据" in text and "X-2" in text
    assert not Item.objects.exists()

    good = [item_row(dep, "X-1")]
    upload = SimpleUploadedFile(
        "items.json", json.dumps(good, ensure_ascii=False).encode(), "application/json"
    )
    r = staff.post("/admin/catalog/item/import/", {"file": upload, "publish": "on"})
    assert "导入完成" in r.content.decode()
    assert ItemVersion.objects.get(item__code="X-1").status == VersionStatus.PUBLISHED
