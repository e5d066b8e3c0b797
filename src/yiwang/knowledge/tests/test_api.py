"""The API and the FAQ/question workflow: ask (GET/POST, 422s, bad input never 500), FAQs written,
reviewed and published (core.workflow), internal notes for staff only, the question form masking
personal data and reaching the owning department, and answers becoming FAQs."""

from __future__ import annotations

import pytest

from yiwang.core.errors import PermissionDenied
from yiwang.knowledge import services
from yiwang.knowledge.models import Article, ArticleStep, Question
from yiwang.knowledge.selectors import ask

pytestmark = pytest.mark.django_db


def test_ask_get_post_and_bad_input(client, synced):
    world = synced
    r = client.get("/api/v1/knowledge/ask", {"q": "公共场所卫生许可要什么材料"})
    assert r.status_code == 200
    body = r.json()
    assert body["answers"][0]["code"] == world.item2.code
    assert set(body["answers"][0]) >= {"kind", "code", "title", "passage", "source", "score"}
    assert set(body["answers"][0]["source"]) == {"kind", "code", "version", "section"}
    assert body["fallback"] is None
    assert client.get("/api/v1/knowledge/ask", {"q": ""}).status_code == 422
    assert client.get("/api/v1/knowledge/ask", {"q": "  "}).status_code == 422
    assert client.get("/api/v1/knowledge/ask", {"q": "办" * 201}).status_code == 422
    assert client.get("/api/v1/knowledge/ask", {"q": "办" * 200}).status_code == 200
    long = "我想咨询一下，" * 40 + "公共场所卫生许可要什么材料"
    r = client.post("/api/v1/knowledge/ask", {"q": long}, content_type="application/json")
    assert r.status_code == 200 and r.json()["answers"][0]["code"] == world.item2.code
    for q in [
        "😀😀",
        "𠀀𠀁",
        "卫生 license 许可 мир",
        "1' OR '1'='1",
        "'; DROP TABLE x;--",
        "\u0000\u200b",
        "%%%%",
    ]:
        r = client.get("/api/v1/knowledge/ask", {"q": q})
        assert r.status_code in (200, 422), q
        if r.status_code == 200:
            out = r.json()
            assert out["answers"] or out["fallback"]["hotline"] == "12345"


def _faq(world, **kw):
    return services.article_create(
        actor=world.reviewer2, kind="faq", department=world.dept2, title="卫生许可证丢了怎么补办？",
        body="携带营业执照到原发证窗口申请补办，当场办结。", subject=world.item2.code,
        internal_note="补办不收费，无需登报。", **kw,
    )  # fmt: skip


def test_faq_review_and_publish_then_answers_with_staff_notes(synced, api):
    world = synced
    a = _faq(world)
    services.article_transition(actor=world.reviewer2, article=a, action="submit")
    with pytest.raises(PermissionDenied):  # a department member may not publish
        services.article_transition(actor=world.reviewer2, article=a, action="publish")
    with pytest.raises(PermissionDenied):  # another department may not
        services.article_transition(actor=world.dept_admin, article=a, action="publish")
    services.article_transition(actor=world.platform_admin, article=a, action="publish")
    a.refresh_from_db()
    assert a.status == "published" and a.revision == 1
    assert list(ArticleStep.objects.filter(article=a).values_list("action", flat=True)) == [
        "submit",
        "publish",
    ]
    services.index_sync()
    first = ask("卫生许可证丢了怎么补办")["answers"][0]
    assert first["kind"] == "faq" and first["code"] == a.code
    assert first["source"] == {"kind": "faq", "code": a.code, "version": 1, "section": "answer"}
    assert "internal_note" not in first
    staff = api(world.clerk).get("/api/v1/knowledge/ask?q=卫生许可证丢了怎么补办").json()["answers"][0]
    assert staff["internal_note"] == "补办不收费，无需登报。"
    # revising keeps the published text in the index until the next publish; retiring removes it
    services.article_transition(actor=world.reviewer2, article=a, action="revise")
    services.index_sync()
    assert ask("卫生许可证丢了怎么补办")["answers"][0]["code"] == a.code
    services.article_transition(actor=world.platform_admin, article=a, action="retire")
    services.index_sync()
    assert all(x["code"] != a.code for x in ask("卫生许可证丢了怎么补办")["answers"])


def test_question_form_masks_personal_data_and_answer_becomes_faq(client, synced, api):
    world = synced
    r = client.post(
        "/api/v1/knowledge/questions",
        {
            "q": "我身份证号420102199001011234，电话13800138000，卫生许可能加急吗？",
            "subject": world.item2.code,
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    q = Question.objects.get(number=r.json()["number"])
    assert "420102199001011234" not in q.text and "13800138000" not in q.text
    assert q.department == world.dept2
    queue = api(world.reviewer2).get("/api/v1/knowledge/questions").json()["items"]
    assert [x["number"] for x in queue] == [q.number]
    assert api(world.reviewer).get("/api/v1/knowledge/questions").json()["items"] == []
    r = api(world.reviewer2).post(
        f"/api/v1/knowledge/questions/{q.number}/answer", {"answer": "可以申请容缺受理。"}
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"
    faq = Article.objects.get(code=r.json()["faq"])
    assert faq.kind == "faq" and faq.status == "review" and faq.subject == world.item2.code


def test_guidance_of_an_item_with_situations(synced, client):
    world = synced
    world.item_immediate.parent = world.item
    world.item_immediate.save()
    r = client.get(f"/api/v1/knowledge/guidance/item/{world.item.code}")
    assert r.status_code == 200
    options = r.json()["questions"][0]["options"]
    assert world.item_immediate.code in [o["value"] for o in options]
    page = client.get(
        f"/knowledge/guide/item/{world.item.code}/", {"go": "1", "a.situation": world.item_immediate.code}
    )
    assert page.status_code == 302 and page["Location"] == f"/items/{world.item_immediate.code}/apply/"
    assert client.get(f"/knowledge/guide/item/{world.item.code}/", {"go": "1"}).status_code == 422


def test_guidance_of_a_one_thing_leads_to_its_apply_page_with_answers(world, newborn, client):
    r = client.get("/knowledge/guide/bundle/newborn/", {"go": "1", "a.insured": "no"})
    assert r.status_code == 302 and r["Location"] == "/bundles/newborn/apply/?a.insured=no"


def test_window_staff_page_shows_internal_notes_and_the_queue(client, synced):
    world = synced
    a = _faq(world)
    services.article_transition(actor=world.reviewer2, article=a, action="submit")
    services.article_transition(actor=world.platform_admin, article=a, action="publish")
    services.index_sync()
    services.question_submit(text_="卫生许可能加急吗？", subject=world.item2.code)
    client.force_login(world.reviewer2)
    r = client.get("/workbench/knowledge/", {"q": "卫生许可证丢了怎么补办"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "补办不收费，无需登报。" in html and "卫生许可能加急吗？" in html
    client.force_login(world.citizen)
    assert "补办不收费" not in client.get("/knowledge/", {"q": "卫生许可证丢了怎么补办"}).content.decode()


def test_no_rate_limit_below_300_questions_a_minute(client, synced):
    codes = {
        client.get("/api/v1/knowledge/ask", {"q": f"卫生许可{i}"}, REMOTE_ADDR="203.0.113.9").status_code
        for i in range(300)
    }
    assert codes == {200}


def test_articles_page_write_submit_publish(client, synced):
    world = synced
    client.force_login(world.reviewer2)
    r = client.post(
        "/workbench/knowledge/articles/",
        {"kind": "policy", "department": world.dept2.pk, "title": "关于公共场所卫生许可告知承诺的通知", "body": "实行告知承诺制。",
         "document_number": "武卫〔2026〕1号"},
    )  # fmt: skip
    assert r.status_code == 302
    a = Article.objects.get(document_number="武卫〔2026〕1号")
    page = client.get("/workbench/knowledge/articles/").content.decode()
    assert a.code in page and 'value="submit"' in page and 'value="publish"' not in page
    client.post(
        f"/workbench/knowledge/articles/{a.code}/actions/", {"action": "submit", "version": a.version}
    )
    client.post(f"/workbench/knowledge/articles/{a.code}/actions/", {"action": "publish"})
    a.refresh_from_db()
    assert a.status == "review"  # the editor may not publish
    client.force_login(world.platform_admin)
    client.post(
        f"/workbench/knowledge/articles/{a.code}/actions/", {"action": "publish", "version": a.version}
    )
    a.refresh_from_db()
    assert a.status == "published" and a.revision == 1
    services.index_sync()
    assert ask("卫生许可告知承诺的通知")["answers"][0]["code"] == a.code


def _patch(client, path, body):
    return client.client.patch(path, body, content_type="application/json", headers=client.headers)


def test_staff_edit_a_draft_through_the_api_and_a_published_one_after_revise(synced, api):
    world = synced
    a = _faq(world)
    editor = api(world.reviewer2)
    r = _patch(
        editor,
        f"/api/v1/knowledge/articles/{a.code}",
        {
            "version": a.version,
            "body": "携带营业执照和身份证到原发证窗口申请补办。",
            "review_on": "2027-06-30",
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["body"].startswith("携带营业执照和身份证") and r.json()["review_on"] == "2027-06-30"
    # the same version again: someone saved first
    stale = _patch(editor, f"/api/v1/knowledge/articles/{a.code}", {"version": a.version, "title": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert (
        _patch(api(world.reviewer), f"/api/v1/knowledge/articles/{a.code}", {"title": "x"}).status_code == 404
    )
    bad = _patch(
        editor,
        f"/api/v1/knowledge/articles/{a.code}",
        {"valid_from": "2027-01-01", "valid_until": "2026-01-01"},
    )
    assert bad.status_code == 422
    a.refresh_from_db()
    services.article_transition(actor=world.reviewer2, article=a, action="submit")
    services.article_transition(actor=world.platform_admin, article=a, action="publish")
    a.refresh_from_db()
    refused = _patch(editor, f"/api/v1/knowledge/articles/{a.code}", {"title": "改标题"})
    assert refused.status_code == 422  # published: revise first
    services.article_transition(actor=world.reviewer2, article=a, action="revise")
    a.refresh_from_db()
    r = _patch(
        editor,
        f"/api/v1/knowledge/articles/{a.code}",
        {"version": a.version, "title": "卫生许可证遗失如何补办？"},
    )
    assert r.status_code == 200
    services.index_sync()
    # the published revision answers until the new one is published
    assert ask("卫生许可证丢了怎么补办")["answers"][0]["title"] == "卫生许可证丢了怎么补办？"
    a.refresh_from_db()
    services.article_transition(actor=world.reviewer2, article=a, action="submit")
    services.article_transition(actor=world.platform_admin, article=a, action="publish")
    services.index_sync()
    first = ask("卫生许可证遗失如何补办")["answers"][0]
    assert first["code"] == a.code and first["source"]["version"] == 2


def test_edit_page_saves_a_draft_with_its_dates(client, synced):
    world = synced
    a = _faq(world)
    client.force_login(world.reviewer2)
    page = client.get(f"/workbench/knowledge/articles/{a.code}/edit/")
    assert page.status_code == 200 and 'id="review_on"' in page.content.decode()
    assert (
        f'href="/workbench/knowledge/articles/{a.code}/edit/"'
        in client.get("/workbench/knowledge/articles/").content.decode()
    )
    r = client.post(
        f"/workbench/knowledge/articles/{a.code}/edit/",
        {"version": a.version, "title": a.title, "body": "到原发证窗口补办。", "valid_from": "2026-01-01",
         "valid_until": "", "review_on": "2026-13-01"},
    )  # fmt: skip
    assert r.status_code == 422 and "日期格式应为 YYYY-MM-DD" in r.content.decode()
    r = client.post(
        f"/workbench/knowledge/articles/{a.code}/edit/",
        {"version": a.version, "title": a.title, "body": "到原发证窗口补办。", "valid_from": "2026-01-01",
         "valid_until": "", "review_on": "2027-01-01"},
    )  # fmt: skip
    assert r.status_code == 302
    a.refresh_from_db()
    assert (
        a.body == "到原发证窗口补办。"
        and str(a.valid_from) == "2026-01-01"
        and str(a.review_on) == "2027-01-01"
    )
    client.force_login(world.reviewer)  # another department's staff
    assert client.get(f"/workbench/knowledge/articles/{a.code}/edit/").status_code == 404


def test_the_asker_hears_the_answer_and_reads_it_under_my_questions(client, synced):
    from yiwang.notifications.models import Notification

    world = synced
    client.force_login(world.citizen)
    r = client.post(
        "/knowledge/questions/new/", {"q": "卫生许可能加急吗？电话13800138000", "subject": world.item2.code}
    )
    assert r.status_code == 200 and "我的留言" in r.content.decode()
    q = Question.objects.get(asked_by=world.citizen)
    mine = client.get("/knowledge/questions/mine/").content.decode()
    assert q.number in mine and "尚未答复" in mine and "13800138000" not in mine
    services.question_answer(actor=world.reviewer2, question=q, answer="可以申请容缺受理。")
    note = Notification.objects.get(recipient=world.citizen, kind="knowledge.answered")
    assert q.number in note.title and "可以申请容缺受理。" in note.body and "13800138000" not in note.body
    assert "可以申请容缺受理。" in client.get("/knowledge/questions/mine/").content.decode()
    # another person sees none of it; anonymous askers are told no notice can reach them
    client.force_login(world.company)
    assert q.number not in client.get("/knowledge/questions/mine/").content.decode()
    client.logout()
    assert client.get("/knowledge/questions/mine/").status_code == 302
    r = client.post("/knowledge/questions/new/", {"q": "卫生许可能加急吗？"})
    assert "您未登录，答复无法通知您" in r.content.decode()
