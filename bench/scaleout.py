"""Scale-out proof: two app servers behind nginx, on this machine (docs/operations.md, "Scale-out";
figures in docs/benchmarks.md).

    .venv/bin/python bench/scaleout.py                 # full run (about 10 minutes on a busy machine)
    .venv/bin/python bench/scaleout.py --ci            # reduced form with assertions (exit 1 on a miss)
    .venv/bin/python bench/scaleout.py --reuse-db      # keep the migrated database of an earlier run

The layout, all real processes on loopback:
  nginx (Debian's, deploy/nginx.conf with ports and paths replaced, on a free port)
    → app server A and app server B: gunicorn -c python:yiwang.gunicorn_conf -k
      uvicorn.workers.UvicornWorker yiwang.asgi:application, each with its OWN YIWANG_HOME (as two
      machines would have), the same DJANGO_SECRET_KEY / YIWANG_MASTER_KEY from the environment
  PostgreSQL (--database-url), Redis (cache + hall events: db --redis-db; Celery broker: db +1)
  one Celery worker and one Celery beat (the ledger sequencer runs from beat every 3 s)
  uploads in one shared folder (YIWANG_MEDIA_ROOT), as an NFS mount would be.

Then:
1. cross-server probes, each sent to A and B directly: a page session made on one server used on
   the other; the login throttle counted across both; one Idempotency-Key sent to both at the same
   moment (one case); an 电子身份码 checked on one and replayed on the other (refused); a material
   uploaded through one and read back through the other; a hall's event stream on one receiving
   the call made on the other.
2. throughput of the real flows (login, submission with an Idempotency-Key and its retry, material
   upload, case detail, my cases, e-ID code and its check plus a replay, the staff queue and case
   page by session) against A alone and against nginx → A + B, in the same run; every answer is
   checked (status AND content), and which server answered is counted.
3. kill -9 of server B (master and workers) under load through nginx, with hall screens
   connected: the share of failed requests, and every call reaching every screen (reconnects with
   Last-Event-ID land on A).
4. the ledger: every entry integrated by the sequencer and `yiwang ledger verify` passing.

Results go to bench/results/scaleout-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yiwang_scaleout"
PASSWORD = "pass-1234-word"  # yiwang.core.testing.PASSWORD, the test world's accounts

SETUP = r"""
import json, sys
import django
django.setup()
from datetime import date, timedelta
from yiwang.accounts.models import AccountKind, TrustLevel, User
from yiwang.accounts.services import id_number_hash, phone_hash
from yiwang.core.testing import PASSWORD, make_ric
from yiwang.halls.models import BusinessType
from yiwang.testsupport.world import build_world

n = int(sys.argv[1])
w = build_world()
hashed = w.citizen.password  # one Argon2 hash for every load citizen (same password)
people = []
for i in range(n):
    number = make_ric(region="420102", born=date(1971, 1, 1) + timedelta(days=97 * i), serial=300 + i % 600)
    phone = f"137{i:08d}"
    people.append(User(username=f"load-{i:03d}", kind=AccountKind.PERSON, display_name=f"市民{i:03d}号",
                       id_number=number, id_number_hash=id_number_hash(number), phone=phone,
                       phone_hash=phone_hash(phone), trust_level=TrustLevel.VERIFIED, password=hashed))
User.objects.bulk_create(people)
bt = BusinessType.objects.create(hall=w.hall, code="general", name="综合业务", prefix="A")
bt.windows.add(w.window)
print("SETUP=" + json.dumps({
    "item": w.item.code, "hall": w.hall.code, "window": w.window.pk, "clerk": w.clerk.username,
    "citizen": w.citizen.username,
    "citizens": [{"username": u.username, "id_number": u.id_number, "name": u.display_name} for u in people],
}, ensure_ascii=False))
"""


NEW_ACCOUNT = r"""
import sys
import django
django.setup()
from yiwang.accounts.models import AccountKind, TrustLevel, User
model = User.objects.get(username=sys.argv[2])
User(username=sys.argv[1], kind=AccountKind.PERSON, display_name="锁定测试", trust_level=TrustLevel.VERIFIED,
     password=model.password).save()
"""


# --- small HTTP helpers (standard library; one connection per call unless given) -----------------
class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body or b"{}")

    @property
    def upstream(self) -> str:
        return self.headers.get("X-Yiwang-Upstream", "") if self.headers else ""


def request(conn_or_port, method: str, path: str, *, body=None, headers=None, timeout=30.0) -> Answer:
    own = not isinstance(conn_or_port, http.client.HTTPConnection)
    conn = http.client.HTTPConnection("127.0.0.1", conn_or_port, timeout=timeout) if own else conn_or_port
    hdrs = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body, ensure_ascii=False).encode()
        hdrs.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return Answer(resp.status, resp.headers, data)
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return Answer(0, None, f"{type(exc).__name__}: {exc}".encode())
    finally:
        if own:
            conn.close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "yiwang" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, (name, data, ctype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        )
        out.append(head.encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class Session:
    """A browser's cookies (session + CSRF) over plain http.client."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def _absorb(self, ans: Answer):
        if ans.headers is None:
            return
        for value in ans.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def headers(self, extra=None) -> dict:
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return h

    def get(self, port_or_conn, path: str) -> Answer:
        ans = request(port_or_conn, "GET", path, headers=self.headers())
        self._absorb(ans)
        return ans

    def login(self, port_get, port_post, username: str, password: str = PASSWORD) -> Answer:
        """GET the form on one server, POST it to another (the CSRF cookie and token must hold)."""
        form = self.get(port_get, "/login/")
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        token = m.group(1).decode() if m else ""
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        ).encode()
        ans = request(
            port_post,
            "POST",
            "/login/",
            body=body,
            headers=self.headers(
                {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/login/"}
            ),
        )
        self._absorb(ans)
        return ans


def api_login(port, username: str, password: str = PASSWORD) -> Answer:
    return request(port, "POST", "/api/v1/auth/token", body={"username": username, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def mask_ok(masked: str, id_number: str) -> bool:
    return bool(masked) and masked[:3] == id_number[:3] and masked[-2:] == id_number[-2:] and "*" in masked


# --- the layout ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Layout:
    def __init__(self, args, base: Path):
        self.args = args
        self.base = base
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {"a": free_port(), "b": free_port(), "nginx": free_port(), "solo": free_port()}
        self.shared_media = base / "shared-media"
        self.shared_media.mkdir(parents=True)
        redis_db = args.redis_db
        self.redis_cache = f"redis://127.0.0.1:6379/{redis_db}"
        self.redis_broker = f"redis://127.0.0.1:6379/{redis_db + 1}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))},
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "yiwang.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": self.redis_cache,
            "YIWANG_BROADCAST_URL": self.redis_cache,
            "CELERY_BROKER_URL": self.redis_broker,
            "DJANGO_SECRET_KEY": base64.b64encode(os.urandom(36)).decode(),
            "YIWANG_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "YIWANG_MEDIA_ROOT": str(self.shared_media),
            "YIWANG_BEHIND_PROXY": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "0",
            "DB_PREPARE_THRESHOLD": "5",  # as the production units (deploy/*.service)
            "YIWANG_SSE_HEARTBEAT_SECONDS": "5",
            "WEB_CONCURRENCY": str(args.workers),
        }

    def env_for(self, name: str) -> dict:
        home = self.base / f"home-{name}"  # each "machine" its own YIWANG_HOME
        home.mkdir(exist_ok=True)
        return {**self.env, "YIWANG_HOME": str(home)}

    def run(self, *argv, name="setup", capture=False) -> subprocess.CompletedProcess:
        return subprocess.run(
            list(argv), env=self.env_for(name), check=not capture, capture_output=capture, text=True
        )

    def prepare_database(self, *, reuse: bool) -> dict:
        url = self.args.database_url
        name = url.rsplit("/", 1)[1]
        state = ROOT / "var" / f"scaleout-{name}.json"
        if reuse and state.exists():
            data = json.loads(state.read_text())
            # the keys stored in that database are wrapped with that run's master key
            self.env.update(data["secrets"])
            return data
        if not reuse:
            self._recreate(url, name)
        t0 = time.time()
        self.run(str(BIN / "yiwang"), "migrate", "--no-input", "-v", "0")
        self.run(str(BIN / "yiwang"), "createcachetable")
        print(f"  migrated in {time.time() - t0:.0f} s", flush=True)
        out = self.run(sys.executable, "-c", SETUP, str(self.args.citizens), capture=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        data = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("SETUP="))[6:])
        data["secrets"] = {k: self.env[k] for k in ("DJANGO_SECRET_KEY", "YIWANG_MASTER_KEY")}
        state.parent.mkdir(exist_ok=True)
        state.write_text(json.dumps(data, ensure_ascii=False))
        return data

    @staticmethod
    def _recreate(url: str, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def flush_redis(self) -> None:
        import redis

        for url in (self.redis_cache, self.redis_broker):
            redis.Redis.from_url(url).flushdb()

    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.base / f"{name}.log").open("wb")
        p = subprocess.Popen(
            argv,
            env={**self.env_for(name), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = p
        return p

    def start_app(self, name: str, workers: int | None = None) -> None:
        argv = ["--workers", str(workers)] if workers else []
        self._spawn(
            name,
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:yiwang.gunicorn_conf",
                "-k",
                "uvicorn.workers.UvicornWorker",
                "--bind",
                f"127.0.0.1:{self.ports[name]}",
                *argv,
                "yiwang.asgi:application",
            ],
            # as deploy/yiwang-web@.service: a connection pool per ASGI worker
            env={"DB_POOL_SIZE": "8"},
        )

    def stop(self, name: str) -> None:
        p = self.procs.pop(name)
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=30)

    def start_celery(self) -> None:
        celery = str(BIN / "celery")
        self._spawn(
            "worker", [celery, "-A", "yiwang", "worker", "--loglevel", "WARNING", "--concurrency", "1"]
        )
        schedule = self.base / "home-beat" / "celerybeat-schedule"
        self._spawn(
            "beat", [celery, "-A", "yiwang", "beat", "--loglevel", "WARNING", "--schedule", str(schedule)]
        )

    def nginx_config(self) -> str:
        text = (ROOT / "deploy" / "nginx.conf").read_text()
        d = self.base / "nginx"
        (d / "tmp").mkdir(parents=True, exist_ok=True)
        repl = {
            "pid": f"pid {d}/nginx.pid;",
            "error_log": f"error_log {d}/error.log warn;",
            "access_log": f"access_log {d}/access.log yiwang;",
            "listen": f"listen 127.0.0.1:{self.ports['nginx']};",
            "server a": f"server 127.0.0.1:{self.ports['a']} max_fails=1 fail_timeout=5s;",
            "server b": f"server 127.0.0.1:{self.ports['b']} max_fails=1 fail_timeout=5s;",
            "upstream header": "add_header X-Yiwang-Upstream $upstream_addr always;",
            "events a": f"server 127.0.0.1:{self.ports['a']} max_fails=0;",
            "events b": f"server 127.0.0.1:{self.ports['b']} max_fails=0;",
        }
        lines = []
        for line in text.splitlines():
            m = re.search(r"# scaleout: (.+)$", line)
            if m:
                tag = m.group(1).strip()
                indent = line[: len(line) - len(line.lstrip())]
                if tag == "temp":
                    directive = line.split()[0]
                    line = f"{indent}{directive} {d / 'tmp' / directive.split('_')[0]};"
                elif tag == "upstream header":
                    line = indent + repl[tag]
                else:
                    line = indent + repl[tag]
            lines.append(line)
        conf = self.base / "nginx" / "nginx.conf"
        conf.write_text("\n".join(lines) + "\n")
        return str(conf)

    def start_nginx(self) -> None:
        conf = self.nginx_config()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-t", "-q", "-c", conf], check=True)
        # in the foreground (daemon off) so that it is our child and stops with us
        self._spawn("nginx", [nginx, "-c", conf, "-g", "daemon off;"])

    def wait_ready(self, names, timeout=240.0) -> None:
        deadline = time.time() + timeout
        for name in names:
            while True:
                p = self.procs.get(name)
                if p is not None and p.poll() is not None:
                    raise SystemExit(f"{name} exited; see {self.base / (name + '.log')}")
                ans = request(self.ports[name], "GET", "/api/v1/halls", timeout=5)
                if ans.status == 200:
                    break
                if time.time() > deadline:
                    raise SystemExit(f"{name} did not answer; see {self.base / (name + '.log')}")
                time.sleep(0.5)

    def kill9(self, name: str) -> None:
        p = self.procs[name]
        os.killpg(p.pid, signal.SIGKILL)  # the master and every worker, no goodbye
        p.wait()

    def stop_all(self) -> None:
        for p in reversed(list(self.procs.values())):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for p in self.procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)

    def cpu_seconds(self, names) -> float:
        """utime+stime of these process groups' live processes (and their reaped children)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        pgids = {self.procs[n].pid for n in names if n in self.procs and self.procs[n].poll() is None}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in pgids:  # field 5 (pgrp) of stat, after the name
                total += sum(int(x) for x in fields[11:15]) / tick
        return total


# --- 1. cross-server probes ------------------------------------------------------------------------
def probes(lay: Layout, data: dict) -> dict:
    a, b, n = lay.ports["a"], lay.ports["b"], lay.ports["nginx"]
    out: dict[str, dict] = {}

    def record(name, ok, detail=""):
        out[name] = {"ok": bool(ok), "detail": detail}
        print(f"  probe {name:<28} {'ok' if ok else 'FAILED'} {detail}", flush=True)

    # sessions + CSRF: form from A, login posted to B, queue page read on A and B
    s = Session()
    ans = s.login(a, b, data["clerk"])
    pages = [s.get(a, "/workbench/"), s.get(b, "/workbench/")]
    record(
        "session_across_servers",
        ans.status == 302
        and all(p.status == 200 and "login" not in (p.headers.get("Location") or "") for p in pages),
        f"login {ans.status}, queue on A {pages[0].status}, on B {pages[1].status}",
    )
    clerk = api_login(b, data["clerk"]).json().get("token", "")
    citizen0 = data["citizens"][0]
    token0 = api_login(a, citizen0["username"]).json().get("token", "")

    # login throttle shared: wrong passwords alternately on A and B, then the right one
    target = f"throttle-{uuid.uuid4().hex[:10]}"  # a fresh account: an earlier run's lock lasts 15 min
    lay.run(sys.executable, "-c", NEW_ACCOUNT, target, data["citizens"][0]["username"])
    statuses = [api_login(a if i % 2 else b, target, "wrong-password").status for i in range(5)]
    final = api_login(a, target)
    record(
        "throttle_across_servers",
        all(st == 401 for st in statuses[:4]) and final.status == 429,
        f"failures {statuses}, then right password -> {final.status}",
    )

    # idempotency: one key to A and B at the same moment, then once more through nginx
    body = {
        "item_code": data["item"],
        "form": citizen_form(citizen0),
        "channel": "online",
        "materials": MATERIALS,
    }
    key = f"probe-{uuid.uuid4().hex}"
    before = request(a, "GET", "/api/v1/cases?page_size=1", headers=bearer(token0)).json().get("count")
    results: list[Answer] = []
    threads = [
        threading.Thread(
            target=lambda p: results.append(
                request(
                    p, "POST", "/api/v1/cases", body=body, headers={**bearer(token0), "Idempotency-Key": key}
                )
            ),
            args=(p,),
        )
        for p in (a, b)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    third = request(n, "POST", "/api/v1/cases", body=body, headers={**bearer(token0), "Idempotency-Key": key})
    numbers = {r.json().get("number") for r in [*results, third] if r.status in (200, 201)}
    after = request(b, "GET", "/api/v1/cases?page_size=1", headers=bearer(token0)).json().get("count")
    record(
        "idempotency_across_servers",
        len(numbers) == 1 and None not in numbers and after == before + 1,
        f"statuses {[r.status for r in results]} + {third.status}, numbers {numbers}, cases {before}->{after}",
    )
    number = next(iter(numbers)) if len(numbers) == 1 else None

    # e-ID code: issued on A, checked on B, replayed on A
    code = request(a, "GET", "/api/v1/identity/code", headers=bearer(token0)).json().get("code", "")
    first = request(b, "POST", "/api/v1/identity/verify", body={"code": code}, headers=bearer(clerk))
    replay = request(a, "POST", "/api/v1/identity/verify", body={"code": code}, headers=bearer(clerk))
    record(
        "eid_one_time_across_servers",
        first.status == 200
        and first.json().get("valid") is True
        and mask_ok(first.json()["person"]["id_number_masked"], citizen0["id_number"])
        and 400 <= replay.status < 500,
        f"check {first.status}, replay {replay.status} {replay.json().get('code') if replay.body[:1] == b'{' else ''}",
    )

    # uploads: a material through A, read back through B (the citizen's page session)
    ok_upload, detail = False, ""
    if number:
        payload, ctype = multipart({"code": "site_plan"}, {"file": ("平面图.pdf", UPLOAD, "application/pdf")})
        up = request(  # the window clerk adds a scanned material to the submitted case
            a,
            "POST",
            f"/api/v1/cases/{number}/materials",
            body=payload,
            headers={**bearer(clerk), "Content-Type": ctype},
        )
        cs = Session()
        cs.login(b, b, citizen0["username"])
        page = cs.get(b, f"/my/cases/{number}/")
        links = re.findall(rf"/cases/{number}/materials/(\d+)/".encode(), page.body)
        got = [cs.get(b, f"/cases/{number}/materials/{int(pk)}/") for pk in sorted(set(links), key=int)]
        want = hashlib.sha256(UPLOAD).hexdigest()
        ok_upload = (
            up.status == 201
            and up.json().get("sha256") == want
            and any(hashlib.sha256(g.body).hexdigest() == want for g in got if g.status == 200)
        )
        detail = f"upload on A {up.status}; {len(got)} materials read on B"
    record("upload_shared_folder", ok_upload, detail)

    # hall events: a stream on A, the call made on B
    screen = Screen(a, data["hall"], "probe")
    screen.start()
    screen.ready.wait(15)
    ticket = request(
        b,
        "POST",
        f"/api/v1/halls/{data['hall']}/tickets",
        body={"business": "general", "id_number": citizen0["id_number"]},
        headers={**bearer(clerk), "Idempotency-Key": uuid.uuid4().hex},
    )
    call = request(
        b, "POST", f"/api/v1/windows/{data['window']}/calls", body={"action": "next"}, headers=bearer(clerk)
    )
    called = (call.json().get("ticket") or {}).get("number") if call.status == 200 else None
    deadline = time.time() + 10
    while time.time() < deadline and called not in screen.calls:
        time.sleep(0.05)
    screen.stop()
    record(
        "hall_events_across_servers",
        called is not None and called in screen.calls,
        f"ticket {ticket.status}, call {call.status} {called}, stream on A saw {sorted(screen.calls)[-3:]}",
    )
    out["_case"] = {"ok": True, "detail": number or ""}
    return out


# --- SSE screens (threads, raw sockets: http.client does not stream lines) ------------------------
class Screen(threading.Thread):
    def __init__(self, port: int, hall: str, name: str):
        super().__init__(daemon=True)
        self.port, self.hall, self.name = port, hall, name
        self.calls: dict[str, int] = {}
        self.last_id = ""
        self.ready = threading.Event()
        self.connections = 0
        self.refused = 0
        self._status_checked = False
        self.upstreams: list[str] = []
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()

    def connections_ok_seen(self, first: bytes) -> bool:
        """The first bytes of an answer: its status line must say 200."""
        if self._status_checked:
            return True
        self._status_checked = True
        return first.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200"))

    def run(self):
        while not self._halt.is_set():
            with contextlib.suppress(OSError):
                self._once()
            if not self._halt.is_set():
                time.sleep(0.5)  # EventSource's retry

    def _once(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.settimeout(1.0)
            extra = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id else ""
            sock.sendall(
                f"GET /api/v1/halls/{self.hall}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Accept: text/event-stream\r\n{extra}\r\n".encode()
            )
            self.connections += 1
            self._status_checked = False
            buf = b""
            event, event_id = "", ""
            while not self._halt.is_set():
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                if not buf and not self.connections_ok_seen(chunk):
                    self.refused += 1  # EventSource: a non-200 answer fails the stream for good
                    self._halt.set()
                    return
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    text = raw.decode(errors="replace").rstrip("\r")
                    if text.lower().startswith("x-yiwang-upstream:"):
                        self.upstreams.append(text.split(":", 1)[1].strip())
                    if text.startswith("id:"):
                        event_id = text[3:].strip()
                    elif text.startswith("event:"):
                        event = text[6:].strip()
                    elif text.startswith("data:"):
                        if event_id:
                            self.last_id = event_id
                        if event == "state":
                            self.ready.set()
                        elif event == "call":
                            number = json.loads(text[5:]).get("number")
                            self.calls[number] = self.calls.get(number, 0) + 1
                    elif text == "":
                        event, event_id = "", ""


# --- 2. the flows under load -------------------------------------------------------------------------
MATERIALS: list[dict] = []
UPLOAD = b"%PDF-1.4\n% scale-out upload\n" + os.urandom(2048) + b"\n%%EOF\n"


def citizen_form(c: dict) -> dict:
    return {
        "applicant.name": c["name"],
        "applicant.id_number": c["id_number"],
        "applicant.phone": "13800138000",
        "premises.address": "武汉市江岸区沿江大道100号",
        **FORM_EXTRA,
    }


FORM_EXTRA: dict = {}


def _user_loop(index, port, data, gate, out, extra):
    """One virtual user: a citizen (own login) and the clerk (session + token), flows back to back.
    The logins (Argon2, seconds on a loaded machine) happen before the measured window opens."""
    global MATERIALS, FORM_EXTRA
    MATERIALS, FORM_EXTRA = extra["materials"], extra["form_extra"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c = data["citizens"][index % len(data["citizens"])]
    stats = {
        "requests": 0,
        "failed": 0,
        "retried_ok": 0,
        "flows": 0,
        "upstreams": {},
        "samples": [],
        "lat": [],
    }

    def call(name, method, path, check, **kw):
        t0 = time.time()
        ans = request(conn, method, path, **kw)
        stats["requests"] += 1
        stats["lat"].append(time.time() - t0)
        up = ans.upstream.split(",")[-1].strip() if ans.upstream else f"direct:{port}"
        stats["upstreams"][up] = stats["upstreams"].get(up, 0) + 1
        try:
            good = ans.status != 0 and check(ans)
        except Exception as exc:  # a malformed answer is a wrong answer
            good, ans.body = False, ans.body + f" ({exc})".encode()
        if not good:
            stats["failed"] += 1
            if len(stats["samples"]) < 5:
                stats["samples"].append(f"{name}: {ans.status} {ans.body[:160]!r}")
        return ans, good

    logins = [api_login(port, c["username"]), api_login(port, data["clerk"])]
    token, clerk = (x.json().get("token", "") if x.status == 200 else "" for x in logins)
    sess = Session()
    page_login = sess.login(port, port, data["clerk"])
    stats["login_failures"] = sum(1 for x in logins if x.status != 200) + int(page_login.status != 302)
    barrier, window = gate
    barrier.wait(timeout=600)
    while window.value == 0:
        time.sleep(0.005)
    stop_at = window.value
    auth, cauth = bearer(token), bearer(clerk)
    body = {"item_code": data["item"], "form": citizen_form(c), "channel": "online", "materials": MATERIALS}
    while time.time() < stop_at:
        key = uuid.uuid4().hex
        ans, ok = call(
            "submit",
            "POST",
            "/api/v1/cases",
            lambda r: r.status == 201 and r.json()["number"],
            body=body,
            headers={**auth, "Idempotency-Key": key},
        )
        if not ok and ans.status in (0, 502, 503, 504):  # the client's own retry, same key
            ans, ok2 = call(
                "submit-retry",
                "POST",
                "/api/v1/cases",
                lambda r: r.status in (200, 201) and r.json()["number"],
                body=body,
                headers={**auth, "Idempotency-Key": key},
            )
            stats["retried_ok"] += int(ok2)
            ok = ok2
        if not ok:
            continue
        number = ans.json()["number"]
        call(
            "idempotent-retry",
            "POST",
            "/api/v1/cases",
            lambda r, number=number: r.status in (200, 201) and r.json()["number"] == number,
            body=body,
            headers={**auth, "Idempotency-Key": key},
        )
        payload, ctype = multipart({"code": "site_plan"}, {"file": ("平面图.pdf", UPLOAD, "application/pdf")})
        call(
            "upload",
            "POST",
            f"/api/v1/cases/{number}/materials",
            lambda r: r.status == 201 and r.json()["sha256"] == extra["upload_sha"],
            body=payload,
            headers={
                **cauth,
                "Content-Type": ctype,
                "Idempotency-Key": uuid.uuid4().hex,
            },  # a clerk scans it in
        )
        call(
            "detail",
            "GET",
            f"/api/v1/cases/{number}",
            lambda r, number=number: r.status == 200 and r.json()["number"] == number,
            headers=auth,
        )
        call(
            "my-cases",
            "GET",
            "/api/v1/cases?page_size=5",
            lambda r: r.status == 200 and r.json()["count"] >= 1,
            headers=auth,
        )
        code_ans, ok = call(
            "eid-code",
            "GET",
            "/api/v1/identity/code",
            lambda r: r.status == 200 and r.json()["code"],
            headers=auth,
        )
        if ok:
            code = code_ans.json()["code"]
            call(
                "eid-check",
                "POST",
                "/api/v1/identity/verify",
                lambda r: (
                    r.status == 200
                    and r.json()["valid"] is True
                    and mask_ok(r.json()["person"]["id_number_masked"], c["id_number"])
                ),
                body={"code": code},
                headers={**cauth, "Idempotency-Key": uuid.uuid4().hex},
            )
            call(
                "eid-replay",
                "POST",
                "/api/v1/identity/verify",
                lambda r: 400 <= r.status < 500,
                body={"code": code},
                headers={**cauth, "Idempotency-Key": uuid.uuid4().hex},
            )
        call(
            "staff-queue",
            "GET",
            "/workbench/",
            lambda r: r.status == 200 and b"/workbench/cases/" in r.body,
            headers=sess.headers(),
        )
        call(
            "staff-case",
            "GET",
            f"/workbench/cases/{number}/",
            lambda r, number=number: r.status == 200 and number.encode() in r.body,
            headers=sess.headers(),
        )
        stats["flows"] += 1
    conn.close()
    lat = sorted(stats.pop("lat"))
    stats["p50_ms"] = 1000 * lat[len(lat) // 2] if lat else None
    stats["p99_ms"] = 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else None
    stats["lat_ms"] = [round(1000 * x, 1) for x in lat]
    out.put(stats)


def drive(port: int, data: dict, *, users: int, duration: float, extra: dict, during=None) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    barrier, window = ctx.Barrier(users + 1), ctx.Value("d", 0.0)
    procs = [
        ctx.Process(target=_user_loop, args=(i, port, data, (barrier, window), q, extra), daemon=True)
        for i in range(users)
    ]
    for p in procs:
        p.start()
    barrier.wait(timeout=600)  # every user logged in
    start = time.time()
    stop_at = window.value = start + duration
    if during:
        during(start, stop_at)
    parts = [q.get(timeout=duration + 300) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    wall = time.time() - start
    lat = sorted(x for s in parts for x in s["lat_ms"])
    total = {
        "users": users,
        "duration_s": round(wall, 1),
        "requests": sum(s["requests"] for s in parts),
        "failed": sum(s["failed"] for s in parts),
        "login_failures": sum(s["login_failures"] for s in parts),
        "client_retries_ok": sum(s["retried_ok"] for s in parts),
        "flows": sum(s["flows"] for s in parts),
        "upstreams": {},
        "samples": [x for s in parts for x in s["samples"]][:8],
        "p50_ms": lat[len(lat) // 2] if lat else None,
        "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else None,
    }
    for s in parts:
        for k, v in s["upstreams"].items():
            total["upstreams"][k] = total["upstreams"].get(k, 0) + v
    total["req_per_s"] = round(total["requests"] / wall, 1)
    total["flows_per_s"] = round(total["flows"] / wall, 2)
    total["failed_share"] = total["failed"] / total["requests"] if total["requests"] else 1.0
    return total


def measured(lay: Layout, label: str, port: int, data, args, extra, servers) -> dict:
    cpu0 = lay.cpu_seconds(servers)
    load0 = os.getloadavg()
    res = drive(port, data, users=args.users, duration=args.duration, extra=extra)
    res["server_cpu_s"] = round(lay.cpu_seconds(servers) - cpu0, 2)
    res["server_cpu_ms_per_request"] = round(1000 * res["server_cpu_s"] / max(1, res["requests"]), 2)
    res["load_avg_before"] = [round(x, 2) for x in load0]
    res["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(
        f"  {label:<22} {res['req_per_s']:7.1f} req/s {res['flows_per_s']:6.2f} flows/s  p50 {res['p50_ms']} ms  "
        f"p99 {res['p99_ms']} ms  failed {res['failed']}/{res['requests']}  "
        f"srv CPU {res['server_cpu_ms_per_request']} ms/req  upstreams {res['upstreams']}  "
        f"load {res['load_avg_after'][0]}",
        flush=True,
    )
    for s in res["samples"]:
        print(f"    wrong answer: {s}")
    return res


# --- 3. kill -9 under load --------------------------------------------------------------------------
def kill_run(lay: Layout, data, args, extra) -> dict:
    n = lay.ports["nginx"]
    screens = [Screen(n, data["hall"], f"screen{i}") for i in range(args.screens)]
    for s in screens:
        s.start()
    for s in screens:
        s.ready.wait(15)
    clerk = api_login(n, data["clerk"]).json().get("token", "")
    called: list[str] = []
    caller_errors: list[str] = []
    stop = threading.Event()

    def caller():
        conn = http.client.HTTPConnection("127.0.0.1", n, timeout=30)
        i = 0
        while not stop.is_set():
            i += 1
            t = request(
                conn,
                "POST",
                f"/api/v1/halls/{data['hall']}/tickets",
                body={
                    "business": "general",
                    "id_number": data["citizens"][i % len(data["citizens"])]["id_number"],
                },
                headers={**bearer(clerk), "Idempotency-Key": uuid.uuid4().hex},
            )
            c = request(
                conn,
                "POST",
                f"/api/v1/windows/{data['window']}/calls",
                body={"action": "next"},
                headers={**bearer(clerk), "Idempotency-Key": uuid.uuid4().hex},
            )
            if c.status == 200 and c.json().get("ticket"):
                called.append(c.json()["ticket"]["number"])
            elif t.status not in (200, 201) or c.status != 200:
                caller_errors.append(f"ticket {t.status} call {c.status} {c.body[:100]!r}")
            stop.wait(args.call_interval)
        conn.close()

    th = threading.Thread(target=caller, daemon=True)
    th.start()
    killed_at = {}

    def during(start, stop_at):
        # kill -9 B at 25 %; start it again at once (it boots while A serves); once it answers,
        # and not before 65 %, kill -9 A: both directions, one server down at a time
        span = stop_at - start
        time.sleep(max(0.0, start + 0.25 * span - time.time()))
        lay.kill9("b")
        killed_at["b"] = round(time.time() - start, 1)
        print(f"  kill -9 server B (master and workers) at {killed_at['b']} s", flush=True)
        lay.start_app("b")
        lay.wait_ready(["b"])
        killed_at["b_back"] = round(time.time() - start, 1)
        print(f"  server B answers again at {killed_at['b_back']} s", flush=True)
        time.sleep(max(0.0, start + 0.65 * span - time.time()))
        if time.time() < stop_at - 3:
            lay.kill9("a")
            killed_at["a"] = round(time.time() - start, 1)
            print(f"  kill -9 server A (master and workers) at {killed_at['a']} s", flush=True)

    load0 = os.getloadavg()
    res = drive(n, data, users=args.users, duration=args.kill_duration, extra=extra, during=during)
    stop.set()
    th.join(timeout=35)
    time.sleep(3)  # the last calls reach the screens
    for s in screens:
        s.stop()
    lost = {s.name: [c for c in called if c not in s.calls] for s in screens}
    dup = {s.name: [c for c, k in s.calls.items() if k > 1] for s in screens}
    res.update(
        killed_at_s=killed_at,
        load_avg_before=[round(x, 2) for x in load0],
        load_avg_after=[round(x, 2) for x in os.getloadavg()],
        calls=len(called),
        caller_errors=caller_errors[:5],
        screens=len(screens),
        screen_connections=[s.connections for s in screens],
        screens_refused=sum(s.refused for s in screens),
        screens_missing_calls=sum(len(v) for v in lost.values()),
        screens_duplicate_calls=sum(len(v) for v in dup.values()),
    )
    print(
        f"  kill run: failed {res['failed']}/{res['requests']} = {100 * res['failed_share']:.3f} %  "
        f"(client retries that then succeeded: {res['client_retries_ok']}); upstreams {res['upstreams']}",
        flush=True,
    )
    print(
        f"  screens: {len(called)} calls, {res['screens_missing_calls']} missing, {res['screens_duplicate_calls']} "
        f"duplicated over {len(screens)} screens (connections {res['screen_connections']}, refused "
        f"{res['screens_refused']})",
        flush=True,
    )
    for s in res["samples"]:
        print(f"    failed: {s}")
    res["nginx"] = nginx_log_summary(lay)
    print(f"  nginx: {res['nginx']}")
    return res


def nginx_log_summary(lay: Layout) -> dict:
    """From the access log (every phase through nginx): requests nginx sent to a second server,
    and answers of 5xx it gave."""
    retried = errors = total = 0
    for line in (lay.base / "nginx" / "access.log").read_text().splitlines():
        total += 1
        m = re.search(r" up=(.*?) upstatus=", line)
        if m and "," in m.group(1):
            retried += 1
        st = re.search(r'" (\d{3}) ', line)
        if st and st.group(1).startswith("5"):
            errors += 1
    return {"requests": total, "sent_to_second_server": retried, "answered_5xx": errors}


# --- 4. the ledger ------------------------------------------------------------------------------------
def ledger_check(lay: Layout, data, number: str | None) -> dict:
    a = lay.ports["nginx"]  # whichever server is up
    token = api_login(a, data["citizens"][0]["username"]).json().get("token", "")
    pending = None
    deadline = time.time() + 90
    while time.time() < deadline and number:
        ans = request(a, "GET", f"/api/v1/cases/{number}/receipts", headers=bearer(token))
        body = ans.json() if ans.status == 200 else {}
        items = body.get("items", body.get("receipts", []))
        pending = sum(1 for r in items if r.get("pending") or r.get("status") == "pending")
        if ans.status == 200 and items and pending == 0:
            break
        time.sleep(2)
    verify = lay.run(str(BIN / "yiwang"), "ledger", "verify", capture=True)
    ok = verify.returncode == 0 and pending == 0
    print(
        f"  ledger: receipts pending {pending}; verify exit {verify.returncode}: {verify.stdout.strip()[-200:]}"
    )
    return {"ok": ok, "pending": pending, "verify_rc": verify.returncode, "verify_out": verify.stdout[-500:]}


# --- main ----------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    ap.add_argument("--redis-db", type=int, default=11, help="cache/events db; the broker uses the next one")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes per app server")
    ap.add_argument("--users", type=int, default=8, help="virtual users (client processes)")
    ap.add_argument("--citizens", type=int, default=16)
    ap.add_argument("--duration", type=float, default=40.0, help="seconds per load phase")
    ap.add_argument("--screens", type=int, default=6, help="hall screens during the kill run")
    ap.add_argument("--call-interval", type=float, default=0.5)
    ap.add_argument("--kill-duration", type=float, default=120.0, help="seconds of the kill run")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved throughput rounds (medians)")
    ap.add_argument("--reuse-db", action="store_true", help="reuse the database of an earlier run")
    ap.add_argument("--ci", action="store_true", help="reduced form: 1 worker each, short phases, assertions")
    ap.add_argument("--max-failed-share", type=float, default=0.001, help="kill run goal (0.1 %%)")
    args = ap.parse_args(argv)
    if args.ci:
        args.workers, args.users, args.duration, args.citizens, args.screens = 1, 4, 15.0, 4, 3
        args.rounds, args.kill_duration = 1, 40.0
        args.max_failed_share = max(args.max_failed_share, 0.02)  # a few hundred requests only
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx)")

    base = Path(tempfile.mkdtemp(prefix="yiwang-scaleout-"))
    lay = Layout(args, base)
    print(f"scale-out run in {base}; ports {lay.ports}; load average {os.getloadavg()}", flush=True)
    sys.path.insert(0, str(ROOT / "src"))
    from yiwang.core.testing import FORM_SCHEMA, good_form, good_materials  # noqa: F401 - plain data

    form = good_form()
    extra = {
        "materials": good_materials(),
        "form_extra": {k: v for k, v in form.items() if not k.startswith("applicant.")},
        "upload_sha": hashlib.sha256(UPLOAD).hexdigest(),
    }
    global MATERIALS, FORM_EXTRA
    MATERIALS, FORM_EXTRA = extra["materials"], extra["form_extra"]
    record: dict = {
        "at": datetime.now().astimezone().isoformat(),
        "cpu_count": os.cpu_count(),
        "args": dict(vars(args)),
    }
    record["args"].pop("database_url")
    try:
        t0 = time.time()
        data = lay.prepare_database(reuse=args.reuse_db)
        lay.flush_redis()
        print(f"database ready in {time.time() - t0:.0f} s", flush=True)
        lay.start_app("a")
        lay.start_app("b")
        lay.start_celery()
        lay.start_nginx()
        lay.wait_ready(["a", "b", "nginx"])
        print(f"layout up in {time.time() - t0:.0f} s; load average {os.getloadavg()}", flush=True)

        print("1. cross-server probes")
        record["probes"] = probes(lay, data)
        print("2. throughput: A alone, one server with both servers' workers, nginx -> A + B (interleaved)")
        lay.start_app("solo", workers=2 * args.workers)
        lay.wait_ready(["solo"])
        setups = {
            "single": ("A alone", lay.ports["a"], ["a"]),
            "solo": (f"one server x{2 * args.workers}", lay.ports["solo"], ["solo"]),
            "pair": ("nginx -> A + B", lay.ports["nginx"], ["a", "b", "nginx"]),
        }
        rounds = []
        for r in range(args.rounds):
            order = list(setups) if r % 2 == 0 else list(reversed(setups))
            rounds.append(
                {k: measured(lay, setups[k][0], setups[k][1], data, args, extra, setups[k][2]) for k in order}
            )
        lay.stop("solo")
        record["rounds"] = rounds
        for k in setups:
            runs = [r[k] for r in rounds]
            record[k] = {
                "req_per_s": statistics.median(x["req_per_s"] for x in runs),
                "flows_per_s": statistics.median(x["flows_per_s"] for x in runs),
                "p50_ms": statistics.median(x["p50_ms"] for x in runs),
                "p99_ms": statistics.median(x["p99_ms"] for x in runs),
                "server_cpu_ms_per_request": statistics.median(x["server_cpu_ms_per_request"] for x in runs),
                "requests": sum(x["requests"] for x in runs),
                "failed": sum(x["failed"] for x in runs),
                "login_failures": sum(x["login_failures"] for x in runs),
                "upstreams": runs[-1]["upstreams"],
            }
        s, o, p = record["single"], record["solo"], record["pair"]
        for name, base_ in (("single", s), ("solo", o)):
            record[f"pair_vs_{name}_throughput"] = round(p["req_per_s"] / base_["req_per_s"], 3)
            record[f"pair_vs_{name}_cpu_per_request"] = round(
                p["server_cpu_ms_per_request"] / base_["server_cpu_ms_per_request"], 3
            )
        print(
            f"  medians over {args.rounds} rounds: A alone {s['req_per_s']} req/s {s['server_cpu_ms_per_request']} "
            f"ms CPU/req; one server x{2 * args.workers} {o['req_per_s']} req/s {o['server_cpu_ms_per_request']} "
            f"ms/req; nginx -> A + B {p['req_per_s']} req/s {p['server_cpu_ms_per_request']} ms/req"
        )
        print(
            f"  pair / A alone: throughput {record['pair_vs_single_throughput']}x, CPU per request "
            f"{record['pair_vs_single_cpu_per_request']}x; pair / one server with as many workers: throughput "
            f"{record['pair_vs_solo_throughput']}x, CPU per request {record['pair_vs_solo_cpu_per_request']}x"
        )
        print("3. kill -9 of server B, then of server A, under load through nginx")
        record["kill"] = kill_run(lay, data, args, extra)
        print("4. ledger")
        record["ledger"] = ledger_check(lay, data, record["probes"]["_case"]["detail"])
    finally:
        lay.stop_all()
        with contextlib.suppress(Exception):  # cleaning up only
            lay.flush_redis()
    record["load_avg_end"] = os.getloadavg()

    checks = {
        "probes": all(v["ok"] for v in record["probes"].values()),
        "no_wrong_answers_single": record["single"]["failed"] == 0 and record["single"]["requests"] > 0,
        "no_wrong_answers_pair": record["pair"]["failed"] == 0 and record["pair"]["requests"] > 0,
        "no_wrong_answers_solo": record["solo"]["failed"] == 0 and record["solo"]["requests"] > 0,
        "logins": all(record[k]["login_failures"] == 0 for k in ("single", "solo", "pair")),
        "both_servers_answered": sum(1 for k in record["pair"]["upstreams"] if not k.startswith("direct"))
        >= 2,
        "kill_failed_share": record["kill"]["failed_share"] < args.max_failed_share,
        "screens_lost_nothing": record["kill"]["screens_missing_calls"] == 0
        and record["kill"]["screens_refused"] == 0
        and record["kill"]["calls"] > 0,
        "ledger": record["ledger"]["ok"],
    }
    record["checks"] = checks
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"scaleout-{datetime.now().strftime('%Y%m%dT%H%M%S')}{'-ci' if args.ci else ''}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str))
    print(f"\nchecks: {json.dumps(checks)}\nresults: {path.relative_to(ROOT)}; logs in {base}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
