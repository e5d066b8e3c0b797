"""Test helpers that import no app: valid identifiers, minimal files, the test world's password,
its item's form and materials, page helpers for the browser tests, and other processes (servers,
scripts) that share the test's database. They sit in `core` so that
every app's tests may use them. The test world itself (`world` fixture), factories and the shared
browser fixtures live higher up: `yiwang.testsupport` and each app's `tests/factories.py`."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from stdnum.cn import ric, uscc

from .identifiers import is_valid_ric

PASSWORD = "pass-1234-word"  # noqa: S105 - every account of the test world
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
MINIMAL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@contextmanager
def fast_and_eager() -> Iterator[None]:
    """What every test runs under: a fast password hasher (Argon2, the production one, is tested in
    accounts) and Celery tasks run eagerly, raising their errors. (Celery's own flags stay set
    afterwards, as they always have: code between tests — module fixtures, a live server's
    threads — never sends a task to a broker nobody consumes.)"""
    from django.test import override_settings

    from yiwang.celery import app

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers, CELERY_TASK_ALWAYS_EAGER=True):
        app.conf.task_always_eager = app.conf.task_eager_propagates = True
        yield


def make_uscc(seed: str, *, region: str = "420100") -> str:
    """A valid 统一社会信用代码 for a government agency (登记管理部门 1, 机构类别 1), deterministic."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:7]
    org8 = f"MB{digits[:6]}"
    # the 9-char organisation code carries its own GB 11714 check character
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(alphabet.index(c) * w for c, w in zip(org8, weights, strict=True))
    check = 11 - total % 11
    org9 = org8 + {10: "X", 11: "0"}.get(check, str(check))
    base = f"11{region}{org9}"
    code = base + uscc.calc_check_digit(base)
    assert uscc.is_valid(code), code
    return code


def make_ric(*, region: str = "420102", born: date = date(1990, 1, 1), serial: int = 123) -> str:
    """A valid 居民身份证号码."""
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    number = body + ric.calc_check_digit(body + "0")
    assert is_valid_ric(number), number
    return number


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


FORM_SCHEMA = {
    "type": "object",
    "required": ["applicant.name", "applicant.id_number", "applicant.phone", "premises.address"],
    "properties": {
        "applicant.name": {"title": "经营者姓名", "maxLength": 50},
        "applicant.id_number": {"title": "经营者身份证号码"},
        "applicant.phone": {"title": "联系电话"},
        "premises.address": {"title": "经营场所地址", "maxLength": 200},
        "premises.area": {"title": "经营面积（平方米）", "minimum": 1, "maximum": 100000},
        "application.reason": {"title": "申请说明"},
    },
}


def good_form(**over) -> dict:
    form = {
        "applicant.name": "张伟",
        "applicant.id_number": make_ric(serial=101),
        "applicant.phone": "13800138000",
        "premises.address": "武汉市江岸区沿江大道100号",
        "premises.area": 80,
    }
    form.update(over)
    return form


def good_form_for(user, **over) -> dict:
    """`good_form` naming `user` as the applicant (an online form may name only the logged-in
    person: docs/security.md); a company's form keeps the default applicant fields."""
    if getattr(user, "id_number", ""):
        over = {"applicant.id_number": user.id_number, "applicant.name": str(user), **over}
    return good_form(**over)


def good_materials() -> list[dict]:
    return [
        {"code": "id_card", "name": "身份证.pdf", "content_base64": b64(MINIMAL_PDF)},
        {"code": "site_plan", "name": "平面图.png", "content_base64": b64(MINIMAL_PNG)},
    ]


# --- browser pages (Playwright `page` objects; the fixtures are in yiwang.testsupport) -------------
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}  # issue 15: every citizen page at 360 px with 200% text


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        # the password form's own button: with 统一身份认证 on, the page has a second form
        page.click("form:has(#password) button[type=submit]")


def logout(page) -> None:
    with page.expect_navigation():
        page.click("header button:has-text('退出登录')")


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus (proves it is reachable by keyboard)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


DATE_ORDERS = ("ymd", "mdy", "dmy")


def date_segment_order(page) -> str:
    """The order of a date input's segments (year, month, day) in this browser: headless chromium
    follows its own UI language, not the context's locale. Found by typing into a scratch page of
    the same context, so the real field is then typed once, as its user would."""
    probe = page.context.new_page()
    try:
        for order in DATE_ORDERS:
            probe.set_content("<input type=date id=d>")
            probe.focus("#d")
            for part in order:
                probe.keyboard.type({"y": "2003", "m": "04", "d": "25"}[part])
            if probe.input_value("#d") == "2003-04-25":
                return order
    finally:
        probe.close()
    raise AssertionError("no segment order types a date into this browser's date input")


def type_date(page, value: date) -> None:
    """Type `value` into the focused date input, segment by segment, in the browser's order."""
    parts = {"y": f"{value.year:04d}", "m": f"{value.month:02d}", "d": f"{value.day:02d}"}
    for part in date_segment_order(page):
        page.keyboard.type(parts[part])


def pdfsig_trusting(data: bytes, tmp_path: Path, ca_pem: bytes) -> str:
    """poppler's `pdfsig` output for `data` with an NSS database that trusts only the seal CA
    certificates in `ca_pem` (what GET /api/v1/notices/seal-ca.pem publishes), set up as
    docs/operations.md tells a reader: `certutil -A -t "C,C,C" -i seal-ca.pem` (pdfsig checks the
    signer for S/MIME-style signing, so the CA must be trusted for that use, not only for TLS), then
    `pdfsig -nssdir sql:<dir>`. Needs Debian's poppler-utils and libnss3-tools."""
    nss = tmp_path / "nss"
    nss.mkdir(exist_ok=True)
    run = {"capture_output": True, "text": True, "timeout": 60, "check": True}
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], **run)
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", ca_pem, re.S)
    assert pems, "no certificate in the published CA file"
    for i, one in enumerate(pems):
        path = tmp_path / f"seal-ca-{i}.pem"
        path.write_bytes(one + b"\n")
        add = [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            f"Yiwang seal CA {i}",
            "-t",
            "C,C,C",
            "-i",
            str(path),
        ]
        subprocess.run(add, **run)
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    # no `-no-ocsp`: poppler 22.12 then reports a generic certificate error; the seal certificates
    # name no OCSP responder, so nothing is fetched either way
    args = ["pdfsig", "-nssdir", f"sql:{nss}", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout


def server_database_url() -> str:
    """The test database as a DATABASE_URL for another process — a server or a command the test
    starts (the same SQLite file, the same PostgreSQL database); the test must commit:
    `django_db(transaction=True)`."""
    import urllib.parse

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert "memory" not in name, "the SQLite test database must be a file to be shared"
        options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
        return f"sqlite:///{name}?{urllib.parse.urlencode(options)}"
    user = urllib.parse.quote(db.get("USER") or "")
    password = urllib.parse.quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (the system's choice, closed again)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """The environment of a process that shares this test's home (so its master key), database
    (`server_database_url`) and cache (REDIS_URL as this test has it; empty = the database cache),
    plus `extra`; nothing of pytest's."""
    import os

    from django.conf import settings

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update(
        YIWANG_HOME=str(settings.YIWANG_HOME),
        DATABASE_URL=server_database_url(),
        DJANGO_SETTINGS_MODULE="yiwang.settings",
        REDIS_URL=settings.REDIS_URL,
    )
    if settings.YIWANG_MASTER_KEY:
        env["YIWANG_MASTER_KEY"] = settings.YIWANG_MASTER_KEY
    env.update(extra)
    return env


class LoopbackServer:
    """This project served in another process on loopback, sharing this test's home, database and
    cache (`server_env`; the test must commit: `django_db(transaction=True)`), at this test's time
    (`testclock.command`): `uvicorn yiwang.asgi:application` (ASGI), or with `wsgi=True`
    `gunicorn yiwang.wsgi:application`; `workers` processes, `args` added to the command line,
    `env` added to the environment. Its stderr goes to `log_dir/<program>-<name>.log`. Call
    `wait_ready()` before the first request and `stop()` at the end."""

    def __init__(
        self,
        name: str,
        log_dir: Path,
        *,
        wsgi: bool = False,
        workers: int = 1,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ):
        import sys

        from yiwang import testclock

        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        bindir = Path(sys.executable).parent
        if wsgi:
            argv = [str(bindir / "gunicorn"), "yiwang.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
            argv += ["-w", str(workers)]
        else:
            argv = [str(bindir / "uvicorn"), "yiwang.asgi:application", "--host", "127.0.0.1"]
            argv += ["--port", str(self.port), "--workers", str(workers), "--lifespan", "off"]
        self.log = log_dir / f"{Path(argv[0]).name}-{name}.log"
        self.proc = subprocess.Popen(
            testclock.command([*argv, *args]),
            env=server_env(**(env or {})),
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
        )

    def wait_ready(self, path: str = "/api/v1/no-such-thing", status: int = 404) -> None:
        """Wait (90 s at most) until GET `path` answers `status`; fail with the server's log if it
        exits meanwhile."""
        import time

        deadline = time.monotonic() + 90
        while self.request("GET", path)[0] != status:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"server {self.name} did not start"
            time.sleep(0.2)

    def request(self, method: str, path: str, *, token: str = "", body: dict | None = None):
        """(status, the JSON answer — or its text if it is not JSON); (0, None) without an answer."""
        import json
        import urllib.error
        import urllib.request

        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - http on loopback
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - http on loopback
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        except OSError:
            return 0, None
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_in_another_process(code: str, *, timeout: float = 180) -> str:
    """Run Python `code` in a new process set up like an app server's (Django configured, the same
    home, master key and database as this test — which must commit: `django_db(transaction=True)`),
    at this process's clock; returns its stdout. For tests that a change made by one process is seen
    by another (per-process memos keyed by shared revisions, `core.revisions`)."""
    import sys
    import textwrap

    from yiwang import testclock

    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    done = subprocess.run(
        testclock.command([sys.executable, "-c", script]),
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
