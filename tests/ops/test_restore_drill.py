"""coop/ops/management/commands/restore_drill.py: `manage.py restore_drill` refuses what it
cannot drill (a full drill: tests/deploy/test_restore_drill.py, on PostgreSQL)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection


def test_the_drill_needs_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("restore_drill")


def test_the_target_cannot_be_the_source(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "postgresql")  # refused before any connection is made
    with pytest.raises(CommandError, match="must be a new database"):
        call_command("restore_drill", target=connection.settings_dict["NAME"])
