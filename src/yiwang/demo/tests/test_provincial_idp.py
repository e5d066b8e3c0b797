"""The demo provincial provider's people: the demo citizens under their accounts' ID numbers (so a
unified login links them), one newcomer without an account, all valid ID numbers."""

import json

from django.core.management import call_command

from yiwang.accounts.services import clean_id_number
from yiwang.demo.provincial_idp import NEWCOMER_NAME, idp_people
from yiwang.demo.services import citizen_id_number


def test_demo_people_match_the_demo_citizens(tmp_path):
    people = {p["name"]: p for p in idp_people()}
    assert people["张伟"]["id_number"] == citizen_id_number("citizen")
    assert people["李娜"]["id_number"] == citizen_id_number("citizen2")
    assert NEWCOMER_NAME in people
    assert all(clean_id_number(p["id_number"]) == p["id_number"] for p in people.values())
    assert all(2 <= p["trust_level"] <= 5 for p in people.values())
    assert len({p["id_number"] for p in people.values()}) == len(people)

    out = tmp_path / "idp" / "people.json"
    call_command("demo_idp_people", out=out)
    assert json.loads(out.read_text())["people"] == idp_people()
    assert out.stat().st_mode & 0o777 == 0o600
