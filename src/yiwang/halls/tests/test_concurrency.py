"""Two windows calling at the same moment never get the same ticket; the last seat of a slot goes
to exactly one of two people booking it at once — real threads and real transactions, on SQLite
and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import close_old_connections

from yiwang.core.errors import DomainError
from yiwang.core.testing import make_ric
from yiwang.halls import services
from yiwang.halls.models import Appointment, CallEvent, Ticket, TicketStatus

from .conftest import at


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results: list = []
    errors: list = []

    def run(fn):
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except DomainError as exc:
            results.append(exc)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_windows_calling_at_once_get_different_tickets(world):
    with time_machine.travel(at(7, 9, 30)):
        for n in range(6):
            services.ticket_issue(
                actor=world.reception,
                hall=world.hall,
                business_code="market",
                id_number=make_ric(serial=600 + n),
            )
        for _ in range(3):
            results = _race(
                [
                    lambda: (
                        services.window_call(
                            actor=world.clerk, window=world.window, action="next"
                        ).ticket.number
                    ),
                    lambda: (
                        services.window_call(
                            actor=world.clerk_w2, window=world.window2, action="next"
                        ).ticket.number
                    ),
                ]
            )
            assert len(set(results)) == 2, results
    called = list(CallEvent.objects.filter(action="next").values_list("ticket__number", flat=True))
    assert sorted(called) == [f"A{n:03d}" for n in range(1, 7)]
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 0


@pytest.mark.django_db(transaction=True)
def test_last_seat_goes_to_exactly_one(world):
    with time_machine.travel(at(7, 8)):
        start = at(8, 14).isoformat()  # capacity 1
        results = _race(
            [
                lambda: services.appointment_book(
                    person=world.citizen, hall=world.hall, business=world.biz_a, start=start
                ),
                lambda: services.appointment_book(
                    person=world.citizen2, hall=world.hall, business=world.biz_a, start=start
                ),
            ]
        )
    codes = sorted(getattr(r, "code", "") if isinstance(r, DomainError) else "ok" for r in results)
    assert codes == ["ok", "slot_full"], results
    assert Appointment.objects.count() == 1
