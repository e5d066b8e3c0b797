import pytest

from yiwang.organizations.services import staff_create
from yiwang.participation import services


@pytest.fixture
def world(world):
    """The test world with an admin of the second department."""
    w = world
    w.dept2_admin = staff_create(
        username="dept2_admin", password="pass-1234-word", name="部门管理员乙",
        roles=[{"role": "dept_admin", "department": w.dept2}],
    )  # fmt: skip
    return w


def propose(world, *, user=None, title="建议增加夜间窗口", body="希望市民之家周三晚上延时服务。", **kw):
    kw.setdefault("item_code", world.item.code)
    return services.proposal_submit(
        actor=user or world.citizen, kind=kw.pop("kind", "proposal"), title=title, body=body, **kw
    )
