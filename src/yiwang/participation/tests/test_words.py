"""The sensitive-word list is data: shipped as initial rows, edited in the admin, read through the
shared cache; an edit changes what is held for review at once."""

from django.core.cache import cache

from yiwang.participation import services
from yiwang.participation.models import SensitiveWord

from .conftest import propose


def _held(world, text: str, n: int) -> bool:
    p = propose(world, user=world.citizen if n % 2 else world.citizen2, title=f"建议{n}", body=text)
    return p.moderation == "held"


def test_shipped_list_is_loaded_and_cached(world):
    assert SensitiveWord.objects.filter(word="诈骗", active=True).exists()
    cache.delete(services.WORDS_CACHE_KEY)
    words = services.sensitive_words()
    assert "诈骗" in words and "代开发票" in words
    assert tuple(cache.get(services.WORDS_CACHE_KEY)) == words


def test_editing_the_list_in_the_admin_changes_what_is_held(world, admin_client):
    assert not _held(world, "窗口门口有黄牛拉客", 1)
    r = admin_client.post(
        "/admin/participation/sensitiveword/add/", {"word": " 黄牛 ", "active": "on", "note": "票贩子"}
    )
    assert r.status_code == 302
    assert SensitiveWord.objects.filter(word="黄牛").exists()
    assert _held(world, "窗口门口有黄牛拉客", 2)

    fraud = SensitiveWord.objects.get(word="诈骗")
    assert _held(world, "提醒大家警惕电信诈骗", 3)
    r = admin_client.post(
        f"/admin/participation/sensitiveword/{fraud.pk}/change/", {"word": "诈骗", "note": ""}
    )
    assert r.status_code == 302  # unticked: inactive
    assert not _held(world, "提醒大家警惕电信诈骗", 4)

    cow = SensitiveWord.objects.get(word="黄牛")
    r = admin_client.post(f"/admin/participation/sensitiveword/{cow.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not SensitiveWord.objects.filter(word="黄牛").exists()
    assert not _held(world, "窗口门口有黄牛拉客", 5)


def test_comments_follow_the_edited_list(world):
    p = propose(world)
    assert (
        services.comment_add(actor=world.citizen2, proposal=p, body="取号机旁边有人倒卖号").moderation
        == "published"
    )
    services.sensitive_word_set(word="倒卖号")
    assert services.comment_add(actor=world.citizen2, proposal=p, body="又有人倒卖号").moderation == "held"
    services.sensitive_word_set(word="倒卖号", active=False)
    assert (
        services.comment_add(actor=world.citizen2, proposal=p, body="倒卖号的没有了").moderation
        == "published"
    )


def test_a_blank_word_is_refused(world):
    import pytest

    from yiwang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.sensitive_word_set(word="  ")
    assert not SensitiveWord.objects.filter(word="").exists()
