"""Backup and restore, tried (issue 22; 等保 2.0 数据备份恢复): after a completed case (uploaded
materials, sealed notices, encrypted personal data, ledger entries) `yiwang backup create` writes
the database (pg_dump / SQLite's online backup), the stored files and the keys; `yiwang backup
restore` brings them into a new, empty instance (another YIWANG_HOME, another database), where the
personal data decrypts, every stored file matches its digest and `yiwang ledger verify` passes.
A backup with an altered file is refused before anything is written."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from yiwang.cases.models import CaseMaterial, Notice

CHECK = """
import hashlib, json
from django.core.files.storage import default_storage
from yiwang.accounts.models import User
from yiwang.cases.models import Case, CaseMaterial, Notice
def digest(f):
    with default_storage.open(f.name, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
case = Case.objects.get(number=NUMBER)
print(json.dumps({
    "status": case.status,
    "id_number": User.objects.get(username="citizen").id_number,
    "phone": User.objects.get(username="citizen").phone,
    "notices": {n.number: digest(n.pdf) == n.pdf_sha256 for n in Notice.objects.filter(case=case)},
    "materials": {m.pk: digest(m.file) == m.sha256 for m in CaseMaterial.objects.filter(case=case)},
}))
"""


def _admin(sql: str, name: str) -> None:
    import psycopg
    from psycopg import sql as q

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(q.SQL(sql).format(q.Identifier(name)))


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_instance_with_files_keys_and_ledger(
    world, complete_case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = complete_case(world)  # on commit (transactional test): notices sealed into MEDIA_ROOT
    from yiwang.ledger.tasks import integrate

    integrate()
    notices = Notice.objects.filter(case=case)
    assert notices.count() >= 2 and all(n.pdf for n in notices)
    assert CaseMaterial.objects.filter(case=case).exists()

    backup = tmp_path / "backup"
    call_command("backup", "create", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert "keys/master.key" in manifest["files"] and manifest["master_key"] == "keys/master.key"
    assert any(name.startswith("media/notices/") for name in manifest["files"])

    home = tmp_path / "restored"
    env = {**os.environ, "YIWANG_HOME": str(home), "CELERY_TASK_ALWAYS_EAGER": "1"}
    env.pop("DATABASE_URL", None)
    restored_db = f"{connection.settings_dict['NAME']}_restore"
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{restored_db}"
        )
        _admin("DROP DATABASE IF EXISTS {}", restored_db)
        _admin("CREATE DATABASE {}", restored_db)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "-m", "yiwang.manage", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    try:
        # an altered file: refused before anything is written
        tampered = tmp_path / "tampered"
        import shutil

        shutil.copytree(backup, tampered)
        pdf = next((tampered / "media" / "notices").rglob("*.pdf"))
        pdf.write_bytes(pdf.read_bytes() + b"%")
        run = manage("backup", "restore", str(tampered))
        assert run.returncode != 0 and "altered" in run.stderr
        assert not (home / "master.key").exists()

        run = manage("backup", "restore", str(backup))
        assert run.returncode == 0, run.stderr
        run = manage("shell", "-c", CHECK.replace("NUMBER", repr(case.number)))
        assert run.returncode == 0, run.stderr
        seen = json.loads(run.stdout.strip().splitlines()[-1])
        assert seen["status"] == case.status
        assert seen["id_number"] == world.citizen.id_number and seen["phone"] == world.citizen.phone
        assert seen["notices"] and all(seen["notices"].values())
        assert seen["materials"] and all(seen["materials"].values())
        run = manage("ledger", "verify")
        assert run.returncode == 0 and "ledger OK" in run.stdout, run.stdout + run.stderr
    finally:
        if connection.vendor == "postgresql":
            _admin("DROP DATABASE IF EXISTS {}", restored_db)
