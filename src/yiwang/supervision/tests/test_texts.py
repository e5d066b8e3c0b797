"""The supervision category's message kinds render with their required context."""

from datetime import date

from yiwang.notifications.kinds import kind_get, kinds, render

SAMPLES = {
    "supervision.task_assigned": {
        "number": "ZG2026000001",
        "title": "超期办件",
        "due_date": date(2026, 9, 21),
    },
    "supervision.task_returned": {"number": "ZG2026000001", "title": "超期办件"},
    "supervision.task_escalated": {
        "number": "ZG2026000001",
        "title": "超期办件",
        "due_date": date(2026, 9, 21),
    },
}


def test_every_supervision_kind_has_a_sample_and_renders():
    names = {k.kind for k in kinds() if k.category == "supervision"}
    assert names == set(SAMPLES)
    for name in names:
        out = render(kind_get(name), {**SAMPLES[name], "url": "https://example.org/supervision/tasks/1/"})
        assert "ZG2026000001" in out.title and "{{" not in out.title + out.body, name
