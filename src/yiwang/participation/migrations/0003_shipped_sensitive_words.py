"""The shipped sensitive-word list as initial data (editable in the admin afterwards)."""

from django.db import migrations

SHIPPED = ("赌博", "博彩", "代开发票", "办假证", "枪支", "毒品", "色情", "诈骗", "傻逼", "去死")


def load(apps, schema_editor):
    SensitiveWord = apps.get_model("participation", "SensitiveWord")
    for word in SHIPPED:
        SensitiveWord.objects.get_or_create(word=word, defaults={"note": "平台初始词表"})


def unload(apps, schema_editor):
    apps.get_model("participation", "SensitiveWord").objects.filter(word__in=SHIPPED, note="平台初始词表").delete()


class Migration(migrations.Migration):
    dependencies = [("participation", "0002_sensitive_words_overdue_notices_missions")]
    operations = [migrations.RunPython(load, unload)]
