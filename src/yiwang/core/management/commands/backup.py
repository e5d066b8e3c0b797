"""`yiwang backup create DIR` / `yiwang backup restore DIR`: everything an instance needs to come
back — the database, the stored files (media: materials, sealed notices, licences) and the keys
(the master key that wraps every key in the database, and Django's secret key) — in one folder
with a manifest of SHA-256 digests (docs/operations.md "Backups and recovery").

PostgreSQL: `pg_dump --format=custom` / `pg_restore --no-owner --exit-on-error` into the configured
(empty) database. SQLite: the online backup API (a consistent copy while the server runs). A
master key set in YIWANG_MASTER_KEY is not in any file: the manifest says so and the restore needs
the same variable. Files in S3 (YIWANG_STORAGE=s3) are the object store's to keep (versioning).

The backup folder holds the keys beside the data: keep it as you keep the keys (offline, access
logged). `restore` checks every digest before it writes anything, and refuses a non-empty
database unless `--force` (SQLite: the file is replaced)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

KEY_FILES = ("master.key", "secret_key")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    db = connection.settings_dict
    args = ["--host", str(db["HOST"] or "127.0.0.1"), "--port", str(db["PORT"] or 5432)]
    args += ["--username", str(db["USER"] or "postgres")]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


class Command(BaseCommand):
    help = "Back up (create) or restore the database, stored files and keys of this instance."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="write a backup into DIR (which must not exist)")
        create.add_argument("dir")
        restore = sub.add_parser("restore", help="restore the backup in DIR into this instance")
        restore.add_argument("dir")
        restore.add_argument("--force", action="store_true", help="restore into a database with tables")

    def handle(self, *args, action: str, dir: str, **options):
        target = Path(dir)
        if action == "create":
            self.create(target)
        else:
            self.restore(target, force=options["force"])

    # --- create ---------------------------------------------------------------------------------
    def create(self, out: Path) -> None:
        if out.exists():
            raise CommandError(f"{out} exists; a backup goes into a new folder")
        out.mkdir(parents=True)
        vendor = connection.vendor
        if vendor == "postgresql":
            args, env = _pg_env()
            dump = out / "database.dump"
            run = subprocess.run(
                ["pg_dump", *args, "--format=custom", "--file", str(dump), connection.settings_dict["NAME"]],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                raise CommandError(f"pg_dump failed: {run.stderr.strip()}")
        else:
            connection.ensure_connection()
            with sqlite3.connect(out / "database.sqlite3") as dst:
                connection.connection.backup(dst)
        media = Path(settings.MEDIA_ROOT)
        local = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
        if local and media.is_dir():
            shutil.copytree(media, out / "media")
        (out / "keys").mkdir()
        for name in KEY_FILES:
            path = Path(settings.YIWANG_HOME) / name
            if path.is_file():
                shutil.copy2(path, out / "keys" / name)
                os.chmod(out / "keys" / name, 0o600)
        files = {p.relative_to(out).as_posix(): _digest(p) for p in sorted(out.rglob("*")) if p.is_file()}
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": vendor,
            "master_key": "environment (YIWANG_MASTER_KEY)"
            if settings.YIWANG_MASTER_KEY
            else "keys/master.key",
            "files": files,
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        self.stdout.write(f"backup of {len(files)} files in {out}")

    # --- restore --------------------------------------------------------------------------------
    def restore(self, src: Path, *, force: bool) -> None:
        try:
            manifest = json.loads((src / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"no readable manifest in {src}") from exc
        for name, digest in manifest["files"].items():
            path = src / name
            if not path.is_file() or _digest(path) != digest:
                raise CommandError(f"{name}: missing or altered (its SHA-256 differs from the manifest)")
        if manifest["database"] != connection.vendor:
            raise CommandError(f"a {manifest['database']} backup cannot go into {connection.vendor}")
        if manifest["master_key"].startswith("environment") and not settings.YIWANG_MASTER_KEY:
            raise CommandError("the keys were wrapped with YIWANG_MASTER_KEY: set it before restoring")
        if connection.vendor == "postgresql":
            if connection.introspection.table_names() and not force:
                raise CommandError("the database has tables; restore into an empty one (or --force)")
            connection.close()
            args, env = _pg_env()
            run = subprocess.run(
                ["pg_restore", *args, "--no-owner", "--exit-on-error", "--dbname",
                 connection.settings_dict["NAME"], str(src / "database.dump")],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            if run.returncode:
                raise CommandError(f"pg_restore failed: {run.stderr.strip()}")
        else:
            name = Path(connection.settings_dict["NAME"])
            connection.close()
            if name.exists() and name.stat().st_size and not force:
                raise CommandError(f"{name} exists; restore into a new YIWANG_HOME (or --force)")
            for suffix in ("-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
            with sqlite3.connect(src / "database.sqlite3") as s, sqlite3.connect(name) as dst:
                s.backup(dst)
        if (src / "media").is_dir():
            shutil.copytree(src / "media", Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
        home = Path(settings.YIWANG_HOME)
        for name in KEY_FILES:
            if (src / "keys" / name).is_file():
                shutil.copy2(src / "keys" / name, home / name)
                os.chmod(home / name, 0o600)
        self.stdout.write(f"restored {len(manifest['files'])} files from {src}")
