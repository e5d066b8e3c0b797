"""The workbench's staff navigation: 事项认领 for whoever claims items for a department (its
admin; a platform admin for their regions' departments), the department-system push page for
platform admins only — and each link opens a page that person may see."""

from __future__ import annotations

import pytest

CLAIMS = 'href="/catalog/claims/"'
PUSHES = 'href="/workbench/department-systems/pushes/"'


@pytest.mark.parametrize(
    ("who", "claims", "pushes"),
    [
        ("dept_admin", True, False),
        ("platform_admin", True, True),
        ("clerk", False, False),
        ("reviewer", False, False),
    ],
)
def test_the_queue_links_what_the_role_may_open(client, world, who, claims, pushes):
    client.force_login(getattr(world, who))
    page = client.get("/workbench/").content.decode()
    assert "知识库" in page
    assert (CLAIMS in page) is claims
    assert (PUSHES in page) is pushes
    # the links lead to pages the person may open, and those they do not see are closed to them
    assert client.get("/catalog/claims/").status_code == (200 if claims else 404)
    assert client.get("/workbench/department-systems/pushes/").status_code == (200 if pushes else 403)
