import pytest

from yiwang.exchange import httpsig

from .deptsim import DepartmentSystemSim


@pytest.fixture
def sim(transactional_db):
    """The department system on loopback (stopped at the end)."""
    key_id, sk = httpsig.own_signing_key()
    pub = sk.public_key()
    made = DepartmentSystemSim(platform_public=lambda k: pub if k == key_id else None)
    yield made
    made.stop()


@pytest.fixture
def dept_system(world, sim, live_server, settings):
    """World.item handled in the department's own system, which calls back to the live server."""
    from yiwang.docking.services import systems

    settings.YIWANG_BASE_URL = live_server.url
    return systems.department_system_register(
        code="scjg-food",
        name="食品经营许可审批系统",
        department=world.dept,
        endpoint=sim.url,
        key_id=sim.key_id,
        public_key=sim.public_key_b64,
        items=[world.item],
    )
