"""`selectors.item_version_current` is memoised per process under the catalogue's and the
organisations' revisions (core.revisions), bumped by database triggers: any committed write — by a
service, the admin, a queryset update, another process — is seen at the next read."""

import pytest
from django.db import transaction

from yiwang.catalog import selectors, services
from yiwang.catalog.models import CATALOG_REVISION, ItemVersion, Material
from yiwang.core.revisions import revision_token
from yiwang.core.testing import run_in_another_process
from yiwang.organizations.models import ORGANIZATIONS_REVISION, Department

from .factories import published_item


@pytest.mark.django_db
def test_warm_read_is_one_statement_and_each_caller_gets_its_own_copy(django_assert_num_queries):
    code = published_item().item.code
    first = selectors.item_version_current(code=code)
    first.name = "changed by one request"
    first.item.department.name = "changed too"
    with django_assert_num_queries(1):  # the two revision tokens, one statement
        again = selectors.item_version_current(code=code)
        assert again.item.department.name != "changed too"  # related rows came with it
        assert len(again.materials.all()) == 1  # and its materials
    assert again.name != "changed by one request"


@pytest.mark.django_db
def test_any_write_bumps_the_revisions_and_is_seen():
    version = published_item()
    code = version.item.code
    selectors.item_version_current(code=code)
    catalog, organizations = revision_token(CATALOG_REVISION), revision_token(ORGANIZATIONS_REVISION)
    # behind every service's back: a queryset update (no save(), no signal)
    ItemVersion.objects.filter(pk=version.pk).update(promised_limit_days=3)
    Department.objects.filter(pk=version.item.department_id).update(name="改名后的部门")
    Material.objects.filter(item_version=version).update(name="改名后的材料")
    assert revision_token(CATALOG_REVISION) != catalog
    assert revision_token(ORGANIZATIONS_REVISION) != organizations
    got = selectors.item_version_current(code=code)
    assert got.promised_limit_days == 3 and got.item.department.name == "改名后的部门"
    assert [m.name for m in got.materials.all()] == ["改名后的材料"]


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_the_revision():
    version = published_item()
    token = revision_token(CATALOG_REVISION)
    with pytest.raises(RuntimeError), transaction.atomic():
        ItemVersion.objects.filter(pk=version.pk).update(name="never committed")
        raise RuntimeError
    assert revision_token(CATALOG_REVISION) == token
    assert selectors.item_version_current(code=version.item.code).name == version.name


@pytest.mark.django_db(transaction=True)  # committed, so the other process sees it
def test_a_version_published_by_another_process_is_seen_by_this_one():
    # a transactional test after another finds the tables flushed: the element registry the
    # publication checks the form against is seeded again (as testsupport.world does)
    services.elements_sync()
    v1 = published_item()
    code = v1.item.code
    assert selectors.item_version_current(code=code).version == 1  # this process's memo is warm
    run_in_another_process(
        f"""
        from yiwang.catalog import selectors, services
        from yiwang.catalog.models import Item
        from yiwang.organizations.models import Department

        assert selectors.item_version_current(code={code!r}).version == 1  # its memo is warm too
        draft = services.item_version_draft(item=Item.objects.get(code={code!r}))
        services.item_version_update(item_version=draft, name="新版事项名称")
        services.item_version_publish(item_version=draft)
        Department.objects.filter(pk={v1.item.department_id}).update(name="新部门名称")
        assert selectors.item_version_current(code={code!r}).version == 2
        """
    )
    got = selectors.item_version_current(code=code)  # nothing was cleared in this process
    assert (got.version, got.name, got.item.department.name) == (2, "新版事项名称", "新部门名称")
