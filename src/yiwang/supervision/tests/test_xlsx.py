"""The streaming XLSX writer (xlsx.py) and the record export built on it: what it writes is read
back by openpyxl with the right types, sheet names and values."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from yiwang.supervision import exports, xlsx
from yiwang.supervision import indicators as ind
from yiwang.supervision.periods import period_parse

from .conftest import TZ


def _read(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_cells_keep_their_types():
    rows = [
        ["G1", 3, 2.5, Decimal("1.25"), True, None, dt.date(2026, 7, 1)],
        ["a & b <c> \"d\" 'e'", -1, 0.0, Decimal(0), False, "", dt.datetime(2026, 7, 1, 23, 30, tzinfo=TZ)],
        [
            "  空格在前后  ",
            0,
            1e-3,
            None,
            None,
            "\x01控制\x1f字符",
            dt.datetime(2026, 7, 1, 15, 30, tzinfo=dt.UTC),
        ],
    ]
    wb = _read(xlsx.workbook([("办件", ["编号", "件数", "比例", "金额", "是否", "空", "日期"], iter(rows))]))
    ws = wb["办件"]
    got = [[c.value for c in r] for r in ws.iter_rows()]
    assert got[0] == ["编号", "件数", "比例", "金额", "是否", "空", "日期"]
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert got[1][:6] == ["G1", 3, 2.5, 1.25, True, None]
    assert got[1][6] == dt.datetime(2026, 7, 1) and ws["G2"].number_format == "yyyy-mm-dd"
    assert got[2][:5] == ["a & b <c> \"d\" 'e'", -1, 0, 0, False]
    # an aware time is written in the current time zone (Asia/Shanghai), to the minute
    assert got[2][6] == dt.datetime(2026, 7, 1, 23, 30) and ws["G3"].number_format == "yyyy-mm-dd hh:mm"
    assert got[3][0] == "  空格在前后  " and got[3][5] == "控制字符"
    assert got[3][6] == dt.datetime(2026, 7, 1, 23, 30)


def test_sheet_names_are_valid_and_unique_and_many_rows_stream():
    def many():
        for n in range(30_000):
            yield [f"G{n:06d}", n, "市场监督管理局"]

    data = xlsx.workbook(
        [
            ("分子/按时办结[1]", ["a"], []),
            ("分子/按时办结[1]", ["b"], []),
            ("x" * 40, ["编号", "n", "部门"], many()),
        ]
    )
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["分子_按时办结_1_", "分子_按时办结_1_-2", "x" * 31]
    rows = list(wb.worksheets[2].iter_rows(values_only=True))
    assert len(rows) == 30_001 and rows[-1] == ("G029999", 29999, "市场监督管理局")
    assert (
        xlsx.column_letters(0) == "A"
        and xlsx.column_letters(27) == "AB"
        and xlsx.column_letters(702) == "AAA"
    )


def test_an_empty_workbook_still_opens():
    assert _read(xlsx.workbook([])).sheetnames == ["Sheet"]


def test_record_export_has_the_source_columns_and_the_drilldown_rows(dataset):
    w = dataset.world
    i = ind.REGISTRY["on_time_completion_rate"]
    period = period_parse("2026-Q3")
    unit = ind.unit_get(f"city:{w.city.code}")
    wb = load_workbook(
        io.BytesIO(exports.records_xlsx(indicator=i, period=period, unit=unit)), read_only=True
    )
    assert [s.split("-")[0] for s in wb.sheetnames] == ["分子", "分母"]
    for sheet, side in zip(wb.worksheets, ("numerator", "denominator"), strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("办件编号", "事项", "部门", "状态", "渠道", "收件日期", "办结期限", "办结时间")
        records = [ind.record_out(i, side, c) for c in ind.records(i, period, unit, side)]
        assert [r[0] for r in rows[1:]] == [r["ref"] for r in records]
        for row, rec in zip(rows[1:], records, strict=True):
            assert row[1] == rec["label"] and row[2] == rec["department"]
            assert row[3] == rec["status_label"] == "已办结"
            assert row[5].date().isoformat() == rec["received_on"]
            assert row[7].strftime("%Y-%m-%dT%H:%M") == rec["completed_at"][:16]
    ratings = ind.REGISTRY["satisfaction_rate"]
    wb = load_workbook(
        io.BytesIO(exports.records_xlsx(indicator=ratings, period=period, unit=unit)), read_only=True
    )
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    assert rows[0] == ("办件编号", "评价等级", "评价渠道", "评价日期", "匿名", "差评工单")
    recs = [
        ind.record_out(ratings, "denominator", e) for e in ind.records(ratings, period, unit, "denominator")
    ]
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [(e["ref"], e["label"], e["work_order"]) for e in recs]
    assert {r[4] for r in rows[1:]} <= {"是", "否"}


def test_the_download_file_spills_to_disk_and_holds_the_same_workbook():
    rows = [[f"G{k:06d}", k, dt.date(2026, 7, 1) + dt.timedelta(days=k % 30), "张*"] for k in range(3000)]
    sheets = lambda: [("办件", ["编号", "序号", "日期", "申请人"], iter(rows))]  # noqa: E731
    f = xlsx.workbook_file(sheets(), spool=1024)  # a tiny threshold: the workbook goes to disk
    try:
        assert f._rolled and f.tell() == 0  # rolled over to a real file, rewound for the response
        got = [[c.value for c in r] for r in load_workbook(f, read_only=True)["办件"].iter_rows()]
    finally:
        f.close()
    want = [[c.value for c in r] for r in _read(xlsx.workbook(sheets()))["办件"].iter_rows()]
    assert got == want and len(got) == 3001
    small = xlsx.workbook_file([("空", ["a"], iter([]))])  # under the threshold: kept in memory
    assert not small._rolled and small.read(2) == b"PK"
    small.close()


@pytest.mark.django_db
def test_the_record_export_runs_with_the_report_query_settings_and_resets_it(settings):
    """PostgreSQL: an export's queries get YIWANG_REPORT_WORK_MEM and a cursor planned for all its rows,
    the session's own values after
    (docs/supervision.md); elsewhere nothing is set."""
    from django.db import connection

    from yiwang.supervision.indicators import report_query_settings

    if connection.vendor != "postgresql":
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx, report_query_settings():
            pass
        assert ctx.captured_queries == []  # no statement on SQLite
        return
    settings.YIWANG_REPORT_WORK_MEM = "48MB"

    def work_mem() -> tuple[str, str]:
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('work_mem'), current_setting('cursor_tuple_fraction')")
            return cur.fetchone()

    before = work_mem()
    assert before[0] != "48MB" and before[1] != "1"
    with report_query_settings():
        assert work_mem() == ("48MB", "1")
    assert work_mem() == before
    with pytest.raises(RuntimeError), report_query_settings():
        raise RuntimeError("the export failed")
    assert work_mem() == before
