"""Named revisions (core.revisions) and, on PostgreSQL, the trigger function that bumps them."""

from django.db import migrations, models

from yiwang.core import revisions


def function_install(apps, schema_editor):
    revisions.function_install(schema_editor)


def function_remove(apps, schema_editor):
    revisions.function_remove(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_outbox_payload_encrypted'),
    ]

    operations = [
        migrations.CreateModel(
            name='Revision',
            fields=[
                ('name', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='名称')),
                ('token', models.CharField(max_length=32, verbose_name='版本标识')),
                ('changed_at', models.DateTimeField(auto_now=True, verbose_name='变更时间')),
            ],
            options={
                'verbose_name': '数据版本',
                'verbose_name_plural': '数据版本',
            },
        ),
        migrations.RunPython(function_install, function_remove),
    ]
