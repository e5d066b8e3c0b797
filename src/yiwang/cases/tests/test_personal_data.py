"""Personal data at rest across accounts and cases: after a submission, no table holds a plain ID
number or phone (moved from accounts' tests: it files a case)."""

import pytest
from django.db import connection

from yiwang.cases import services as cases
from yiwang.core.testing import good_form, good_materials, make_ric


@pytest.mark.django_db
def test_a_database_dump_contains_no_plain_id_number_or_phone(world):
    cases.case_submit(
        actor=world.citizen,
        item_code=world.item.code,
        form=good_form(),
        channel="online",
        materials=good_materials(),
    )
    secrets_ = [make_ric(serial=101), make_ric(serial=202), "13800138000", "13900139000"]
    found = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            text = repr(cur.fetchall())
            found += [(table, s) for s in secrets_ if s in text]
    assert found == []
