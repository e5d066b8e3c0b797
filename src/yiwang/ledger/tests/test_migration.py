"""0003 moves stored perfect subtrees (one row per node) into tiles, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from yiwang.ledger import merkle

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("ledger", "0002_witnesses_of_this_log_and_cosignatures")]
AFTER = [("ledger", "0003_merkle_tiles")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_nodes_become_tiles_and_back():
    tree = merkle.MemoryTree([str(i).encode() for i in range(300)])
    try:
        apps = _migrate(BEFORE)
        Node = apps.get_model("ledger", "Node")
        Node.objects.bulk_create([Node(id=merkle.node_key(*n), hash=h) for n, h in tree.nodes.items()])
        apps.get_model("ledger", "Checkpoint").objects.create(
            size=300, root=tree.root(), note="-", key_version=1, created_at=timezone.now()
        )
        apps = _migrate(AFTER)
        rows = {
            (i >> 56, i & ((1 << 56) - 1)): (w, bytes(h))
            for i, w, h in apps.get_model("ledger", "Tile").objects.values_list("id", "width", "hashes")
        }
        assert rows == merkle.tile_rows(tree.nodes, 300)
        assert len(rows) == 5 + 1  # 300 leaves: 5 tiles of level 0 (the last partial), 1 above
        apps = _migrate(BEFORE)
        back = {
            (i >> 56, i & ((1 << 56) - 1)): bytes(h)
            for i, h in apps.get_model("ledger", "Node").objects.values_list("id", "hash")
        }
        assert back == tree.nodes
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("ledger"))
