"""The outbox's payloads encrypted at rest by the key service: a message to another city carries
the whole case (the applicant's ID number, the form, licence credentials). Existing rows are
encrypted in place, read and written with plain SQL (the field's own conversion would try to
decrypt the plain JSON)."""

from django.db import migrations

import yiwang.core.fields


def encrypt_payloads(apps, schema_editor):
    from yiwang.core import keys

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, payload FROM core_outboxmessage ORDER BY id")
        for pk, payload in cursor.fetchall():
            if payload and not keys.is_encrypted(payload):
                cursor.execute(
                    "UPDATE core_outboxmessage SET payload = %s WHERE id = %s", [keys.encrypt(payload), pk]
                )


def decrypt_payloads(apps, schema_editor):
    from yiwang.core import keys

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, payload FROM core_outboxmessage ORDER BY id")
        for pk, payload in cursor.fetchall():
            if payload and keys.is_encrypted(payload):
                cursor.execute(
                    "UPDATE core_outboxmessage SET payload = %s WHERE id = %s", [keys.decrypt(payload), pk]
                )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_broadcast_event")]

    operations = [
        migrations.AlterField(
            model_name="outboxmessage",
            name="payload",
            field=yiwang.core.fields.EncryptedJSONField(verbose_name="内容"),
        ),
        migrations.RunPython(encrypt_payloads, decrypt_payloads),
    ]
