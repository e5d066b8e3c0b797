"""Demo data of the live side of the halls (docs/halls.md): self-service terminals — one in
武汉市民之家 run by the demo `kiosk` device account, and two in communities (江岸区, 洪山区), 24
hours, offering the items of their hall's windows — and a display key for 武汉市民之家's screen,
derived from the installation's secret so `yiwang demo_load` can print the screen's address again.
Idempotent."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from yiwang.accounts.models import User
from yiwang.catalog.models import Item
from yiwang.halls import devices, terminals
from yiwang.halls.models_live import DisplayKey, SiteKind, Terminal
from yiwang.organizations.models import Region, ServiceHall

from . import orgdata

KIOSK_USERNAME = "kiosk"
# code, name, site kind, site name, address, hall, region
TERMINALS = [
    (
        "smzj-01",
        "市民之家自助终端 01",
        SiteKind.HALL,
        orgdata.CITY_HALL,
        "武汉市民之家一楼大厅",
        orgdata.CITY_HALL,
        orgdata.CITY,
    ),
    (
        "jiangan-bbt-01",
        "百步亭社区自助终端",
        SiteKind.COMMUNITY,
        "江岸区百步亭花园社区党群服务中心",
        "江岸区百步亭花园路 18 号",
        orgdata.JIANGAN_HALL,
        orgdata.JIANGAN,
    ),
    (
        "hongshan-gg-01",
        "光谷青年城社区自助终端",
        SiteKind.COMMUNITY,
        "洪山区光谷青年城社区服务站",
        "洪山区珞喻路 726 号",
        orgdata.HONGSHAN_HALL,
        orgdata.HONGSHAN,
    ),
]
ITEMS_PER_TERMINAL = 12


def display_secret(hall_code: str) -> str:
    """The demo display key of a hall: stable for this installation, unknown elsewhere."""
    return (
        "demo-"
        + hmac.new(settings.SECRET_KEY.encode(), f"display:{hall_code}".encode(), hashlib.sha256).hexdigest()[
            :24
        ]
    )


@transaction.atomic
def demo_load() -> dict:
    halls = {h.name: h for h in ServiceHall.objects.all()}
    regions = {
        r.code: r for r in Region.objects.filter(code__in=[orgdata.CITY, orgdata.JIANGAN, orgdata.HONGSHAN])
    }
    created = 0
    for code, name, kind, site, address, hall_name, region_code in TERMINALS:
        hall = halls.get(hall_name)
        if hall is None or region_code not in regions or Terminal.objects.filter(code=code).exists():
            continue
        username = KIOSK_USERNAME if kind == SiteKind.HALL else f"terminal-{code}"
        account = User.objects.filter(username=username).first()
        items = list(
            Item.objects.filter(
                Q(windows__hall=hall) | Q(department__windows__hall=hall), parent__isnull=True
            )
            .distinct()
            .order_by("code")[:ITEMS_PER_TERMINAL]
        )
        if account is not None:  # the demo `kiosk` account, or a device account of an earlier run
            terminal = Terminal.objects.create(
                code=code,
                name=name,
                site_kind=kind,
                site_name=site,
                address=address,
                region=regions[region_code],
                hall=hall,
                account=account,
            )
            terminal.items.set(items)
            devices.terminal_key_issue(terminal=terminal)
        else:
            terminals.terminal_register(
                code=code,
                name=name,
                site_kind=kind,
                site_name=site,
                address=address,
                hall=hall,
                region=regions[region_code],
                items=items,
                account_username=username,
            )
        created += 1
    out: dict = {"terminals": Terminal.objects.count(), "terminals_created": created}
    city_hall = halls.get(orgdata.CITY_HALL)
    if city_hall is not None and city_hall.code:
        secret = display_secret(city_hall.code)
        if not DisplayKey.objects.filter(key_hash=hashlib.sha256(secret.encode()).hexdigest()).exists():
            DisplayKey.objects.create(
                hall=city_hall,
                name="一楼大厅叫号屏",
                key_hash=hashlib.sha256(secret.encode()).hexdigest(),
                key_hint=secret[-4:],
            )
        out["display_path"] = f"/halls/{city_hall.code}/display/?key={secret}"
    return out
