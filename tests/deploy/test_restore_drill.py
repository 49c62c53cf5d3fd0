"""The restore drill (issue 22, docs/operations.md): a dump restored into a new database is
the same books and the same log, re-verified from its bytes; a log that does not verify fails
the drill."""

import pytest
from django.core.management import call_command
from django.db import connection

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.sequencer import sequence_pending
from coop.ops.drill import run_drill
from tasks.services.claiming import assignment_claim
from tests.factories import member, published_project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def federation_with_history():
    project = published_project(tasks=3)
    for _ in range(2):
        assignment_claim(member=member(project.coop).user, project=project)
    sequence_pending()
    checkpoint_sign()
    return project


def test_the_drill_restores_the_same_books_and_log(capsys):
    federation_with_history()
    call_command("restore_drill", target=connection.settings_dict["NAME"] + "_drill_ok")
    out = capsys.readouterr().out
    assert "Restore drill passed" in out
    assert "event log on the copy: verified" in out
    assert "≠" not in out


def test_a_log_that_does_not_verify_fails_the_drill():
    federation_with_history()
    with connection.cursor() as cursor:  # what a corrupted disk or a hand edit would do
        cursor.execute("ALTER TABLE eventlog_event DISABLE TRIGGER ALL")
        cursor.execute("UPDATE eventlog_event SET payload = convert_to('{\"forged\":1}', 'UTF8') "
                       "WHERE id = (SELECT min(id) FROM eventlog_event)")
        cursor.execute("ALTER TABLE eventlog_event ENABLE TRIGGER ALL")
    result = run_drill(connection.settings_dict, target=connection.settings_dict["NAME"] + "_drill_bad",
                       out=lambda line: None)
    assert not result.ok
    assert any("does not verify" in problem for problem in result.problems)
    assert result.source["chain_head"] == result.copy["chain_head"]  # the copy is faithful; the log is not
