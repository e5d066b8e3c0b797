"""The calendar's revision token moves to the shared `core.Revision` table (name
`workdays.calendar`), which the catalogue's memos use as well."""

from django.db import migrations


def copy_token(apps, schema_editor):
    old = apps.get_model("workdays", "CalendarRevision").objects.filter(pk=1).first()
    if old is not None:
        apps.get_model("core", "Revision").objects.update_or_create(
            pk="workdays.calendar", defaults={"token": old.token}
        )


def copy_back(apps, schema_editor):
    new = apps.get_model("core", "Revision").objects.filter(pk="workdays.calendar").first()
    if new is not None:
        apps.get_model("workdays", "CalendarRevision").objects.update_or_create(
            pk=1, defaults={"token": new.token}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_revision"),
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_token, copy_back),
        migrations.DeleteModel(name="CalendarRevision"),
    ]
