"""Question bank import/export: GIFT (Moodle's format) and Excel, round trips."""

import pytest

from yiwang.core.errors import ValidationFailed
from yiwang.training import excel, gift, services
from yiwang.training.models import Question

from .conftest import bank

pytestmark = pytest.mark.django_db

SAMPLE = """// 《行政许可法》
$CATEGORY: law
::law/1:: 申请材料不齐全的，行政机关应当当场或者在{~三日 =五日 ~十日}内一次告知申请人需要补正的全部内容。

::rating/2:: 好差评的评价等级有哪些？{~%33.33333%非常满意 ~%33.33333%满意 ~%33.33333%基本满意 ~%-100%优秀}

电子身份码可以代替实体身份证在窗口核验身份。{T ####须在核验终端上扫码}

《行政许可法》第{=32 =三十二}条规定了受理与一次告知。

简述容缺受理的适用条件。{}
"""


def test_gift_parse():
    rows = gift.gift_parse(SAMPLE)
    assert [r["kind"] for r in rows] == ["single", "multiple", "true_false", "fill", "short"]
    assert rows[0]["answer"] == "B" and rows[0]["topic"] == "law" and rows[0]["difficulty"] == 1
    assert rows[1]["answer"] == ["A", "B", "C"] and rows[1]["topic"] == "rating"
    assert rows[2]["answer"] == "true" and rows[2]["explanation"] == "须在核验终端上扫码"
    assert rows[3]["answer"] == ["32", "三十二"]
    assert "{" not in rows[0]["text"] and "一次告知" in rows[0]["text"]
    services.questions_import(rows=rows)
    assert Question.objects.count() == 5


def test_gift_and_excel_round_trip():
    bank(1)
    before = [(q.kind, q.text, q.answer, q.topic, q.difficulty) for q in Question.objects.order_by("pk")]
    text = gift.gift_write(Question.objects.order_by("pk"))
    data = excel.excel_write(Question.objects.order_by("pk"))
    for rows in (gift.gift_parse(text), excel.excel_read(data)):
        after = [
            (r["kind"], r["text"], services._question_clean(r)["answer"], r["topic"], int(r["difficulty"]))
            for r in rows
        ]
        assert after == before


def test_import_is_all_or_nothing():
    rows = gift.gift_parse(SAMPLE)
    rows[3]["answer"] = []
    with pytest.raises(ValidationFailed) as exc:
        services.questions_import(rows=rows)
    assert "第 4 题" in exc.value.message
    assert Question.objects.count() == 0
