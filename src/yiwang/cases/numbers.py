"""Case numbers from a database sequence (never a counter row that serialises submissions).
PostgreSQL: the `cases_case_number_seq` sequence. SQLite (one writer at a time anyway): the
AUTOINCREMENT id of a row in `cases_casenumber`."""

from __future__ import annotations

from datetime import date

from django.db import connection

from .models import CaseNumber


def next_value() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT nextval('cases_case_number_seq')")
            return int(cur.fetchone()[0])
    return CaseNumber.objects.create().pk


def case_number(*, region_code: str, on: date) -> str:
    """e.g. 420100-20261125-00000123: region, date of filing, sequence."""
    return f"{region_code[:6]}{on:%Y%m%d}{next_value():08d}"
