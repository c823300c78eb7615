"""Backup and restore of the whole database.

SQLite: the online backup API (a consistent copy while the site keeps running).
PostgreSQL: pg_dump in its custom format, restored with pg_restore --clean.
"""

import datetime
import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

BACKUP_DIR = Path(settings.BASE_DIR) / "backups"


class BackupError(Exception):
    pass


def default_path() -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
    return BACKUP_DIR / f"liaison-{stamp}.{suffix}"


def _pg_env() -> tuple[dict, list[str]]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return env, args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return path


def backup(path: Path | None = None) -> Path:
    """Write a consistent copy of the database to `path`; returns the path."""
    path = Path(path or default_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        env, args = _pg_env()
        subprocess.run(  # noqa: S603 -- fixed arguments, no shell
            [_tool("pg_dump"), *args, "-Fc", "-f", str(path), connection.settings_dict["NAME"]],
            env=env,
            check=True,
            capture_output=True,
        )
    else:
        raise BackupError(f"No backup for {connection.vendor}.")
    return path


def restore(path: Path) -> None:
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        env, args = _pg_env()
        connection.close()
        subprocess.run(  # noqa: S603 -- fixed arguments, no shell
            [
                _tool("pg_restore"),
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "-d",
                connection.settings_dict["NAME"],
                str(path),
            ],  # fmt: skip
            env=env,
            check=True,
            capture_output=True,
        )
    else:
        raise BackupError(f"No restore for {connection.vendor}.")


def fingerprint() -> dict:
    """Every table's row count and checksums of the requests' timelines and of the
    households' voice messages (stored in the database, so in every backup), to compare
    copies."""
    from casebook.models import RequestEvent, VoiceNote

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    digest = hashlib.sha256()
    for row in RequestEvent.objects.order_by("request_id", "at", "id").values_list(
        "request_id", "kind", "from_status", "to_status", "text", "at", "actor_id"
    ):
        digest.update(repr(row).encode())
    voices = hashlib.sha256()
    for row in VoiceNote.objects.order_by("pk").values_list("pk", "event_id", "data"):
        voices.update(repr((row[0], row[1], hashlib.sha256(bytes(row[2])).hexdigest())).encode())
    return {"counts": counts, "timelines": digest.hexdigest(), "voices": voices.hexdigest()}
