"""The notification kinds of the halls app (registered in `HallsConfig.ready`)."""

from __future__ import annotations

from yiwang.notifications.kinds import Category, EventKind

CATEGORY = Category(code="halls", label="预约叫号", description="大厅预约提醒、叫号提醒、闭厅通知")

KINDS = [
    EventKind(
        kind="halls.booked",
        category="halls",
        label="预约成功",
        title="您已预约 {{ hall }} {{ business }}（{{ start }}）",
        body="预约码 {{ code }}。请于 {{ start }} 前到 {{ hall }} 取号，可凭预约码或电子身份码签到。查看：{{ url }}",
        required=("hall", "business", "start", "code"),
    ),
    EventKind(
        kind="halls.remind_day",
        category="halls",
        label="预约提醒（前一天）",
        title="明天 {{ start }} 您在 {{ hall }} 有预约",
        body="预约业务：{{ business }}，预约码 {{ code }}。请带齐材料，材料清单见：{{ url }}",
        required=("hall", "business", "start", "code"),
    ),
    EventKind(
        kind="halls.remind_hour",
        category="halls",
        label="预约提醒（一小时前）",
        title="{{ start }} 您在 {{ hall }} 有预约",
        body="预约业务：{{ business }}，预约码 {{ code }}。请按时到大厅签到取号。",
        critical=True,
        required=("hall", "business", "start", "code"),
    ),
    EventKind(
        kind="halls.closure",
        category="halls",
        label="大厅闭厅通知",
        title="{{ hall }} {{ day }} 闭厅，您的预约已取消",
        body="因{{ reason }}，{{ hall }} {{ day }} 暂停服务，您 {{ start }} 的预约（{{ business }}）已取消。"
        "请改约其他时段：{{ url }}",
        critical=True,
        required=("hall", "day", "reason", "start", "business"),
    ),
    EventKind(
        kind="halls.turn_near",
        category="halls",
        label="即将叫号",
        title="您的号码 {{ number }} 即将叫到",
        body="{{ hall }} 您的号码 {{ number }} 前面还有 {{ ahead }} 位，请到等候区留意叫号。排队进度：{{ url }}",
        critical=True,
        required=("hall", "number", "ahead"),
    ),
    EventKind(
        kind="halls.blocked",
        category="halls",
        label="预约受限",
        title="您在 {{ hall }} 的预约功能暂停至 {{ until }}",
        body="您在 {{ days }} 天内有 {{ count }} 次预约未到，{{ until }} 前不能在 {{ hall }} 预约，可直接到大厅取号办理。",
        required=("hall", "until", "count", "days"),
    ),
]
