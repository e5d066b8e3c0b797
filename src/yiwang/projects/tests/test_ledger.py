"""数据一本账: the join project → system → resources → agreements → queries, the GB/T 21063.3
fields, the Excel export and the DCAT-AP Turtle validated with pySHACL against the project's own
shapes of DCAT-AP's mandatory classes and properties; the CDO's lists, quality issues and
yearly evaluation."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF

from yiwang.core.errors import PermissionDenied
from yiwang.exchange.models import AccessRecord, Agreement
from yiwang.notifications.models import Notification
from yiwang.projects import exports, selectors, services
from yiwang.projects.models import DataListEntry

from .conftest import ON, file_project

pytestmark = pytest.mark.django_db
SHAPES = Path(__file__).with_name("dcat_ap_shapes.ttl")


def _usage(pw):
    Agreement.objects.create(
        resource=pw.res_license, consumer=pw.dept2, requested_until=date(2027, 1, 1), legal_basis="《食品安全法》",
        status="approved", valid_from=date(2026, 1, 1), elements=["name"],
    )  # fmt: skip
    for _ in range(3):
        AccessRecord.objects.create(
            consumer=pw.dept2, actor_role="staff", resource=pw.res_license, resource_code=pw.res_license.code,
            purpose="case_handling", outcome="allowed", ledger_salt="00",
        )  # fmt: skip
    AccessRecord.objects.create(
        consumer=pw.dept2, actor_role="staff", resource=pw.res_license, resource_code=pw.res_license.code,
        purpose="case_handling", outcome="refused", ledger_salt="00",
    )  # fmt: skip


def test_the_ledger_joins_projects_systems_resources_agreements_and_queries(pw):
    _usage(pw)
    p = file_project(pw, resources=[{"code": "scjg.food_license", "role": "uses"}])
    rows = {r["code"]: r for r in selectors.ledger_resources()}
    r = rows["scjg.food_license"]
    assert r["agreements"] == 1 and r["consumers"] == [pw.dept2.name] and r["queries"] == 3
    assert set(r["systems"]) == {pw.existing.code, p.systems.get().code} and r["projects"] == [p.code]
    assert r["classification"] == "市场监管" and r["identifier"] == "scjg.food_license"
    systems = {s["code"]: s for s in selectors.ledger_systems()}
    assert systems[pw.existing.code]["mlps_level"] == 3 and systems[p.systems.get().code]["project"] == p.code


def test_excel_export(pw):
    _usage(pw)
    wb = load_workbook(io.BytesIO(exports.ledger_workbook()))
    res, systems = wb["数据资源"], wb["信息系统"]
    header = [c.value for c in res[1]]
    assert header[:4] == ["资源代码", "资源标识符", "资源名称", "摘要"] and "开放类型" in header
    row = next(r for r in res.iter_rows(min_row=2, values_only=True) if r[0] == "scjg.food_license")
    assert row[header.index("查询次数")] == 3
    assert any(r[0] == pw.existing.code for r in systems.iter_rows(min_row=2, values_only=True))


def test_dcat_ap_turtle_conforms_to_the_shapes(pw):
    _usage(pw)
    text = exports.catalogue_turtle(today=ON)
    g = Graph().parse(data=text, format="turtle")
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 2 and len(set(g.subjects(RDF.type, DCAT.Catalog))) == 1
    conforms, _, report = validate(g, shacl_graph=str(SHAPES), data_graph_format="turtle")
    assert conforms, report
    # the shapes do bite: a dataset without its title fails
    ds = next(iter(datasets))
    g.remove((ds, DCTERMS.title, None))
    conforms, _, report = validate(g, shacl_graph=str(SHAPES))
    assert not conforms and "title" in report


def test_cdo_lists_quality_issues_and_yearly_evaluation(pw):
    with pytest.raises(PermissionDenied):
        services.list_entry_add(
            actor=pw.dept_admin, department=pw.dept, kind="responsibility", name="食品许可"
        )
    services.list_entry_add(
        actor=pw.cdo,
        department=pw.dept,
        kind="responsibility",
        name="食品经营许可信息",
        resource=pw.res_license,
    )
    services.list_entry_add(actor=pw.cdo, department=pw.dept, kind="demand", name="医疗机构执业信息")
    DataListEntry.objects.filter(kind="responsibility").update(fulfilled_on=date(2026, 2, 1))
    issue = services.quality_raise(
        actor=pw.reviewer2,
        resource=pw.res_license,
        element="address",
        description="地址已变更但未更新",
        on=ON,
    )
    assert issue.due == date(2026, 3, 9) and issue.consumer == pw.dept2 and issue.ledger_entry
    assert Notification.objects.filter(recipient=pw.cdo, kind="projects.quality_issue").exists()
    with pytest.raises(PermissionDenied):
        services.quality_close(actor=pw.reviewer2, issue=issue, reply="已改")
    services.quality_close(actor=pw.cdo, issue=issue, reply="已同步最新登记数据", on=date(2026, 3, 5))
    late = services.quality_raise(actor=pw.reviewer2, resource=pw.res_license, description="过期", on=ON)
    services.quality_close(actor=pw.cdo, issue=late, reply="已更新", on=date(2026, 4, 1))
    e = selectors.cdo_evaluation(pw.dept, 2026)
    assert e["resources_catalogued"] == 1 and e["resources_shared"] == 1
    assert (
        e["responsibilities_fulfilled"] == 1 and e["quality_issues"] == 2 and e["quality_closed_on_time"] == 1
    )
    assert e["score"] == 6 + 30 + 20 + 10
