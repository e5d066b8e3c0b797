"""The message log's bodies encrypted at rest by the key service (they hold whole messages: ID
numbers, forms, licence credentials). Existing rows are encrypted in place, read and written with
plain SQL (the field's own conversion would try to decrypt the plain text)."""

from django.db import migrations

import yiwang.core.fields


def encrypt_bodies(apps, schema_editor):
    from yiwang.core import keys

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM federation_peermessage ORDER BY id")
        rows = cursor.fetchall()
        for pk, body in rows:
            if body and not keys.is_encrypted(body):
                cursor.execute(
                    "UPDATE federation_peermessage SET body = %s WHERE id = %s", [keys.encrypt(body), pk]
                )


def decrypt_bodies(apps, schema_editor):
    from yiwang.core import keys

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body FROM federation_peermessage ORDER BY id")
        for pk, body in cursor.fetchall():
            if keys.is_encrypted(body):
                cursor.execute(
                    "UPDATE federation_peermessage SET body = %s WHERE id = %s", [keys.decrypt(body), pk]
                )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_broadcast_event"),
        ("federation", "0003_peer_license_uses"),
    ]

    operations = [
        migrations.AlterField(
            model_name="peermessage",
            name="body",
            field=yiwang.core.fields.EncryptedTextField(verbose_name="报文"),
        ),
        migrations.RunPython(encrypt_bodies, decrypt_bodies),
    ]
