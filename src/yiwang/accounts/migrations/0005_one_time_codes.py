"""One mechanism for one-time codes: the login-unlock codes become OneTimeCode with a purpose
(the kiosk's login by ID number uses it too, instead of a cache entry)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_login_attempts"),
    ]

    operations = [
        migrations.RenameModel(old_name="UnlockCode", new_name="OneTimeCode"),
        migrations.AlterModelOptions(
            name="onetimecode",
            options={"verbose_name": "一次性验证码", "verbose_name_plural": "一次性验证码"},
        ),
        migrations.AddField(
            model_name="onetimecode",
            name="purpose",
            field=models.CharField(default="unlock", max_length=64, verbose_name="用途"),
        ),
        migrations.AddIndex(
            model_name="onetimecode",
            index=models.Index(fields=["user", "purpose"], name="one_time_code_purpose"),
        ),
    ]
