"""Re-sync the element registry: e-mail elements are masked when shown."""

from django.db import migrations


def forwards(apps, schema_editor):
    from yiwang.catalog.elements import canonical_elements

    DataElement = apps.get_model("catalog", "DataElement")
    for spec in canonical_elements():
        fields = {k: v for k, v in spec.items() if k != "id"}
        DataElement.objects.update_or_create(id=spec["id"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_seed_elements_and_sichuan_code_mappings")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
