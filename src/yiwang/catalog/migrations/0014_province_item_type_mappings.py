"""Seed the item-type mappings of the provincial item library (source "province"): provinces
publish the GB/T 39046 事项类型 codes without the leading zero (1 行政许可 … 9 行政裁决) in their
exports and APIs. Other local tables are added as `CodeMapping` rows in the admin."""

from django.db import migrations

PROVINCE_ITEM_TYPES = [
    ("0", "00", "行政权力事项"),
    ("1", "01", "行政许可"),
    ("2", "02", "行政处罚"),
    ("3", "03", "行政强制"),
    ("4", "04", "行政征收"),
    ("5", "05", "行政给付"),
    ("6", "06", "行政检查"),
    ("7", "07", "行政确认"),
    ("8", "08", "行政奖励"),
    ("9", "09", "行政裁决"),
]


def forwards(apps, schema_editor):
    CodeMapping = apps.get_model("catalog", "CodeMapping")
    for local, national, note in PROVINCE_ITEM_TYPES:
        CodeMapping.objects.update_or_create(
            system="province",
            table="item_type",
            local_code=local,
            defaults={"national_code": national, "note": note},
        )


def backwards(apps, schema_editor):
    CodeMapping = apps.get_model("catalog", "CodeMapping")
    CodeMapping.objects.filter(system="province", table="item_type").delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_item_claims")]

    operations = [migrations.RunPython(forwards, backwards)]
