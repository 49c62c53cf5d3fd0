"""accounts/jobs.py: the export job builds the export it is given, once."""

import pytest

from accounts.jobs import data_export_build
from accounts.models import DataExport
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_data_export_build_job_builds_a_waiting_export_once():
    export = DataExport.objects.create(user=member().user, sections_total=1)
    assert data_export_build(export.pk) is True
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY and export.size > 0
    assert data_export_build(export.pk) is False  # a retried job does nothing
    assert data_export_build(0) is False
