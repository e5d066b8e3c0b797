import datetime as dt

import pytest

from yiwang.training import services

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def bank(n_per_kind: int = 3) -> None:
    """A small bank on topic `law`, difficulty 2: single, multiple, true/false, fill and short."""
    for i in range(n_per_kind):
        services.question_create(
            kind="single", text=f"单选{i}：行政许可申请材料不齐全的，应当当场或者在几日内一次告知？", topic="law", difficulty=2,
            options=[{"value": "A", "label": "三日"}, {"value": "B", "label": "五日"}, {"value": "C", "label": "七日"}],
            answer="B",
        )  # fmt: skip
        services.question_create(
            kind="multiple", text=f"多选{i}：好差评的评价等级包括？", topic="law", difficulty=2,
            options=[{"value": "A", "label": "非常满意"}, {"value": "B", "label": "满意"}, {"value": "C", "label": "优秀"}],
            answer=["A", "B"],
        )  # fmt: skip
        services.question_create(
            kind="true_false", text=f"判断{i}：容缺受理的材料可以事后补交。", topic="law", answer=True
        )
        services.question_create(
            kind="fill",
            text=f"填空{i}：《行政许可法》第几条规定五日内一次告知？",
            topic="law",
            answer=["32", "第三十二条"],
        )
        services.question_create(
            kind="short", text=f"简答{i}：简述告知承诺制。", topic="law", answer="申请人书面承诺符合条件…"
        )


@pytest.fixture
def exam(db):
    bank()
    return services.exam_create(
        title="窗口业务测试",
        rules=[{"topic": "law", "difficulty": 2, "count": 10}],
        opens_at=T0,
        closes_at=T0 + dt.timedelta(days=1),
        duration_minutes=30,
        max_attempts=2,
        roles=["clerk"],
    )
