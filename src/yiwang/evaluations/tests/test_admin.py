"""Admin: registering a window rating device shows its tablet URL once and the URL works;
rotating the secret kills the old URL; ratings and work orders are read only."""

import re

from django.contrib.messages import get_messages

from yiwang.evaluations import services
from yiwang.evaluations.models import RatingDevice
from yiwang.evaluations.tests.test_ratings import rate


def _secret(response) -> str:
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    found = re.findall(r"/rate/device/([A-Za-z0-9_-]+)/", text)
    assert found, text
    return found[-1]  # the newest message


def test_device_registered_in_admin_gets_a_working_url(world, admin_client, client):
    r = admin_client.post(
        "/admin/evaluations/ratingdevice/add/",
        {"window": world.window.pk, "name": "1号窗口评价器", "active": "on"},
    )
    assert r.status_code == 302
    secret = _secret(r)
    device = RatingDevice.objects.get()
    assert device.name == "1号窗口评价器" and device.window == world.window
    assert secret not in device.token_hash  # only the lookup hash is stored
    assert services.device_for_token(secret).pk == device.pk
    assert client.get(f"/rate/device/{secret}/").status_code == 200

    r = admin_client.post(
        "/admin/evaluations/ratingdevice/",
        {"action": "rotate_secret", "_selected_action": [device.pk]},
    )
    assert r.status_code == 302
    new = _secret(r)
    assert new != secret
    assert client.get(f"/rate/device/{secret}/").status_code == 404
    assert client.get(f"/rate/device/{new}/").status_code == 200


def test_changelists_render_and_ratings_are_read_only(world, completed, admin_client):
    ev = rate(completed, world.citizen, level="5")
    for url in (
        "/admin/evaluations/ratingdevice/",
        "/admin/evaluations/handlinglimit/",
        "/admin/evaluations/evaluation/",
        "/admin/evaluations/workorder/",
        f"/admin/evaluations/workorder/{ev.work_order.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url
    page = admin_client.get(f"/admin/evaluations/evaluation/{ev.pk}/change/")
    assert page.status_code == 200 and b'name="level"' not in page.content
    assert admin_client.get("/admin/evaluations/evaluation/add/").status_code == 403
