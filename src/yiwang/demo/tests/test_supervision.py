"""The supervision demo: a quarter of history with late cases and bad reviews, closed assessments
of districts and departments, one published bulletin of each kind, rectification tasks; a second
run adds nothing."""

import pytest

from yiwang.cases.models import Case
from yiwang.demo.services import demo_load
from yiwang.demo.supervision import demo_load as supervision_load
from yiwang.evaluations.models import Evaluation, WorkOrder
from yiwang.supervision.models import Assessment, Bulletin, Task


@pytest.mark.django_db
def test_supervision_demo():
    demo_load(password="demo-pass-1234")
    history = Case.objects.filter(number__startswith="SV")
    assert history.count() > 400
    assert history.filter(status="completed", completed_at__date__gt=models_F("due_date")).exists()
    assert Evaluation.objects.filter(case__number__startswith="SV", level__in=("4", "5")).exists()
    assert (
        WorkOrder.objects.filter(number__startswith="CPSV").count()
        == Evaluation.objects.filter(case__number__startswith="SV", level__in=("4", "5")).count()
    )
    a = {x.level: x for x in Assessment.objects.all()}
    assert set(a) == {"district", "department"} and all(x.status == "closed" for x in a.values())
    assert len(a["district"].results) >= 10
    # the catalogue's versions are valid from before the history: the quarter's item indicators
    # have values (not "—"); enterprises (water, power) are not ranked with the departments
    from yiwang.organizations.models import Department
    from yiwang.supervision import indicators as ind
    from yiwang.supervision.periods import period_parse

    quarter, city = period_parse(a["department"].period), ind.units("city")[0]
    for code in ("promise_compression_ratio", "immediate_item_share"):
        assert ind.value_compute(ind.REGISTRY[code], quarter, city).value is not None, code
    companies = set(Department.objects.filter(kind="enterprise").values_list("uscc", flat=True))
    assert not companies & {r["unit"]["code"] for r in a["department"].results}
    assert set(Bulletin.objects.filter(status="published").values_list("kind", flat=True)) == {
        "daily",
        "weekly",
        "monthly",
        "quarterly",
    }
    assert Task.objects.filter(source="overdue_case").count() == 3
    assert Task.objects.filter(escalated_at__isnull=False).exists()
    # the dashboard shows the demo's quarter: rankings of both levels, tiles with values
    from django.test import Client

    from yiwang.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get("/supervision/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "各区考核排名（图表的文字版）" in html and "各部门考核排名（图表的文字版）" in html
    assert "本期尚未考核" not in html
    dept_admin = Client()
    dept_admin.force_login(User.objects.get(username="dept_admin"))
    unit = dept_admin.get("/supervision/", follow=True)
    assert unit.status_code == 200 and unit.redirect_chain[-1][0].startswith("/supervision/units/department:")
    assert "超期未办结办件" in unit.content.decode()
    before = (history.count(), Task.objects.count(), Bulletin.objects.count())
    supervision_load()
    assert (history.count(), Task.objects.count(), Bulletin.objects.count()) == before


def models_F(name):
    from django.db.models import F

    return F(name)
