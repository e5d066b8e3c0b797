"""Excel export of a hall's statistics (openpyxl), for the stats page and the API."""

from __future__ import annotations

import io

from django.http import HttpResponse

STAT_COLUMNS = [
    ("tickets", "取号"),
    ("served", "办结"),
    ("no_shows", "过号"),
    ("waiting", "等候中"),
    ("avg_wait_minutes", "平均等候（分）"),
    ("p90_wait_minutes", "90%等候（分）"),
    ("avg_service_minutes", "平均办理（分）"),
    ("p90_service_minutes", "90%办理（分）"),
    ("over_target_share", "超时等候占比"),
]


def stats_xlsx(hall, data: dict) -> HttpResponse:
    """The day's statistics (`selectors.hall_stats`) as an Excel workbook."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "统计"
    ws.append([f"{hall.name} 预约叫号统计", data["date"], f"等候目标 {data['wait_target_minutes']} 分钟"])
    ws.append(["维度", "名称", *[label for _, label in STAT_COLUMNS]])
    ws.append(["大厅", hall.name, *[data["total"][k] for k, _ in STAT_COLUMNS]])
    for b in data["business_types"]:
        ws.append(["业务类型", f"{b['code']} {b['name']}", *[b[k] for k, _ in STAT_COLUMNS]])
    for w in data["windows"]:
        ws.append(["窗口", f"{w['window']}号窗口", *[w[k] for k, _ in STAT_COLUMNS]])
    bk = data["booking"]
    ws.append([])
    ws.append(["预约", "可约", "已约", "已签到", "爽约", "预约使用率", "到场率"])
    ws.append(["", bk["offered"], bk["booked"], bk["checked_in"], bk["no_shows"], bk["use"], bk["show_rate"]])
    out = io.BytesIO()
    wb.save(out)
    resp = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="halls-{hall.code}-{data["date"]}.xlsx"'
    return resp
