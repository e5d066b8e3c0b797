"""The case endpoints of API.md, with a permission test per endpoint: the owner, another citizen,
another department, another hall and anonymous callers."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from yiwang.cases import services
from yiwang.cases.models import Case
from yiwang.catalog.models import CATALOG_REVISION
from yiwang.core import revisions
from yiwang.core.models import IdempotencyRecord
from yiwang.core.testing import MINIMAL_PDF, good_form, good_form_for, good_materials
from yiwang.organizations.models import ORGANIZATIONS_REVISION


def body(world, **over):
    return {
        "item_code": world.item.code,
        "form": good_form(),
        "channel": "online",
        "materials": good_materials(),
        **over,
    }


@pytest.fixture
def filed(world, api):
    r = api(world.citizen).post("/api/v1/cases", body(world))
    assert r.status_code == 201, r.content
    return r.json()


def test_submit_returns_the_contract_body(world, api, filed):
    assert filed["status"] == "submitted" and filed["status_label"] == "已提交"
    assert filed["item_code"] == world.item.code
    assert filed["version"] == 2
    assert filed["applicant"]["id_number"].startswith("420102") and "*" in filed["applicant"]["id_number"]
    assert "*" in filed["form"]["applicant.id_number"] and "*" in filed["form"]["applicant.phone"]
    assert (
        filed["clock"] == "not_started" and filed["due_date"] is None and filed["warning_level"] == "normal"
    )
    assert [e["action"] for e in filed["events"]] == ["create", "submit"]
    assert filed["submitted_at"].endswith("+08:00")


def test_validation_errors_follow_the_contract(world, api):
    r = api(world.citizen).post(
        "/api/v1/cases", body(world, form=good_form(**{"applicant.id_number": "123"}))
    )
    assert r.status_code == 422
    err = r.json()
    assert err["code"] == "validation_error" and err["message"]
    assert "applicant.id_number" in err["fields"]
    r = api(world.citizen).post("/api/v1/cases", {"form": {}})
    assert r.status_code == 422 and "item_code" in r.json()["fields"]
    r = api(world.citizen).post("/api/v1/cases", body(world, item_code="NOPE"))
    assert r.status_code == 422 and "item_code" in r.json()["fields"]
    assert Case.objects.count() == 0


def test_anonymous_gets_401_everywhere(world, api, filed):
    anon = api()
    n = filed["number"]
    assert anon.post("/api/v1/cases", body(world)).status_code == 401
    assert anon.get("/api/v1/cases").status_code == 401
    assert anon.get(f"/api/v1/cases/{n}").status_code == 401
    assert anon.post(f"/api/v1/cases/{n}/transitions", {"action": "withdraw"}).status_code == 401
    assert anon.get(f"/api/v1/cases/{n}/notices").status_code == 401
    assert anon.client.get("/api/v1/cases", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_other_citizen_and_other_department_get_404(world, api, filed):
    n = filed["number"]
    for user in (world.citizen2, world.reviewer2, world.approver2, world.company):
        c = api(user)
        assert c.get(f"/api/v1/cases/{n}").status_code == 404
        assert c.post(f"/api/v1/cases/{n}/transitions", {"action": "withdraw"}).status_code == 404
        assert c.get(f"/api/v1/cases/{n}/notices").status_code == 404
        assert c.get(f"/api/v1/cases/{n}/form").status_code == 404
        assert n not in [x["number"] for x in c.get("/api/v1/cases", queue="false").json()["items"]]


def test_other_hall_clerk_loses_sight_after_acceptance(world, api, filed):
    n = filed["number"]
    assert api(world.clerk_other_hall).get(f"/api/v1/cases/{n}").status_code == 200  # online, not yet taken
    r = api(world.clerk).post(
        f"/api/v1/cases/{n}/transitions", {"action": "accept", "version": filed["version"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert api(world.clerk_other_hall).get(f"/api/v1/cases/{n}").status_code == 404


def test_visible_but_not_allowed_is_403_and_wrong_state_is_409(world, api, filed):
    n = filed["number"]
    r = api(world.citizen).post(f"/api/v1/cases/{n}/transitions", {"action": "accept"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = api(world.reviewer).post(f"/api/v1/cases/{n}/transitions", {"action": "review"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    r = api(world.reviewer).post(f"/api/v1/cases/{n}/transitions", {"action": "fly"})
    assert r.status_code == 422


def test_stale_version_and_replay(world, api, filed):
    n, v = filed["number"], filed["version"]
    clerk = api(world.clerk)
    assert clerk.post(f"/api/v1/cases/{n}/transitions", {"action": "accept", "version": v}).status_code == 200
    r = clerk.post(f"/api/v1/cases/{n}/transitions", {"action": "accept", "version": v})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = clerk.post(f"/api/v1/cases/{n}/transitions", {"action": "accept"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_full_flow_over_http(world, api, filed):
    n = filed["number"]
    r = api(world.clerk).post(f"/api/v1/cases/{n}/transitions", {"action": "accept", "note": "材料齐全"})
    assert (
        r.json()["clock"] == "running" and r.json()["due_date"] and r.json()["working_days_left"] is not None
    )
    r = api(world.reviewer).post(
        f"/api/v1/cases/{n}/transitions", {"action": "review", "version": r.json()["version"]}
    )
    assert r.json()["status"] == "reviewed"
    r = api(world.approver).post(f"/api/v1/cases/{n}/transitions", {"action": "approve"})
    r = api(world.approver).post(f"/api/v1/cases/{n}/transitions", {"action": "complete", "delivery": "post"})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    detail = api(world.citizen).get(f"/api/v1/cases/{n}").json()
    assert [e["to"] for e in detail["events"]][-4:] == ["accepted", "reviewed", "approved", "completed"]
    assert all(e["at"].endswith("+08:00") for e in detail["events"])


def test_idempotency_key_returns_the_first_answer(world, api):
    c = api(world.citizen)
    h = {"Idempotency-Key": "abc-123"}
    r1 = c.post("/api/v1/cases", body(world), headers=h)
    r2 = c.post("/api/v1/cases", body(world), headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["number"] == r2.json()["number"]
    assert Case.objects.count() == 1
    r3 = c.post("/api/v1/cases", body(world, channel="mobile"), headers=h)
    assert r3.status_code == 409 and r3.json()["code"] == "idempotency_key_reused"
    # another user's identical key is independent
    assert (
        api(world.citizen2)
        .post("/api/v1/cases", body(world, form=good_form_for(world.citizen2)), headers=h)
        .status_code
        == 201
    )


def test_a_refused_submission_keeps_neither_case_nor_key_and_sends_no_savepoint(world, api, monkeypatch):
    """The API submits without a savepoint of its own (`case_submit(savepoint=False)` inside the
    idempotency transaction): a refusal must still roll back everything, the key included —
    here a refusal raised after the case, its parties and its files were written."""
    from yiwang.cases.services import submission
    from yiwang.core.errors import ValidationFailed

    def refuse(**_):
        assert Case.objects.count() == 1  # the case row is written by now
        raise ValidationFailed(fields={"license_refs": ["电子证照已失效"]})

    c = api(world.citizen)
    h = {"Idempotency-Key": "refused-then-fixed"}
    with monkeypatch.context() as m:
        m.setattr(submission, "_attach_license_refs", refuse)
        r = c.post("/api/v1/cases", body(world), headers=h)
    assert r.status_code == 422 and "license_refs" in r.json()["fields"]
    assert Case.objects.count() == 0
    assert not IdempotencyRecord.objects.filter(key="refused-then-fixed").exists()
    with CaptureQueriesContext(connection) as q:
        r = c.post("/api/v1/cases", body(world), headers=h)  # the same key, now a good request
    assert r.status_code == 201 and Case.objects.count() == 1
    sql = [x["sql"] for x in q.captured_queries]
    start = next(i for i, x in enumerate(sql) if x.startswith('INSERT INTO "core_idempotencyrecord"'))
    end = next(i for i, x in enumerate(sql) if x.startswith('INSERT INTO "cases_notice"'))
    # the submission's rows follow the key's with no savepoint of their own (this test's own
    # transaction makes run_idempotent's block a savepoint: that one is before the key)
    assert start < end and not [x for x in sql[start:end] if "SAVEPOINT" in x.upper()]
    assert 'INSERT INTO "cases_case"' in " ".join(sql[start:end])
    # the catalogue's and the calendar's revisions (the check, the answer's due date): one read
    assert len([x for x in sql if '"core_revision"' in x]) == 1
    # held for the whole submission, which is right only while it writes none of the tables whose
    # triggers would change them (core.revisions.tokens_read_once)
    written = {m[1] for x in sql if (m := re.match(r'(?:INSERT INTO|UPDATE|DELETE FROM) "(\w+)"', x))}
    assert {"cases_case", "cases_caseevent", "core_idempotencyrecord"} <= written
    behind = revisions.trigger_tables()
    assert behind.get(CATALOG_REVISION) and behind.get(ORGANIZATIONS_REVISION)
    held = set().union(*(behind.get(n, set()) for n in services.SUBMISSION_REVISIONS))
    assert not written & held, written & held


def test_queue_lists_by_urgency_with_bounded_queries(world, api):
    c = api(world.citizen)
    for _ in range(6):
        assert c.post("/api/v1/cases", body(world)).status_code == 201
    clerk = api(world.clerk)
    with CaptureQueriesContext(connection) as small:
        r = clerk.get("/api/v1/cases", page_size=3)
    data = r.json()
    assert data["count"] == 6 and len(data["items"]) == 3 and data["page_size"] == 3
    with CaptureQueriesContext(connection) as large:
        r = clerk.get("/api/v1/cases", page_size=6)
    assert len(r.json()["items"]) == 6
    assert len(large) == len(small) <= 12  # independent of the page size: no N+1
    assert clerk.get("/api/v1/cases", page_size=500).status_code == 422
    assert api(world.reviewer).get("/api/v1/cases").json()["count"] == 0  # nothing accepted yet
    assert c.get("/api/v1/cases").json()["count"] == 6


def test_the_list_pages_by_cursor_with_an_exact_count(world, api):
    """`next_after` of an answer, sent back as `after`, gives the next page (a seek, as cheap deep
    in a long list as at its start); the count stays exact; a bad cursor is a 422."""
    c = api(world.citizen)
    for _ in range(5):
        assert c.post("/api/v1/cases", body(world)).status_code == 201
    by_number = [x["number"] for x in c.get("/api/v1/cases", page_size=5).json()["items"]]
    assert len(by_number) == 5
    seen, after = [], None
    while True:
        data = c.get("/api/v1/cases", page_size=2, **({"after": after} if after else {})).json()
        assert data["count"] == 5 and data["page_size"] == 2 and len(data["items"]) <= 2
        seen += [x["number"] for x in data["items"]]
        after = data["next_after"]
        if after is None:
            break
    assert seen == by_number  # newest first, each once
    assert c.get("/api/v1/cases", page=3, page_size=2).json()["items"][0]["number"] == by_number[4]
    r = c.get("/api/v1/cases", after="not-a-cursor")
    assert r.status_code == 422 and r.json()["fields"] == {"after": ["翻页位置无效"]}
    # the clerk's queue the same way
    clerk = api(world.clerk)
    first = clerk.get("/api/v1/cases", page_size=3).json()
    rest = clerk.get("/api/v1/cases", page_size=3, after=first["next_after"]).json()
    assert first["count"] == rest["count"] == 5 and rest["next_after"] is None
    assert sorted(x["number"] for x in first["items"] + rest["items"]) == sorted(by_number)


def test_multipart_material_upload_sniffs_content(world, api):
    c = api(world.citizen)
    r = c.post("/api/v1/cases", body(world, draft=True, materials=[], form={"applicant.name": "张伟"}))
    n = r.json()["number"]
    r = c.client.post(
        f"/api/v1/cases/{n}/materials",
        {"code": "id_card", "file": io.BytesIO(MINIMAL_PDF)},
        headers=c.headers,
    )
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"
    fake = io.BytesIO(b"MZ\x90\x00 this is an exe")
    fake.name = "id.pdf"
    r = c.client.post(f"/api/v1/cases/{n}/materials", {"code": "id_card", "file": fake}, headers=c.headers)
    assert r.status_code == 422 and "materials.id_card" in r.json()["fields"]
    r = api(world.citizen2).client.post(
        f"/api/v1/cases/{n}/materials",
        {"code": "id_card", "file": io.BytesIO(MINIMAL_PDF)},
        headers=api(world.citizen2).headers,
    )
    assert r.status_code == 404


def test_material_upload_sent_again_with_its_idempotency_key_is_stored_once(world, api):
    """The proxy resends an upload carrying an Idempotency-Key when a server died mid-request
    (deploy/nginx.conf): the second attempt answers like the first and stores nothing new."""
    from yiwang.cases.models import CaseMaterial

    c = api(world.citizen)
    n = c.post(
        "/api/v1/cases", body(world, draft=True, materials=[], form={"applicant.name": "张伟"})
    ).json()["number"]

    def upload(key, data=MINIMAL_PDF):
        return c.client.post(
            f"/api/v1/cases/{n}/materials",
            {"code": "id_card", "file": io.BytesIO(data)},
            headers={**c.headers, "Idempotency-Key": key},
        )

    first, again = upload("scan-1"), upload("scan-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert CaseMaterial.objects.filter(case__number=n).count() == 1
    assert upload("scan-1", MINIMAL_PDF + b"\n% another file").status_code == 409
    assert upload("scan-2").status_code == 201
    assert CaseMaterial.objects.filter(case__number=n).count() == 2


def test_notices_render_as_html_and_pdf(world, api, filed):
    n = filed["number"]
    api(world.clerk).post(f"/api/v1/cases/{n}/transitions", {"action": "accept"})
    notices = api(world.citizen).get(f"/api/v1/cases/{n}/notices").json()["items"]
    acceptance = next(x for x in notices if x["kind"] == "acceptance")
    html = api(world.citizen).get(f"/api/v1/cases/{n}/notices/{acceptance['number']}.html")
    assert html.status_code == 200 and "受理通知书" in html.content.decode()
    pdf = api(world.citizen).get(f"/api/v1/cases/{n}/notices/{acceptance['number']}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "受理通知书" in text and "食品经营许可" in text and n in text
    assert api(world.citizen2).get(f"/api/v1/cases/{n}/notices/{acceptance['number']}.pdf").status_code == 404


def test_reveal_is_for_the_entitled_only(world, api, filed):
    n = filed["number"]
    own = api(world.citizen).get(f"/api/v1/cases/{n}/form", reveal="true").json()
    assert own["form"]["applicant.id_number"] == good_form()["applicant.id_number"]
    assert api(world.supervisor).get(f"/api/v1/cases/{n}/form", reveal="true").status_code == 403
    assert api(world.supervisor).get(f"/api/v1/cases/{n}").status_code == 200


def test_token_endpoint_and_throttling(world, api, settings):
    c = api()
    r = c.post("/api/v1/auth/token", {"username": "citizen", "password": "pass-1234-word"})
    assert r.status_code == 200 and r.json()["token"] and r.json()["expires_at"].endswith("+08:00")
    token = r.json()["token"]
    assert (
        c.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["username"]
        == "citizen"
    )
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert c.post("/api/v1/auth/token", {"username": "citizen2", "password": "wrong"}).status_code == 401
    r = c.post("/api/v1/auth/token", {"username": "citizen2", "password": "pass-1234-word"})
    assert r.status_code == 429 and r.json()["code"] == "throttled"
