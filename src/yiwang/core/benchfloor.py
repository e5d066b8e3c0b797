"""The benchmark floor (bench/run.py, docs/benchmarks.md): the cheapest Django views that still do
one database write or one primary-key read through the same server, middleware and database as
the real endpoints. The real endpoints are reported as a ratio of these.

Besides the one-row floors, three *same-writes* floors (issue 22) write what the real request
writes, with raw SQL in one transaction and no application code: `submit` (a case's rows, its
files, three pending ledger entries and the idempotency record), `gateway` (a register read, the
access record and its ledger entry) and `eid-check` (a raw Ed25519 sign+verify, the check row
with its one-time nonce and its ledger entry). They copy the columns of a template row the real
path wrote (named in the request), so the rows are as wide as the real ones. Tables are named as
strings: core imports no higher app.

Mounted under /bench/floor/ only when YIWANG_BENCH_FLOOR is set (see yiwang.urls); never in a
normal deployment. No authentication on purpose: the floor measures the platform's fixed cost
(server, Django, one round trip to the database), not the application's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

TABLE = "bench_floor"


def ensure_table() -> None:
    """Create the floor table with raw SQL if it is missing (it is not a model: no migration)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL)"
            )
        else:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(id integer PRIMARY KEY AUTOINCREMENT, payload text NOT NULL, created_at text NOT NULL)"
            )


def drop_table() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _now_sql() -> str:
    return "now()" if connection.vendor == "postgresql" else "datetime('now')"


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> JsonResponse:
    """Insert one row (the request body, at most 4 KiB, as payload) and return its id."""
    payload = request.body[:4096].decode("utf-8", "replace")
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {TABLE} (payload, created_at) VALUES (%s, {_now_sql()}) RETURNING id",  # noqa: S608
            [payload],
        )
        row_id = cur.fetchone()[0]
    return JsonResponse({"id": row_id}, status=201)


@require_GET
def floor_read(request: HttpRequest, row_id: int) -> JsonResponse:
    """Read one row by primary key."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, payload, created_at FROM {TABLE} WHERE id = %s", [row_id])  # noqa: S608
        row = cur.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found", "message": "记录不存在"}, status=404)
    return JsonResponse({"id": row[0], "payload": row[1], "created_at": str(row[2])})


# --- same-writes floors --------------------------------------------------------------------------
_TEMPLATES: dict[tuple, tuple[list[str], list[tuple]]] = {}  # per process: (table, key) -> rows


def _template(table: str, where: str, value: object) -> tuple[list[str], list[tuple]]:
    """Columns (without `id`) and rows of a template row set, read once per process."""
    key = (connection.vendor, table, where, value)
    hit = _TEMPLATES.get(key)
    if hit is None:
        with connection.cursor() as cur:
            cur.execute(f"SELECT * FROM {table} WHERE {where} = %s ORDER BY id", [value])  # noqa: S608
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        keep = [i for i, c in enumerate(cols) if c != "id"]
        hit = _TEMPLATES[key] = ([cols[i] for i in keep], [tuple(r[i] for i in keep) for r in rows])
    return hit


def _adapt(value: object) -> object:
    """A template value back as a parameter (PostgreSQL returns jsonb as Python objects)."""
    if isinstance(value, (dict, list)):
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return json.dumps(value, ensure_ascii=False)
    return value


def _insert(cur, table: str, cols: list[str], values: list, *, returning: bool = True) -> int | None:
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in cols)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(cols))})" + (" RETURNING id" if returning else "")
    )
    cur.execute(sql, [_adapt(v) for v in values])
    return cur.fetchone()[0] if returning else None


def _copy(cur, table: str, template: tuple[list[str], list[tuple]], over: dict, *, row: int = 0) -> int:
    cols, rows = template
    values = [over.get(c, v) for c, v in zip(cols, rows[row], strict=True)]
    return _insert(cur, table, cols, values)


def _ledger_append(cur, *, kind: str, payload: dict, now) -> int:
    """One pending ledger entry: salted payload digest, canonical entry bytes, raw INSERT."""
    salt = os.urandom(16)
    payload_json = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    digest = hashlib.sha256(salt + payload_json).hexdigest()
    subject = hashlib.sha256(os.urandom(16)).hexdigest()
    entry = json.dumps(
        {"kind": kind, "subject": subject, "payload": digest, "at": now.isoformat()},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    cur.execute(
        "INSERT INTO ledger_pendingentry (kind, entry, payload, salt, created_at) "  # noqa: S608
        f"VALUES (%s, %s, {json_param}, %s, %s) RETURNING id",
        [kind, entry, payload_json.decode(), salt, connection.ops.adapt_datetimefield_value(now)],
    )
    return cur.fetchone()[0]


def _case_number(cur, region: str) -> str:
    if connection.vendor == "postgresql":
        cur.execute("SELECT nextval('cases_case_number_seq')")
        seq = cur.fetchone()[0]
    else:
        cur.execute("INSERT INTO cases_casenumber DEFAULT VALUES RETURNING id")
        seq = cur.fetchone()[0]
    return f"{region}{timezone.localdate():%Y%m%d}{seq:08d}"


@csrf_exempt
@require_POST
def floor_submit(request: HttpRequest) -> JsonResponse:
    """The rows and files of an online submission, copied from the case `?like=<number>`: the
    idempotency record, the case (number from the same sequence), its parties, one material row
    and file per uploaded material (base64 in the JSON body, as the API takes them), two events,
    the receipt notice and three pending ledger entries — raw SQL, one transaction."""
    body = json.loads(request.body)
    like = request.GET["like"]
    case_t = _template("cases_case", "number", like)
    case_id_t = _template_id("cases_case", like)
    parties_t = _template("cases_caseparty", "case_id", case_id_t)
    events_t = _template("cases_caseevent", "case_id", case_id_t)
    notice_t = _template("cases_notice", "case_id", case_id_t)
    materials_t = _template("cases_casematerial", "case_id", case_id_t)
    uploads = []
    for m in body.get("materials") or []:
        data = base64.b64decode(m["content_base64"], validate=True)
        uploads.append((m["code"], m.get("name") or m["code"], data, hashlib.sha256(data).hexdigest()))
    now = timezone.now()
    today = timezone.localdate()
    media = Path(settings.MEDIA_ROOT)
    written = []
    with transaction.atomic(), connection.cursor() as cur:
        number = _case_number(cur, like[:6])
        case_id = _copy(
            cur,
            "cases_case",
            case_t,
            {
                "number": number,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "received_on": today,
                "ledger_salt": os.urandom(16).hex(),
            },
        )
        for i in range(len(parties_t[1])):
            _copy(cur, "cases_caseparty", parties_t, {"case_id": case_id}, row=i)
        names = []
        m_cols, m_rows = materials_t
        uploader = m_rows[0][m_cols.index("uploaded_by_id")]
        for code, name, data, digest in uploads:
            rel = f"cases/{now:%Y/%m}/{number}-{digest[:16]}.{name.rsplit('.', 1)[-1].lower()}"
            path = media / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                f = path.open("xb")
            except FileExistsError:  # as the storage's get_available_name: another name
                rel = f"{rel.rsplit('.', 1)[0]}_{os.urandom(4).hex()}.{rel.rsplit('.', 1)[1]}"
                path = media / rel
                f = path.open("xb")
            with f:
                f.write(data)
            written.append(path)
            values = {
                "case_id": case_id,
                "material_code": code,
                "file": rel,
                "original_name": name,
                "content_type": "application/octet-stream",
                "size": len(data),
                "sha256": digest,
                "uploaded_by_id": uploader,
                "uploaded_at": now,
            }
            _insert(cur, "cases_casematerial", list(values), list(values.values()), returning=False)
            names.append(name)
        e_cols = events_t[0]
        for i, row in enumerate(events_t[1]):
            action = row[e_cols.index("action")]
            entry = _ledger_append(
                cur, kind=f"case.{action}", payload={"case": number, "seq": i + 1}, now=now
            )
            _copy(
                cur,
                "cases_caseevent",
                events_t,
                {"case_id": case_id, "at": now, "ledger_entry": entry},
                row=i,
            )
        entry = _ledger_append(cur, kind="notice.issued", payload={"notice": f"{number}-01"}, now=now)
        _copy(
            cur,
            "cases_notice",
            notice_t,
            {
                "case_id": case_id,
                "number": f"{number}-01",
                "issued_at": now,
                "ledger_entry": entry,
                "data": {"materials": names},
            },
        )
        answer = {"number": number, "id": case_id, "materials": names}
        _insert(
            cur,
            "core_idempotencyrecord",
            ["owner_key", "key", "scope", "request_hash", "status_code", "response", "created_at"],
            [
                "floor",
                request.headers.get("Idempotency-Key") or uuid.uuid4().hex,
                "POST /bench/floor/submit",
                hashlib.sha256(request.body).hexdigest(),
                201,
                answer,
                now,
            ],
            returning=False,
        )
    return JsonResponse(answer, status=201)


def _template_id(table: str, number: str) -> int:
    key = (connection.vendor, table, "id-of", number)
    hit = _TEMPLATES.get(key)
    if hit is None:
        with connection.cursor() as cur:
            cur.execute(f"SELECT id FROM {table} WHERE number = %s", [number])  # noqa: S608
            hit = _TEMPLATES[key] = cur.fetchone()[0]
    return hit


@csrf_exempt
@require_POST
def floor_gateway(request: HttpRequest) -> JsonResponse:
    """A data-exchange query's floor: the register row of `{"resource", "id_number",
    "elements"}` by its lookup hash (sensitive values decrypted), then the access record (copied
    from the record `?like=<uid>`) and its ledger entry — raw SQL, one transaction."""
    from yiwang.core import keys

    body = json.loads(request.body)
    like = uuid.UUID(request.GET["like"])
    record_t = _template(
        "exchange_accessrecord", "uid", like if connection.vendor == "postgresql" else like.hex
    )
    subject_hash = keys.lookup_hash(body["id_number"], kind="id_number")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT r.id, g.{connection.ops.quote_name('values')} FROM exchange_dataresource r "  # noqa: S608
            "JOIN exchange_registerrecord g ON g.resource_id = r.id WHERE r.code = %s AND g.subject_hash = %s",
            [body["resource"], subject_hash],
        )
        row = cur.fetchone()
    if row is None:
        return JsonResponse({"code": "not_found", "message": "记录不存在"}, status=404)
    stored = json.loads(row[1]) if isinstance(row[1], (str, bytes)) else row[1]
    values = {}
    for code in body["elements"]:
        v = stored.get(code)
        values[code] = (
            keys.decrypt(v, context=f"exchange:{body['resource']}:{code}") if keys.is_encrypted(v) else v
        )
    now = timezone.now()
    uid = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cur:
        entry = _ledger_append(cur, kind="exchange.query", payload={"record": str(uid)}, now=now)
        _copy(
            cur,
            "exchange_accessrecord",
            record_t,
            {
                "uid": uid if connection.vendor == "postgresql" else uid.hex,
                "at": now,
                "subject_hash": subject_hash,
                "ledger_entry": entry,
                "ledger_salt": os.urandom(16).hex(),
            },
        )
    return JsonResponse({"data": values, "record": str(uid)}, json_dumps_params={"ensure_ascii": False})


_ED25519: list = []


@csrf_exempt
@require_POST
def floor_eid_check(request: HttpRequest) -> JsonResponse:
    """An e-ID check's floor: a raw Ed25519 sign + verify of a 55-byte message (key objects made
    once per process), then the check row with a fresh one-time nonce (unique index), copied from
    the check `?like=<id>`, and its ledger entry — raw SQL, one transaction."""
    if not _ED25519:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        sk = Ed25519PrivateKey.generate()
        _ED25519.extend([sk, sk.public_key()])
    sk, pk = _ED25519
    message = os.urandom(55)
    pk.verify(sk.sign(message), message)  # raises InvalidSignature: never here
    check_t = _template("identity_identitycheck", "id", int(request.GET["like"]))
    now = timezone.now()
    nonce = os.urandom(12).hex()
    with transaction.atomic(), connection.cursor() as cur:
        entry = _ledger_append(cur, kind="identity.verified", payload={"nonce": nonce}, now=now)
        check_id = _copy(
            cur,
            "identity_identitycheck",
            check_t,
            {
                "at": now,
                "nonce": nonce,
                "code_issued_at": now,
                "ledger_entry": entry,
                "ledger_salt": os.urandom(16).hex(),
            },
        )
    return JsonResponse({"valid": True, "check": check_id})


urlpatterns = [
    path("insert", floor_insert, name="bench-floor-insert"),
    path("rows/<int:row_id>", floor_read, name="bench-floor-read"),
    path("submit", floor_submit, name="bench-floor-submit"),
    path("gateway", floor_gateway, name="bench-floor-gateway"),
    path("eid-check", floor_eid_check, name="bench-floor-eid-check"),
]
