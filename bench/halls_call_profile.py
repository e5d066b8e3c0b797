"""Where a window call's time goes: 40 window calls ("next", one per window) in this process under
pyinstrument, on the hall of bench/halls_live.py (40 windows, 2,000 tickets; made on first use).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiwang_prof YIWANG_HOME=/tmp/prof \
      DJANGO_SETTINGS_MODULE=yiwang.settings .venv/bin/yiwang migrate
    DATABASE_URL=… YIWANG_HOME=/tmp/prof DJANGO_SETTINGS_MODULE=yiwang.settings \
      .venv/bin/python bench/halls_call_profile.py

Prints the wall time of the 40 calls and pyinstrument's tree (its header gives the CPU time).
Each run calls 40 more tickets of the same hall (2,000 last 50 runs)."""

from __future__ import annotations

import time
from datetime import date, timedelta


def setup_hall():
    from django.db import transaction

    from yiwang.core.testing import make_ric
    from yiwang.halls import services
    from yiwang.halls.models import BusinessType
    from yiwang.organizations.models import Region, ServiceHall, Window
    from yiwang.organizations.services import staff_create

    region, _ = Region.objects.get_or_create(code="420100", defaults={"name": "武汉市", "level": "city"})
    hall = ServiceHall.objects.create(name="基准测试大厅", code="bench", region=region)
    business = [("general", "综合业务", "A"), ("enterprise", "企业开办", "B"), ("social", "社保医保", "C"), ("housing", "不动产", "D")]  # fmt: skip
    types = [BusinessType.objects.create(hall=hall, code=c, name=n, prefix=p) for c, n, p in business]
    clerk = None
    for i in range(1, 41):
        w = Window.objects.create(hall=hall, number=str(i), name=f"{i} 号窗口", kind="comprehensive")
        types[(i - 1) % 4].windows.add(w)
        clerk = staff_create(
            username=f"clerk{i}",
            password="x" * 12,
            name=f"窗口{i}",
            roles=[{"role": "clerk", "region": region, "window": w}],
        )
    with transaction.atomic():
        for n in range(2000):
            born = date(1980, 1, 1) + timedelta(days=n // 900)
            services.ticket_issue(
                actor=clerk,
                hall=hall,
                business_code=types[n % 4].code,
                id_number=make_ric(born=born, serial=100 + n % 900),
            )


def main() -> None:
    import django

    django.setup()
    from pyinstrument import Profiler

    from yiwang.accounts.models import User
    from yiwang.halls import services
    from yiwang.organizations.models import ServiceHall, Window

    if not ServiceHall.objects.filter(code="bench").exists():
        setup_hall()
    hall = ServiceHall.objects.get(code="bench")
    windows = list(Window.objects.filter(hall=hall).order_by("pk"))
    clerks = {w.pk: User.objects.get(username=f"clerk{w.number}") for w in windows}
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for w in windows:
        services.window_call(actor=clerks[w.pk], window=w, action="next")
    profiler.stop()
    print("40 calls", round((time.perf_counter() - started) * 1000), "ms")
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
