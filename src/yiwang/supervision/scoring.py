"""评分细则 applied to indicator values: step scores per line, deductions, bonuses, a ranking, and
the score explained line by line. Pure functions over the values (the services fetch them)."""

from __future__ import annotations

from dataclasses import dataclass

from . import summaries
from .indicators import DEDUCTION_QUERIES, REGISTRY, Unit
from .periods import Period

# The default rule set (version 1), after the seed's example "95 % → 1 point, 99 % → 1.5, 100 % → 2".
DEFAULT_RULES = {
    "lines": [
        {"indicator": "on_time_completion_rate", "weight": 3, "steps": [[0.95, 1], [0.99, 1.5], [1.0, 2]]},
        {"indicator": "satisfaction_rate", "weight": 3, "steps": [[0.95, 1], [0.99, 1.5], [0.999, 2]]},
        {"indicator": "bad_review_timely_rate", "weight": 2, "steps": [[0.9, 1], [0.95, 1.5], [1.0, 2]]},
        {"indicator": "real_name_revisit_rate", "weight": 1, "steps": [[0.9, 1], [0.95, 1.5], [1.0, 2]]},
        {"indicator": "proactive_rating_rate", "weight": 1, "steps": [[0.3, 1], [0.5, 1.5], [0.7, 2]]},
        {"indicator": "online_completion_rate", "weight": 2, "steps": [[0.6, 1], [0.8, 1.5], [0.9, 2]]},
        {"indicator": "onsite_visits", "weight": 1, "steps": [[1.0, 1], [0.5, 1.5], [0.2, 2]]},
    ],
    "deductions": [
        {"code": "completed_late", "label": "超期办结的办件", "per": 0.5, "cap": 5},
        {"code": "bad_not_handled_in_time", "label": "未按期处置的差评", "per": 1, "cap": 5},
    ],
    "bonus_cap": 3,
    # the kinds of department the rules assess: 公共服务企业 (water, power, gas companies) run items
    # on the platform but are not assessed with the government departments (they would rank with
    # zeros); a rule set may name its own kinds
    "department_kinds": ["government", "institution"],
}
ASSESSED_DEPARTMENT_KINDS = tuple(DEFAULT_RULES["department_kinds"])


def assessed_units(rules: dict, units: list[Unit], kinds: dict[int, str]) -> list[Unit]:
    """The units a rule set assesses: departments of the kinds it names (`kinds`: pk → kind)."""
    wanted = set(rules.get("department_kinds") or ASSESSED_DEPARTMENT_KINDS)
    return [u for u in units if u.kind != "department" or kinds.get(u.pk) in wanted]


def step_points(value: float | None, steps: list[list[float]], direction: str) -> tuple[float, float | None]:
    """(points, threshold reached): the best step the value reaches; 0 below every step."""
    if value is None:
        return 0.0, None
    best, reached = 0.0, None
    for threshold, points in steps:
        ok = value >= threshold if direction == "higher" else value <= threshold
        if ok and points >= best:
            best, reached = float(points), threshold
    return best, reached


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "无数据"
    if unit == "%":
        return f"{value * 100:.2f}%"
    return f"{value:g}{unit}"


@dataclass
class Overrides:
    """Accepted appeals: (unit code, line code) → the decided value."""

    values: dict[tuple[str, str], float]
    deductions: dict[tuple[str, str], float]
    bonuses: dict[str, list[tuple[float, str]]]


def unit_score(*, rules: dict, period: Period, unit: Unit, overrides: Overrides) -> dict:
    lines = []
    total = 0.0
    # the case and rating lines are summed from the incremental summaries (one query per unit)
    sums = summaries.totals(period, unit) if unit.kind in summaries.SUMMARY_LEVELS else None
    for line in rules["lines"]:
        ind = REGISTRY[line["indicator"]]
        if unit.kind not in ind.levels:
            continue
        v = summaries.value(ind, period, unit, sums)
        value = v.value
        adjusted = overrides.values.get((unit.code, ind.code))
        if adjusted is not None:
            value = adjusted
        points, reached = step_points(value, line["steps"], ind.direction)
        weight = float(line.get("weight", 1))
        score = round(points * weight, 2)
        total += score
        if value is None:
            why = f"{ind.name}无数据（分母为 0），不计分"
        elif reached is None:
            why = f"{ind.name} {_fmt(value, ind.unit)}，未达最低档 {_fmt(line['steps'][0][0], ind.unit)}，得 0 分"
        else:
            why = (
                f"{ind.name} {_fmt(value, ind.unit)}，达到 {_fmt(reached, ind.unit)} 档，"
                f"得 {points:g} 分 × 权重 {weight:g} = {score:g} 分"
            )
        if adjusted is not None:
            why += f"（申诉成立，原值 {_fmt(v.value, ind.unit)}）"
        lines.append(
            {
                "kind": "indicator",
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "value": value,
                "computed_value": v.value,
                "numerator": v.numerator,
                "denominator": v.denominator,
                "points": points,
                "weight": weight,
                "score": score,
                "explanation": why,
            }
        )
    for d in rules.get("deductions", []):
        q = DEDUCTION_QUERIES[d["code"]]
        n = (
            summaries.late_completions(period, unit, sums)
            if d["code"] == "completed_late" and sums is not None
            else q.value(period, unit)
        )
        adjusted = overrides.deductions.get((unit.code, d["code"]))
        if adjusted is not None:
            n = adjusted
        minus = round(min(n * float(d["per"]), float(d["cap"])), 2)
        total -= minus
        why = f"{d['label']} {n:g} 件 × {d['per']:g} 分，上限 {d['cap']:g} 分，扣 {minus:g} 分"
        if adjusted is not None:
            why += "（申诉成立，按裁定件数）"
        lines.append(
            {
                "kind": "deduction",
                "code": d["code"],
                "name": d["label"],
                "count": n,
                "score": -minus,
                "explanation": why,
            }
        )
    bonus = sum(p for p, _ in overrides.bonuses.get(unit.code, []))
    if bonus:
        bonus = min(bonus, float(rules.get("bonus_cap", bonus)))
        total += bonus
        reasons = "；".join(r for _, r in overrides.bonuses[unit.code])
        lines.append(
            {
                "kind": "bonus",
                "code": "bonus",
                "name": "加分项",
                "score": bonus,
                "explanation": f"加 {bonus:g} 分：{reasons}",
            }
        )
    return {"unit": unit.as_dict(), "total": round(total, 2), "lines": lines}


def rank(rows: list[dict]) -> list[dict]:
    """Highest total first; equal totals share a rank (1, 2, 2, 4)."""
    rows = sorted(rows, key=lambda r: (-r["total"], r["unit"]["code"]))
    prev, rank_no = None, 0
    for i, r in enumerate(rows, start=1):
        if r["total"] != prev:
            rank_no, prev = i, r["total"]
        r["rank"] = rank_no
    return rows
