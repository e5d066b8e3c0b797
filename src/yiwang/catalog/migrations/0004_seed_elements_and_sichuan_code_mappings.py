"""Seed reference data: the canonical element registry (catalog/elements.py) and the code
mappings of the Sichuan government service portal's item-type codes to GB/T 39046-2020."""

from django.db import migrations

SICHUAN_ITEM_TYPES = [
    ("1", "01", "行政许可"),
    ("5", "05", "行政给付"),
    ("7", "07", "行政确认"),
    ("8", "08", "行政奖励"),
    ("9", "09", "行政裁决"),
    ("10", "10", "其他行政权力"),
    ("20", "20", "公共服务"),
]


def forwards(apps, schema_editor):
    from yiwang.catalog.elements import canonical_elements

    DataElement = apps.get_model("catalog", "DataElement")
    CodeMapping = apps.get_model("catalog", "CodeMapping")
    for spec in canonical_elements():
        fields = {k: v for k, v in spec.items() if k != "id"}
        DataElement.objects.update_or_create(id=spec["id"], defaults=fields)
    for local, national, note in SICHUAN_ITEM_TYPES:
        CodeMapping.objects.update_or_create(
            system="sichuan",
            table="item_type",
            local_code=local,
            defaults={"national_code": national, "note": note},
        )


def backwards(apps, schema_editor):
    CodeMapping = apps.get_model("catalog", "CodeMapping")
    CodeMapping.objects.filter(system="sichuan", table="item_type").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_limits_optional_on_drafts")]

    operations = [migrations.RunPython(forwards, backwards)]
