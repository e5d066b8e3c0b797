"""Downloads: Excel through the streaming writer of xlsx.py — rows are written as they are read
(`values_list(…).iterator()`, a server-side cursor on PostgreSQL), never held as a sheet in memory
and never turned into model instances — and PDF with the shipped CJK font (core.pdf)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from yiwang.core.pdf import render_pdf

from . import indicators as ind
from . import xlsx as writer
from .models import Assessment, Bulletin
from .periods import Period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(sheets: Iterable[tuple[str, list[str], Iterable]]) -> bytes:
    return writer.workbook(sheets)


def _pct(v, unit):
    if v is None:
        return "—"
    return f"{v * 100:.2f}%" if unit == "%" else f"{v:g}{unit}"


def values_xlsx(*, period: Period, level: str, codes: list[str] | None = None) -> bytes:
    def rows() -> Iterator[list]:
        for code in codes or list(ind.REGISTRY):
            i = ind.REGISTRY[code]
            if level not in i.levels:
                continue
            for v in ind.values_compute(i, period, level):
                yield [
                    i.code,
                    i.name,
                    period.label,
                    v.unit.code,
                    v.unit.name,
                    v.value,
                    v.numerator,
                    v.denominator,
                    i.unit,
                ]

    return xlsx(
        [("指标值", ["指标编码", "指标", "周期", "单位编码", "单位", "值", "分子", "分母", "计量"], rows())]
    )


def _record_sheets(indicator: ind.Indicator, period: Period, unit: ind.Unit) -> Iterator[tuple]:
    for side, q in (("numerator", indicator.numerator), ("denominator", indicator.denominator)):
        header, rows = ind.record_rows(indicator, period, unit, side)
        yield (f"{'分子' if side == 'numerator' else '分母'}-{q.label}", header, rows)


def records_xlsx(*, indicator: ind.Indicator, period: Period, unit: ind.Unit) -> bytes:
    """Both sides of an indicator's value as sheets: the records counted in the numerator and in
    the denominator, one row each, the source's own columns (indicators.Source.columns)."""
    return xlsx(_record_sheets(indicator, period, unit))


def records_xlsx_file(*, indicator: ind.Indicator, period: Period, unit: ind.Unit) -> IO[bytes]:
    """The same workbook in a spooled temporary file, rewound, for a FileResponse (the downloads:
    100k rows and more, docs/benchmarks.md); the response closes it."""
    return writer.workbook_file(_record_sheets(indicator, period, unit))


def assessment_xlsx(a: Assessment) -> bytes:
    def ranking() -> Iterator[list]:
        for r in a.results:
            yield [r["rank"], r["unit"]["code"], r["unit"]["name"], r["total"]]

    def lines() -> Iterator[list]:
        for r in a.results:
            for ln in r["lines"]:
                yield [
                    r["unit"]["name"],
                    ln["name"],
                    ln.get("value", ln.get("count")),
                    ln["score"],
                    ln["explanation"],
                ]

    return xlsx(
        [
            ("排名", ["名次", "单位编码", "单位", "总分"], ranking()),
            ("得分明细", ["单位", "指标或扣分项", "值", "得分", "说明"], lines()),
        ]
    )


def tasks_xlsx(tasks) -> bytes:
    def rows() -> Iterator[list]:
        for t in tasks.iterator(chunk_size=2000):
            yield [
                t.number,
                t.get_source_display(),
                t.title,
                t.department.name,
                t.assigned_on,
                t.due_date,
                t.get_status_display(),
                "是" if t.escalated_at else "否",
                t.closed_on,
            ]

    return xlsx(
        [
            (
                "整改清单",
                [
                    "编号",
                    "来源",
                    "整改事项",
                    "责任部门",
                    "下发日期",
                    "整改期限",
                    "状态",
                    "超期督办",
                    "销号日期",
                ],
                rows(),
            )
        ]
    )


def bulletin_xlsx(b: Bulletin) -> bytes:
    c = b.content
    return xlsx(
        [
            (
                "指标",
                ["指标", "值", "分子", "分母", "目标", "达标"],
                (
                    [
                        x["name"],
                        _pct(x["value"], x["unit"]),
                        x["numerator"],
                        x["denominator"],
                        _pct(x["target"], x["unit"]),
                        {True: "是", False: "否", None: "—"}[x["met"]],
                    ]
                    for x in c.get("indicators", [])
                ),
            ),
            (
                "区排名",
                ["区", "按时办结率", "办结件数"],
                (
                    [x["unit"]["name"], _pct(x["value"], "%"), x["denominator"]]
                    for x in c.get("districts", [])
                ),
            ),
            (
                "超期整改",
                ["编号", "整改事项", "责任部门", "整改期限", "已督办"],
                (
                    [
                        x["number"],
                        x["title"],
                        x["department"],
                        x["due_date"],
                        "是" if x["escalated"] else "否",
                    ]
                    for x in c.get("tasks", {}).get("overdue", [])
                ),
            ),
        ]
    )


def bulletin_blocks(b: Bulletin) -> list[tuple[str, str]]:
    c = b.content
    blocks: list[tuple[str, str]] = [
        ("kv", f"周期：{b.period_start:%Y-%m-%d} 至 {b.period_end:%Y-%m-%d}"),
        ("kv", f"状态：{b.get_status_display()}"),
    ]
    blocks.append(("h1", "一、主要指标"))
    for x in c.get("indicators", []):
        met = {True: "达标", False: "未达标", None: "无目标或无数据"}[x["met"]]
        blocks.append(
            (
                "kv",
                f"{x['name']}：{_pct(x['value'], x['unit'])}（{x['numerator']:g}/{x['denominator']:g}，{met}）",
            )
        )
    blocks.append(("p", f"期末超期未办结办件 {c.get('overdue_cases', 0)} 件。"))
    if c.get("districts"):
        blocks.append(("h1", "二、各区按时办结率"))
        for n, x in enumerate(c["districts"], start=1):
            blocks.append(("kv", f"{n}. {x['unit']['name']}：{_pct(x['value'], '%')}"))
    t = c.get("tasks", {})
    blocks.append(("h1", "三、问题整改"))
    blocks.append(
        (
            "p",
            f"期内新下发整改任务 {t.get('new', 0)} 项，销号 {t.get('closed', 0)} 项，尚未销号 {t.get('open', 0)} 项。",
        )
    )
    for x in t.get("overdue", []):
        blocks.append(
            (
                "kv",
                f"{x['number']}：{x['title']}（{x['department']}，期限 {x['due_date']}{'，已督办' if x['escalated'] else ''}）",
            )
        )
    for level, rows in (c.get("assessments") or {}).items():
        blocks.append(("h1", f"四、考核排名（{'各区' if level == 'district' else '各部门'}）"))
        for r in rows:
            blocks.append(("kv", f"第{r['rank']}名 {r['unit']['name']}：{r['total']:g} 分"))
    return blocks


def bulletin_pdf(b: Bulletin) -> bytes:
    return render_pdf(title=b.title, blocks=bulletin_blocks(b), footer=b.title)


def assessment_pdf(a: Assessment) -> bytes:
    blocks: list[tuple[str, str]] = [
        ("kv", f"评分细则：第 {a.ruleset.version} 版"),
        ("kv", f"状态：{a.get_status_display()}"),
    ]
    for r in a.results:
        blocks.append(("h2", f"第{r['rank']}名 {r['unit']['name']}　{r['total']:g} 分"))
        for ln in r["lines"]:
            blocks.append(("p", ln["explanation"]))
    return render_pdf(
        title=f"{a.period} {a.get_level_display()}考核结果", blocks=blocks, footer=f"{a.period} 考核"
    )
