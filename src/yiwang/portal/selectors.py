"""Reads for the portal's browse facets (themes, departments, levels of published items)."""

from __future__ import annotations

from datetime import date

from yiwang.catalog import selectors as catalog
from yiwang.catalog.models import ExerciseLevel
from yiwang.organizations.models import Department


def browse_facets(*, on: date | None = None) -> dict:
    """Themes, departments and exercise levels that published items actually use."""
    rows = catalog.items_search(on=on).values_list("themes", "exercise_levels", "item__department_id")
    themes: set[str] = set()
    levels: set[str] = set()
    dept_ids: set[int] = set()
    for t, lv, dept in rows:
        themes.update(str(x) for x in (t or []))
        levels.update(str(x) for x in (lv or []))
        dept_ids.add(dept)
    labels = dict(ExerciseLevel.choices)
    return {
        "themes": sorted(themes),
        "levels": [(code, labels.get(code, code)) for code in sorted(levels)],
        "departments": list(Department.objects.filter(pk__in=dept_ids).order_by("name").values("id", "name")),
    }
