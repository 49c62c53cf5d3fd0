import pytest

from tasks.models import Task, TaskImport
from tasks.services import project_create, task_import_create
from tests.factories import CoopFactory, organisation, project_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    org = organisation()
    return project_create(actor=org.owner, organisation=org, coop=CoopFactory(), **project_fields())


def test_csv_import_adds_every_row_and_reports_progress(draft, django_capture_on_commit_callbacks):
    content = "image_url,caption\n" + "".join(f"https://img.example/{i}.jpg,cat {i}\n" for i in range(1200))
    with django_capture_on_commit_callbacks(execute=True):
        task_import = task_import_create(actor=draft.created_by, project=draft, content=content, filename="a.csv")
    task_import.refresh_from_db()
    assert task_import.status == "done" and task_import.created_tasks == 1200
    assert task_import.total_rows == task_import.processed_rows == 1200 and task_import.percent == 100
    assert Task.objects.filter(project=draft).count() == 1200
    assert Task.objects.filter(project=draft).order_by("pk").first().data == {
        "image_url": "https://img.example/0.jpg", "caption": "cat 0"}


def test_csv_import_reports_every_bad_row_by_line_and_creates_nothing(draft, django_capture_on_commit_callbacks):
    content = ("image_url\nhttps://ok.example/1.jpg\n\nnot-a-url\nhttps://ok.example/2.jpg\n,\n"
               "https://ok.example/3.jpg,extra\n")
    with django_capture_on_commit_callbacks(execute=True):
        task_import = task_import_create(actor=draft.created_by, project=draft, content=content)
    task_import.refresh_from_db()
    assert task_import.status == "invalid"
    # the file's own line numbers (header = 1; the blank line 3 is not a row)
    assert [e["line"] for e in task_import.errors] == [4, 6, 7]
    assert Task.objects.filter(project=draft).count() == 0


def test_csv_import_refuses_a_missing_column_and_an_empty_file(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task_import = task_import_create(actor=draft.created_by, project=draft, content="caption\nhello\n")
    task_import.refresh_from_db()
    assert task_import.status == TaskImport.Status.INVALID and "image_url" in task_import.errors[0]["message"]
    from coop.core.errors import DomainError

    with pytest.raises(DomainError):
        task_import_create(actor=draft.created_by, project=draft, content="  ")
    assert TaskImport.objects.count() == 1 and not Task.objects.exists()
