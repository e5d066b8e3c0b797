"""Streaming XLSX writers on the same rows (docs/benchmarks.md, 考核督办 at scale): openpyxl's
write-only workbook, XlsxWriter's constant-memory mode (when installed; it is not a dependency)
and supervision's own writer (`supervision/xlsx.py`). No database: N rows shaped like the case
export (number, item, department, status, channel, two dates, a time).

    .venv/bin/python bench/xlsx_writers.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
HEADER = ["办件编号", "事项", "部门", "状态", "渠道", "收件日期", "办结期限", "办结时间"]


def rows(n: int):
    tz = dt.timezone(dt.timedelta(hours=8))
    items = [f"事项{k:03d}：食品经营许可证核发（新办）" for k in range(200)]
    depts = [f"武汉市第{k}行政审批局" for k in range(58)]
    day = dt.date(2026, 7, 1)
    for i in range(n):
        received = day + dt.timedelta(days=i % 92)
        yield (
            f"G{received:%Y%m%d}{i:07d}",
            items[(i * 7) % 200],
            depts[(i * 11) % 58],
            "已办结",
            ("网上办理", "移动端", "窗口办理", "自助终端")[i % 4],
            received,
            received + dt.timedelta(days=10),
            dt.datetime.combine(received + dt.timedelta(days=3), dt.time(9 + i % 8, i % 60), tzinfo=tz),
        )


def with_openpyxl(n: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("办件")
    ws.append(HEADER)
    for r in rows(n):
        ws.append([*r[:7], r[7].replace(tzinfo=None)])  # openpyxl refuses aware times
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_xlsxwriter(n: int) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("办件")
    ws.write_row(0, 0, HEADER)
    for i, r in enumerate(rows(n), start=1):
        ws.write_row(i, 0, [*r[:7], r[7].replace(tzinfo=None)])
    wb.close()
    return out.getvalue()


def with_own(n: int) -> bytes:
    from yiwang.supervision import xlsx

    return xlsx.workbook([("办件", HEADER, rows(n))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    os.environ.setdefault("YIWANG_HOME", str(ROOT / "var"))
    import django

    django.setup()
    out: dict = {"rows": args.rows, "load_start": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())}
    t = time.perf_counter()
    for _ in rows(args.rows):
        pass
    out["generating_the_rows_seconds"] = round(time.perf_counter() - t, 2)
    for name, fn in (("openpyxl_write_only", with_openpyxl), ("xlsxwriter_constant_memory", with_xlsxwriter),
                     ("supervision_xlsx", with_own)):  # fmt: skip
        try:
            t = time.perf_counter()
            data = fn(args.rows)
            out[name] = {"seconds": round(time.perf_counter() - t, 2), "bytes": len(data)}
        except ImportError as exc:
            out[name] = f"not installed ({exc.name})"
    out["load_end"] = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
