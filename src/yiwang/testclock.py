"""The test suite at any date: move the test process's clock — never the machine's — with time-machine.

    pytest --at=2027-02-04              # that day, 10:00 in settings.TIME_ZONE (Asia/Shanghai), ticking
    pytest --at=2026-12-31T23:50        # a local time of day
    YIWANG_TEST_AT=2026-12-06 pytest    # the same through the environment (--at wins)

A pytest plugin (registered by src/yiwang/conftest.py): the clock is moved in pytest_configure, so
collection, the test database and every test see the moved date, and it keeps ticking; xdist workers
get the option and move their own clocks. A test that needs a particular date declares it
(`time_machine.travel`, or an explicit `today=`/`on=` argument) and that wins while it runs.

Servers a test starts in other processes see the machine's clock. `command(argv)` returns the argv
that starts them at this process's current time (moved or travelling), keeping in step with it:

    subprocess.Popen(testclock.command([str(BIN / "gunicorn"), "yiwang.wsgi:application", ...]))

which runs `python -m yiwang.testclock OFFSET PROGRAM ARGS…`: time-machine moved by OFFSET seconds,
ticking, then PROGRAM (a console script such as bin/gunicorn or bin/yiwang, or `-m MODULE`, `-c CODE`) as
`__main__`; forked
workers inherit the moved clock.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from zoneinfo import ZoneInfo

ENV = "YIWANG_TEST_AT"
DEFAULT_TIME_OF_DAY = dt.time(10, 0)  # office hours; the same calendar date in UTC and in Asia/Shanghai
_started: tuple[object, dt.datetime] | None = None  # (the suite's travel, where to)


def parse(value: str, *, zone: str = "Asia/Shanghai") -> dt.datetime:
    """`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (local to `zone`) or an ISO instant with an offset."""
    value = value.strip()
    try:
        if len(value) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), DEFAULT_TIME_OF_DAY)
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date or date-time: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def offset() -> float:
    """Seconds between this process's clock (moved by the suite or a test's travel) and the machine's."""
    import time_machine

    if not time_machine.escape_hatch.is_travelling():
        return 0.0
    return time.time() - time_machine.escape_hatch.time.time()


def command(argv: Sequence[str]) -> list[str]:
    """argv for a program a test starts in another process, at this process's current time."""
    moved = offset()
    if abs(moved) < 1:
        return list(argv)
    argv = list(argv)
    if argv and argv[0] == sys.executable:  # `python -m module …` or `python script …`
        argv = argv[1:]
    return [sys.executable, "-m", "yiwang.testclock", repr(moved), *argv]


# --- pytest plugin ---------------------------------------------------------------------------------
def pytest_addoption(parser) -> None:
    parser.addoption(
        "--at",
        action="store",
        default=None,
        metavar="YYYY-MM-DD[THH:MM]",
        help=f"run the suite with the test process's clock moved to this date (default: ${ENV}); "
        "a date alone means 10:00 local time (settings.TIME_ZONE)",
    )


def _destination(config) -> dt.datetime | None:
    value = config.getoption("--at") or os.environ.get(ENV, "")
    if not value or value.lower() == "now":
        return None
    from django.conf import settings

    zone = getattr(settings, "TIME_ZONE", None) if settings.configured else None
    try:
        return parse(value, zone=zone or "Asia/Shanghai")
    except ValueError as exc:
        import pytest

        raise pytest.UsageError(f"--at / {ENV}: {exc}") from None


def pytest_configure(config) -> None:
    moment = _destination(config)
    if moment is None:
        return
    import time_machine

    # A timestamp, not the aware datetime: time-machine would otherwise set TZ (Django already set it).
    global _started
    traveller = time_machine.travel(moment.timestamp(), tick=True)
    traveller.start()
    _started = (traveller, moment)


def pytest_unconfigure(config) -> None:
    global _started
    if _started is not None:
        _started[0].stop()
        _started = None


def pytest_report_header(config) -> str | None:
    if _started is None:
        return None
    moment = _started[1]
    return (
        f"test clock: moved to {moment.isoformat()} ({moment:%A}), ticking; the machine's clock is untouched"
    )


# --- python -m yiwang.testclock OFFSET PROGRAM ARGS… ----------------------------------------------
def _main(args: list[str]) -> None:
    import runpy

    import time_machine

    moved, program, *rest = args
    time_machine.travel(time.time() + float(moved), tick=True).start()
    time.time()  # start ticking now, in step with the process that started us
    if program == "-c":  # python -c CODE ARGS…
        code, *rest = rest
        sys.argv = ["-c", *rest]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the test's own code
        return
    if program == "-m":  # python -m MODULE ARGS…
        module, *rest = rest
        sys.argv = [module, *rest]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return
    sys.argv = [program, *rest]
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    _main(sys.argv[1:])
