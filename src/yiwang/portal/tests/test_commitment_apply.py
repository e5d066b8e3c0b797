"""告知承诺制 on the citizen's application form: the route is chosen and the 承诺书 shown and
accepted on the form; choosing the commitment without accepting it is an error in Chinese, and the
materials the commitment replaces are not required on that route."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.cases.models import Case, Commitment
from yiwang.catalog.models import ItemVersion
from yiwang.core.testing import MINIMAL_PDF, good_form


def _form(client, url):
    token = re.search(
        r'name="idempotency_token" value="([0-9a-f]+)"', client.get(url).content.decode()
    ).group(1)
    return {"idempotency_token": token, "intent": "submit", **{k: str(v) for k, v in good_form().items()}}


def _id_card():
    return {"m-id_card": SimpleUploadedFile("身份证.pdf", MINIMAL_PDF, content_type="application/pdf")}


def test_the_form_offers_the_route_only_where_the_item_has_it(client, world):
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    assert 'name="route"' not in client.get(url).content.decode()
    ItemVersion.objects.filter(item=world.item).update(
        commitment_system=True, commitment_replaces=["site_plan"]
    )
    html = client.get(url).content.decode()
    assert 'id="route-commitment"' in html and "告知承诺书" in html and "以本承诺代替经营场所平面图" in html
    assert 'id="route-ordinary" name="route" value="ordinary" checked' in html


def test_commitment_route_from_the_form(client, world):
    ItemVersion.objects.filter(item=world.item).update(
        commitment_system=True, commitment_replaces=["site_plan"], tolerance_acceptance=False
    )
    client.force_login(world.citizen)
    url = f"/items/{world.item.code}/apply/"
    r = client.post(url, {**_form(client, url), "route": "commitment", **_id_card()})
    assert r.status_code == 422 and "请阅读并同意告知承诺书" in r.content.decode()
    assert Case.objects.count() == 0
    r = client.post(
        url, {**_form(client, url), "route": "commitment", "commitment_accepted": "yes", **_id_card()}
    )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.route == "commitment" and Commitment.objects.get(case=case).replaces == ["site_plan"]
    html = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "按告知承诺制办理" in html and Commitment.objects.get(case=case).sha256 in html
