"""Appointments: the booking window (working days, 调休 Saturdays, hours, closures), capacity,
one booking per person, business type and day, cancelling until 2 hours before, no-shows and
the block, reminders — and for each refusal, nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.halls import selectors, services
from yiwang.halls.models import Appointment, AppointmentStatus, Slot
from yiwang.notifications.models import Notification

from .conftest import MON, at

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(MON)]


def book(w, person=None, start=None, business=None):
    return services.appointment_book(
        person=person or w.citizen,
        hall=w.hall,
        business=business or w.biz_a,
        start=start or at(8, 9).isoformat(),
    )


def test_bookable_days_are_today_and_the_next_five_working_days(world):
    days = selectors.bookable_days(world.hall)
    assert days == [date(2026, 12, d) for d in (7, 8, 9, 10, 11, 14)]


def test_tiaoxiu_saturday_is_bookable_and_holidays_are_not(world):
    with time_machine.travel(at(9, 10, month=10)):  # Friday 2026-10-09; Saturday 10-10 is a working day
        days = selectors.bookable_days(world.hall)
    assert date(2026, 10, 10) in days
    assert date(2026, 10, 11) not in days  # Sunday
    assert days[:2] == [date(2026, 10, 9), date(2026, 10, 10)]


def test_slots_follow_capacities_and_hall_hours(world):
    s = selectors.hall_settings(world.hall)
    s.closes = s.closes.replace(hour=12)
    s.save()
    views = selectors.slots_for(world.biz_a, date(2026, 12, 8))
    assert [(v.slot.start.hour, v.available) for v in views] == [(1, 2), (2, 2)]  # UTC hours of 09:00, 10:00


def test_book_then_slot_has_one_seat_less_and_a_message(world):
    appt = book(world)
    assert appt.status == AppointmentStatus.BOOKED and len(appt.code) == 8
    assert Slot.objects.get(pk=appt.slot_id).booked == 1
    n = Notification.objects.get(recipient=world.citizen, kind="halls.booked")
    assert appt.code in n.body and n.link == f"/halls/appointments/{appt.pk}/"


def test_full_slot_is_409_and_nothing_changes(world):
    book(world, start=at(8, 14).isoformat())
    with pytest.raises(Conflict) as e:
        book(world, person=world.citizen2, start=at(8, 14).isoformat())
    assert e.value.code == "slot_full"
    assert Appointment.objects.filter(person=world.citizen2).count() == 0
    assert Slot.objects.get(business=world.biz_a, start=at(8, 14)).booked == 1


def test_outside_the_window(world):
    for start in (
        at(15, 9),
        at(12, 9),
        at(7, 7),
        at(8, 12),
    ):  # 6th working day, Saturday, before now, no slot
        with pytest.raises(ValidationFailed) as e:
            book(world, start=start.isoformat())
        assert e.value.code == "outside_booking_window"
    assert Appointment.objects.count() == 0


def test_closed_day_is_not_bookable(world):
    services.closure_create(
        actor=world.hall_admin,
        hall=world.hall,
        first_day=date(2026, 12, 9),
        last_day=date(2026, 12, 9),
        reason="设备检修",
    )
    assert date(2026, 12, 9) not in selectors.bookable_days(world.hall)
    with pytest.raises(ValidationFailed) as e:
        book(world, start=at(9, 9).isoformat())
    assert e.value.code == "outside_booking_window"


def test_second_booking_same_business_and_day(world):
    book(world)
    with pytest.raises(ValidationFailed) as e:
        book(world, start=at(8, 10).isoformat())
    assert e.value.code == "duplicate_booking"
    assert Appointment.objects.filter(person=world.citizen).count() == 1
    book(world, business=world.biz_b, start=at(8, 10).isoformat())  # another business type: fine
    book(world, start=at(9, 10).isoformat())  # another day: fine


def test_staff_cannot_book(world):
    with pytest.raises(Exception) as e:
        book(world, person=world.clerk)
    assert getattr(e.value, "code", "") == "forbidden"


def test_cancel_until_two_hours_before(world):
    appt = book(world, start=at(7, 10).isoformat())
    with time_machine.travel(at(7, 8, 1)), pytest.raises(Conflict) as e:
        services.appointment_cancel(person=world.citizen, appointment=appt)
    assert e.value.code == "too_late_to_cancel"
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.BOOKED and appt.slot.booked == 1
    with time_machine.travel(at(7, 7, 59)):
        services.appointment_cancel(person=world.citizen, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED
    assert Slot.objects.get(pk=appt.slot_id).booked == 0
    book(world, start=at(7, 10).isoformat())  # the same day again after cancelling


def test_three_no_shows_in_90_days_block_for_30_days(world):
    starts = [at(7, 9), at(8, 9), at(9, 9)]
    for s in starts:
        book(world, start=s.isoformat())
    with time_machine.travel(at(9, 11)):
        assert services.appointments_mark_no_shows() == 3
        assert selectors.booking_block(world.hall, world.citizen) == (date(2027, 1, 8), 3)
        with pytest.raises(ValidationFailed) as e:
            book(world, start=at(10, 9).isoformat())
        assert e.value.code == "booking_blocked"
    assert Notification.objects.filter(recipient=world.citizen, kind="halls.blocked").count() == 1
    with time_machine.travel(at(8, 10, month=1, year=2027)):
        assert selectors.booking_block(world.hall, world.citizen) is None


def test_two_no_shows_do_not_block(world):
    for s in (at(7, 9), at(8, 9)):
        book(world, start=s.isoformat())
    with time_machine.travel(at(9, 11)):
        services.appointments_mark_no_shows()
        assert selectors.booking_block(world.hall, world.citizen) is None


def test_reminders_day_before_and_hour_before_once(world):
    appt = book(world, start=at(8, 10).isoformat())
    with time_machine.travel(at(7, 18)):
        assert services.appointments_remind() == 1
        assert services.appointments_remind() == 0
    with time_machine.travel(at(8, 9, 10)):
        assert services.appointments_remind() == 1
        assert services.appointments_remind() == 0
    kinds = sorted(Notification.objects.filter(recipient=world.citizen).values_list("kind", flat=True))
    assert kinds == ["halls.booked", "halls.remind_day", "halls.remind_hour"]
    assert appt.code in Notification.objects.get(kind="halls.remind_day").body


def test_closure_cancels_bookings_tells_people_and_offers_rebooking(world):
    appt = book(world, start=at(9, 9).isoformat())
    other = book(world, person=world.citizen2, start=at(10, 9).isoformat())
    _, told = services.closure_create(
        actor=world.hall_admin,
        hall=world.hall,
        first_day=date(2026, 12, 9),
        last_day=date(2026, 12, 9),
        reason="电力检修",
    )
    assert told == 1
    appt.refresh_from_db()
    other.refresh_from_db()
    assert appt.status == AppointmentStatus.CLOSED and other.status == AppointmentStatus.BOOKED
    assert Slot.objects.get(pk=appt.slot_id).booked == 0
    n = Notification.objects.get(recipient=world.citizen, kind="halls.closure")
    assert "电力检修" in n.body and n.link == "/halls/smzj/book/?business=market"


def test_closure_needs_the_hall_admin(world):
    with pytest.raises(Exception) as e:
        services.closure_create(
            actor=world.clerk,
            hall=world.hall,
            first_day=date(2026, 12, 9),
            last_day=date(2026, 12, 9),
            reason="x",
        )
    assert getattr(e.value, "code", "") == "forbidden"
    assert not selectors.closed_days(world.hall, date(2026, 12, 9), date(2026, 12, 9))


def test_slot_listing_marks_past_slots_unavailable(world):
    with time_machine.travel(at(7, 9, 30)):
        views = selectors.slots_for(world.biz_a, date(2026, 12, 7))
    assert [v.available for v in views] == [0, 2, 1]
    assert [v.bookable for v in views] == [False, True, True]
    assert (views[1].slot.end - views[1].slot.start) == timedelta(hours=1)


def test_booking_closes_at_the_start_or_the_halls_earlier_close(world):
    with time_machine.travel(at(7, 8, 59)):
        book(world, start=at(7, 9).isoformat())
    s = selectors.hall_settings(world.hall)
    s.book_close_minutes = 30
    s.save()
    with time_machine.travel(at(7, 9, 31)):
        assert [v.bookable for v in selectors.slots_for(world.biz_a, date(2026, 12, 7))] == [
            False,
            False,
            True,
        ]
        with pytest.raises(ValidationFailed) as e:
            book(world, person=world.citizen2, start=at(7, 10).isoformat())
    assert e.value.code == "outside_booking_window"
