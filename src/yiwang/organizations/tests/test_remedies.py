"""Each department carries its 复议机关 and court as data; the default follows the 2023
《行政复议法》: the people's government at the department's own level, or for vertically managed
agencies (税务, 海关, 金融监管, 国家安全) the agency one level up; 60 days, 6 months."""

from yiwang.core.testing import make_uscc
from yiwang.organizations.selectors import department_remedy, remedy_sentence
from yiwang.organizations.tests.factories import DepartmentFactory, RegionFactory


def test_default_is_the_government_at_the_departments_level(db):
    city = RegionFactory(code="420100", name="武汉市", level="city")
    district = RegionFactory(code="420102", name="江岸区", level="district", parent=city)
    city_dept = DepartmentFactory(name="武汉市市场监督管理局", uscc=make_uscc("r1"), region=city)
    district_dept = DepartmentFactory(name="江岸区民政局", uscc=make_uscc("r2"), region=district)
    remedy = department_remedy(city_dept)
    assert remedy.as_dict() == {
        "review_body": "武汉市人民政府",
        "review_days": 60,
        "court": "武汉市有管辖权的人民法院",
        "litigation_months": 6,
    }
    assert department_remedy(district_dept).review_body == "江岸区人民政府"


def test_vertically_managed_agencies_go_one_level_up(db):
    city = RegionFactory(code="420100", name="武汉市", level="city")
    cases = {
        "国家税务总局武汉市税务局": "上一级税务机关",
        "中华人民共和国武汉海关": "上一级海关",
        "国家金融监督管理总局湖北监管局": "上一级金融监督管理机构",
        "武汉金融监管分局": "上一级金融监督管理机构",
        "武汉市国家安全局": "上一级国家安全机关",
    }
    for i, (name, body) in enumerate(cases.items()):
        dept = DepartmentFactory(name=name, uscc=make_uscc(f"v{i}"), region=city)
        assert department_remedy(dept).review_body == body, name
    # a vertically managed agency whose name does not say so: the admin-editable flag is the data
    flagged = DepartmentFactory(
        name="武汉市烟草专卖局", uscc=make_uscc("v9"), region=city, vertically_managed=True
    )
    assert department_remedy(flagged).review_body == "上一级主管部门"


def test_what_an_administrator_entered_wins(db):
    city = RegionFactory(code="420100", name="武汉市", level="city")
    dept = DepartmentFactory(
        name="国家税务总局武汉市税务局",
        uscc=make_uscc("t1"),
        region=city,
        review_body="国家税务总局湖北省税务局",
        court="武汉铁路运输法院",
    )
    remedy = department_remedy(dept).as_dict()
    assert remedy["review_body"] == "国家税务总局湖北省税务局" and remedy["court"] == "武汉铁路运输法院"
    sentence = remedy_sentence(remedy)
    assert "60日内向国家税务总局湖北省税务局申请行政复议" in sentence
    assert "6个月内依法向武汉铁路运输法院提起行政诉讼" in sentence
