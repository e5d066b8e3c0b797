"""The suite's clock (yiwang/testclock.py): what --at means, and programs started at the test's time."""

import datetime as dt
import os
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yiwang import testclock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_date_means_ten_in_the_morning_local_time():
    assert testclock.parse("2027-02-04") == dt.datetime(2027, 2, 4, 10, tzinfo=SHANGHAI)
    assert testclock.parse("2026-12-31T23:59:30") == dt.datetime(2026, 12, 31, 23, 59, 30, tzinfo=SHANGHAI)
    assert testclock.parse("2026-12-31T16:00Z") == dt.datetime(2027, 1, 1, 0, tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        testclock.parse("next friday")


def test_another_process_starts_at_the_tests_time(tmp_path):
    script = tmp_path / "today.py"
    script.write_text("import datetime, sys\nprint(datetime.datetime.now().isoformat(), *sys.argv[1:])\n")
    with time_machine.travel(dt.datetime(2028, 2, 29, 10, tzinfo=SHANGHAI)):
        argv = testclock.command([str(script), "a", "b"])
        assert argv[:3] == [sys.executable, "-m", "yiwang.testclock"]
        started = time.time()
        out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout.split()
        finished = time.time()
    seen = dt.datetime.fromisoformat(out[0]).replace(tzinfo=SHANGHAI).timestamp()
    assert started - 1 <= seen <= finished + 1  # in step with this process, ticking
    assert out[1:] == ["a", "b"]


def test_a_python_module_starts_at_the_tests_time(tmp_path):
    """`python -m module …` too (the interpreter is not a script to run: it is dropped)."""
    (tmp_path / "clockmod.py").write_text(
        "import datetime, sys\nprint(datetime.date.today(), *sys.argv[1:])\n"
    )
    with time_machine.travel(dt.datetime(2028, 2, 29, 10, tzinfo=SHANGHAI)):
        argv = testclock.command([sys.executable, "-m", "clockmod", "x"])
        assert argv[:5] == [sys.executable, "-m", "yiwang.testclock", argv[3], "-m"]
        env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        out = subprocess.run(
            argv, capture_output=True, text=True, check=True, timeout=60, env=env
        ).stdout.split()
    assert out == ["2028-02-29", "x"]
    with time_machine.travel(dt.datetime(2028, 2, 29, 10, tzinfo=SHANGHAI)):
        argv = testclock.command(
            [sys.executable, "-c", "import datetime, sys; print(datetime.date.today(), *sys.argv[1:])", "y"]
        )
        out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert out == ["2028-02-29", "y"]


def test_at_the_machines_time_the_command_is_unchanged():
    hatch = time_machine.escape_hatch
    machine = hatch.time.time() if hatch.is_travelling() else time.time()  # whatever --at says
    with time_machine.travel(machine, tick=True):
        assert testclock.command(["prog", "x"]) == ["prog", "x"]
