"""Every write to a department or a region bumps the organisations' revision (core.revisions), in
the writer's transaction: memos holding them (the catalogue's current versions) are keyed by it."""

from django.db import migrations

from yiwang.core import revisions

TABLES = ("organizations_department", "organizations_region")


def install(apps, schema_editor):
    for table in TABLES:
        revisions.trigger_install(schema_editor, table=table, name="organizations")


def remove(apps, schema_editor):
    for table in TABLES:
        revisions.trigger_remove(schema_editor, table=table)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_revision"),
        ("organizations", "0004_servicehall_code"),
    ]

    operations = [migrations.RunPython(install, remove)]
