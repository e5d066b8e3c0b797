"""One write of the hall stream carries a burst's calls and only its last waiting-count event."""

from __future__ import annotations

from yiwang.core.broadcast import Event
from yiwang.halls.live import coalesced


def _ev(n: int, kind: str) -> Event:
    data = {"number": f"A{n:03d}", "window": "1", "at": ""} if kind == "call" else {"A": 100 - n}
    return Event(str(n), "hall:x", kind, data)


def test_a_burst_keeps_every_call_and_the_last_queue_counts_in_order():
    burst = [
        _ev(1, "call"),
        _ev(2, "queue"),
        _ev(3, "call"),
        _ev(4, "queue"),
        _ev(5, "call"),
        _ev(6, "queue"),
    ]
    out = coalesced(burst)
    assert [(e.id, e.event) for e in out] == [("1", "call"), ("3", "call"), ("5", "call"), ("6", "queue")]
    assert out[-1].data == {"A": 94}  # the newest counts win


def test_the_batch_ends_on_its_last_event_so_last_event_id_moves_to_the_end():
    burst = [_ev(1, "queue"), _ev(2, "call"), _ev(3, "queue"), _ev(4, "call")]
    out = coalesced(burst)
    assert [e.id for e in out] == ["2", "3", "4"]
    assert coalesced([_ev(7, "state")]) == [_ev(7, "state")]
    assert coalesced([]) == []
