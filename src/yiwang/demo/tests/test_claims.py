from yiwang.catalog.models import StandardItem, SyncStatus
from yiwang.demo import claims as claims_demo


def test_demo_standard_items_load_once(db):
    first = claims_demo.demo_load()
    assert first == {"status": SyncStatus.OK, "created": claims_demo.COUNT, "unchanged": 0}
    second = claims_demo.demo_load()
    assert second == {"status": SyncStatus.OK, "created": 0, "unchanged": claims_demo.COUNT}
    assert StandardItem.objects.count() == claims_demo.COUNT
    assert StandardItem.objects.filter(item_type="01").exists()
