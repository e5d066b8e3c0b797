import pytest

from yiwang.bundles.models import Bundle, BundleStatus
from yiwang.knowledge import services


@pytest.fixture
def newborn(world):
    """A published one thing (only what the knowledge base reads of it)."""
    return Bundle.objects.create(
        code="newborn",
        name="新生儿出生一件事",
        audience="person",
        summary="新生儿出生后，父母一次申请即可办理出生医学证明、出生登记和医保参保。",
        lead_department=world.dept2,
        promised_days=5,
        status=BundleStatus.PUBLISHED,
        version=1,
        questionnaire=[
            {"id": "insured", "text": "孩子是否已参加城乡居民医保？", "options": [
                {"value": "yes", "label": "已参保"}, {"value": "no", "label": "未参保"}]},
        ],
    )  # fmt: skip


@pytest.fixture
def synced(world):
    services.index_sync()
    return world
