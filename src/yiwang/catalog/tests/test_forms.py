from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.catalog.forms import form_validate
from yiwang.core.errors import ValidationFailed

from .factories import ItemVersionFactory

pytestmark = pytest.mark.django_db

SCHEMA = {
    "type": "object",
    "required": ["applicant.name", "applicant.id_number", "applicant.phone", "child.birth_date"],
    "properties": {
        "applicant.name": {"title": "申请人姓名", "maxLength": 10},
        "applicant.id_number": {"title": "申请人身份证号"},
        "applicant.phone": {"title": "联系电话"},
        "applicant.postcode": {"title": "邮编"},
        "applicant.gender": {"title": "性别"},
        "child.birth_date": {"title": "新生儿出生日期"},
        "enterprise.uscc": {"title": "企业信用代码"},
        "enterprise.employee_count": {"title": "员工人数", "minimum": 1, "maximum": 1000},
        "premises.area": {"title": "经营面积", "minimum": 0},
        "application.reason": {"title": "申请理由"},
        "application.delivery": {"title": "送达方式", "enum": ["window", "post"]},
        "applicant.email": {"title": "邮箱"},
    },
}
VALID = {
    "applicant.name": "  张三 ",
    "applicant.id_number": "11010519491231002x",
    "applicant.phone": "13812345678",
    "child.birth_date": "2024-05-01",
}


@pytest.fixture
def version():
    return ItemVersionFactory(form_schema=SCHEMA)


def errors_of(version, form, **kw):
    with pytest.raises(ValidationFailed) as exc:
        form_validate(item_version=version, form=form, **kw)
    assert exc.value.status == 422
    return exc.value.fields


def test_valid_form_is_cleaned(version):
    cleaned = form_validate(
        item_version=version,
        form={
            **VALID,
            "applicant.postcode": "430000",
            "applicant.gender": "女",
            "enterprise.uscc": "91110000600037341l",
            "enterprise.employee_count": "12",
            "premises.area": 35.5,
            "application.delivery": "post",
            "application.reason": "",
            "applicant.email": "a@example.cn",
        },
    )
    assert cleaned["applicant.name"] == "张三"
    assert cleaned["applicant.id_number"] == "11010519491231002X"
    assert cleaned["enterprise.uscc"] == "91110000600037341L"
    assert cleaned["enterprise.employee_count"] == 12
    assert cleaned["premises.area"] == 35.5
    assert "application.reason" not in cleaned


def test_required_and_extra_fields(version):
    fields = errors_of(version, {"applicant.name": "张三", "hacker.field": "x"})
    assert fields["applicant.id_number"] == ["请填写申请人身份证号"]
    assert fields["child.birth_date"] == ["请填写新生儿出生日期"]
    assert fields["hacker.field"] == ["“hacker.field”不是本事项申请表中的栏目"]
    # drafts skip required fields but not extras
    assert form_validate(item_version=version, form={"applicant.name": "张三"}, partial=True) == {
        "applicant.name": "张三"
    }
    assert "hacker.field" in errors_of(version, {"hacker.field": "x"}, partial=True)


def test_validators_and_types_name_the_items_wording(version):
    future = (timezone.localdate() + timedelta(days=400)).strftime("%Y%m%d")
    base = "110105" + future + "001"
    from stdnum.cn import ric

    future_ric = base + ric.calc_check_digit(base + "0")  # stdnum expects a placeholder check digit
    fields = errors_of(
        version,
        {
            "applicant.name": "张三<script>alert(1)</script>",
            "applicant.id_number": "110105194912310021",
            "applicant.phone": "12345678901",
            "child.birth_date": "2024-02-30",
            "applicant.postcode": "43000",
            "applicant.gender": "未知",
            "enterprise.uscc": "91110000600037341X",
            "enterprise.employee_count": 0,
            "premises.area": "abc",
            "application.reason": '<img src=x onerror="1">',
            "application.delivery": "electronic",
            "applicant.email": "not-an-email",
        },
    )
    assert fields["applicant.name"] == ["申请人姓名不能超过10个字", "申请人姓名不能包含网页标记或脚本"]
    assert fields["applicant.id_number"] == ["申请人身份证号不是有效的公民身份号码"]
    assert fields["applicant.phone"] == ["联系电话应为11位手机号码"]
    assert fields["child.birth_date"] == ["新生儿出生日期不是有效的日期"]
    assert fields["applicant.postcode"] == ["邮编应为6位数字的邮政编码"]
    assert fields["applicant.gender"] == ["性别只能选择：男、女"]
    assert fields["enterprise.uscc"] == ["企业信用代码不是有效的统一社会信用代码"]
    assert fields["enterprise.employee_count"] == ["员工人数不能小于1"]
    assert fields["premises.area"] == ["经营面积应为数字"]
    assert fields["application.reason"] == ["申请理由不能包含网页标记或脚本"]
    assert fields["application.delivery"] == ["送达方式只能选择：window、post"]
    assert fields["applicant.email"] == ["邮箱不是有效的电子邮箱地址"]

    fields = errors_of(
        version, {**VALID, "applicant.id_number": future_ric, "child.birth_date": "1899-12-31"}
    )
    assert fields["applicant.id_number"] == ["申请人身份证号中的出生日期晚于今天"]
    assert fields["child.birth_date"] == ["新生儿出生日期应在 1900-01-01 至 2100-12-31 之间"]
    fields = errors_of(
        version,
        {
            **VALID,
            "child.birth_date": "01/05/2024",
            "enterprise.employee_count": 2.5,
            "application.reason": "javascript:void(0)",
        },
    )
    assert fields["child.birth_date"] == ["新生儿出生日期应为日期，格式为 YYYY-MM-DD"]
    assert fields["enterprise.employee_count"] == ["员工人数应为整数"]
    assert fields["application.reason"] == ["申请理由不能包含网页标记或脚本"]


def test_plain_text_with_angle_brackets_allowed(version):
    cleaned = form_validate(
        item_version=version, form={**VALID, "application.reason": "面积 < 100 平方米，且 3>2"}
    )
    assert cleaned["application.reason"] == "面积 < 100 平方米，且 3>2"


def test_wrong_json_types(version):
    fields = errors_of(version, {**VALID, "applicant.name": 123, "enterprise.employee_count": True})
    assert fields["applicant.name"] == ["申请人姓名应为文字"]
    assert fields["enterprise.employee_count"] == ["员工人数应为整数"]
    with pytest.raises(ValidationFailed):
        form_validate(item_version=version, form=["x"])


def test_identifiers_in_forms_are_normalised_and_letters_are_problems(version):
    wide = {k: v for k, v in VALID.items()}
    wide["applicant.phone"] = "１３８１２３４５６７８"
    wide["applicant.id_number"] = "１１０１０５１９４９１２３１００２ｘ"
    cleaned = form_validate(item_version=version, form=wide)
    assert cleaned["applicant.phone"] == "13812345678"
    assert cleaned["applicant.id_number"] == "11010519491231002X"
    bad = {**VALID, "applicant.id_number": "1101051949AB31002X"}
    with pytest.raises(ValidationFailed) as exc:
        form_validate(item_version=version, form=bad)
    assert exc.value.fields == {"applicant.id_number": ["申请人身份证号不是有效的公民身份号码"]}
