"""Every write to an item, an item version or a material bumps the catalogue's revision (core.revisions), in the
writer's transaction: the per-process memo of current versions is keyed by it."""

from django.db import migrations

from yiwang.core import revisions

TABLES = ("catalog_item", "catalog_itemversion", "catalog_material")


def install(apps, schema_editor):
    for table in TABLES:
        revisions.trigger_install(schema_editor, table=table, name="catalog")


def remove(apps, schema_editor):
    for table in TABLES:
        revisions.trigger_remove(schema_editor, table=table)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_revision"),
        ("catalog", "0014_province_item_type_mappings"),
    ]

    operations = [migrations.RunPython(install, remove)]
