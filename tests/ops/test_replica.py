"""Heavy read pages from a read replica (issue 22): a second database alias on the same
server stands for the replica; the listed pages read from it, everything else and every
write stays on the primary."""

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coop.eventlog.sequencer import sequence_pending
from tests.factories import member, published_project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases="__all__")]


def queries(alias, fn):
    with CaptureQueriesContext(connections[alias]) as captured:
        response = fn()
    return response, [q["sql"] for q in captured.captured_queries]


@override_settings(REPLICA_READS=True)
def test_the_public_event_feed_reads_from_the_replica(client):
    project = published_project(tasks=2)
    sequence_pending()
    with CaptureQueriesContext(connections["default"]) as primary:
        response, replica = queries("replica", lambda: client.get(reverse("eventlog-api:feed"),
                                                                  {"coop": project.coop_id}))
    assert response.status_code == 200, response.content
    assert response.json()["results"], "the feed shows the project's events"
    assert any("eventlog_sequenced" in sql for sql in replica)
    assert not any("eventlog_sequenced" in sql for sql in (q["sql"] for q in primary.captured_queries))


@override_settings(REPLICA_READS=True)
def test_other_pages_and_writes_stay_on_the_primary(client):
    worker = member()
    client.force_login(worker.user)
    response, replica = queries("replica", lambda: client.get(reverse("tasks:feed")))
    assert response.status_code == 200
    assert replica == []


@override_settings(REPLICA_READS=False)
def test_without_the_setting_nothing_reads_from_the_replica(client):
    published_project(tasks=1)
    sequence_pending()
    response, replica = queries("replica", lambda: client.get(reverse("eventlog-api:feed")))
    assert response.status_code == 200 and replica == []
