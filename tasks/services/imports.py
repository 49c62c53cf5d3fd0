"""CSV upload of tasks (DESIGN.md seam 8): the file is kept on a TaskImport row, a job checks
every row into that staging row (saving its progress for the page to poll), and only when
every row is good inserts them all in one short transaction. A bad row anywhere: nothing is
created, and every bad row is reported by its line number."""

import csv
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_q.tasks import async_task

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from tasks.access import staff_check
from tasks.errors import InvalidState
from tasks.models import Project, TaskImport
from tasks.questions import form_columns, task_data_validate
from tasks.services.publishing import tasks_add

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_REPORTED = 1000
CHUNK = 500


def csv_decode(raw: bytes) -> str:
    """Bytes of an uploaded file -> text (UTF-8, with or without BOM)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("not_utf8", _("The file must be a CSV saved as UTF-8."))


@retry_transaction
@transaction.atomic
def task_import_create(*, actor: User, project: Project, content: str, filename: str = "") -> TaskImport:
    """Keep an uploaded CSV and queue the job that checks and imports it."""
    project = Project.objects.select_related("organisation").get(pk=project.pk)
    staff_check(user=actor, organisation=project.organisation)
    if project.status == Project.Status.CANCELLED:
        raise InvalidState("project_cancelled", _("This project is cancelled."))
    if not content or not content.strip():
        raise DomainError("empty_file", _("The file is empty."))
    if len(content.encode()) > MAX_BYTES:
        raise DomainError("file_too_large", _("The file is larger than 20 MB: split it."))
    if "\x00" in content:
        raise DomainError("bad_file", _("The file holds NUL characters: is it really a CSV?"))
    task_import = TaskImport.objects.create(project=project, created_by=actor, content=content,
                                            filename=str(filename)[:200])
    event_record(type="task_import.created", coop=project.coop_id, actor=actor, subject=task_import,
                 payload={"project": project.pk, "organisation": project.organisation_id, "import": task_import.pk})

    transaction.on_commit(lambda: async_task("tasks.jobs.import_run", task_import.pk))
    return task_import


def _save(task_import, **fields):
    for name, value in fields.items():
        setattr(task_import, name, value)
    with transaction.atomic():
        TaskImport.objects.filter(pk=task_import.pk).update(**fields)


def task_import_run(*, import_id: int) -> TaskImport:
    """Check every row (progress saved every few hundred rows), then insert all at once.
    Idempotent: an import that already finished is left alone.

    The tasks it inserts record their event through `tasks_add`; the import's progress and a
    refused file's problems are the import row's own state, shown to whoever uploaded it (its
    creation recorded `task_import.created`), and record no event."""
    task_import = TaskImport.objects.select_related("project", "created_by").get(pk=import_id)
    if task_import.status in (TaskImport.Status.DONE, TaskImport.Status.INVALID):
        return task_import
    project = task_import.project
    reader = csv.DictReader(io.StringIO(task_import.content))
    header = [h.strip() for h in (reader.fieldnames or [])]
    needed = form_columns(project.question_form)
    missing = [c for c in needed if c not in header]
    if not header or missing or len(set(header)) != len(header) or any(not h for h in header):
        message = (_("The header row is missing the columns: %(c)s.") % {"c": ", ".join(missing)} if missing
                   else _("The first line must name each column once."))
        _save(task_import, status=TaskImport.Status.INVALID, errors=[{"line": 1, "message": message}],
              finished_at=timezone.now(), message=message)
        return task_import
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)  # the file line the record ends on (header = line 1)
    except csv.Error as exc:
        message = _("The file is not a valid CSV: %(e)s") % {"e": exc}
        _save(task_import, status=TaskImport.Status.INVALID, errors=[{"line": reader.line_num, "message": message}],
              finished_at=timezone.now(), message=message)
        return task_import
    if len(rows) > MAX_ROWS:
        message = _("At most %(n)s rows per file.") % {"n": MAX_ROWS}
        _save(task_import, status=TaskImport.Status.INVALID, errors=[{"line": MAX_ROWS + 2, "message": message}],
              finished_at=timezone.now(), message=message)
        return task_import
    _save(task_import, status=TaskImport.Status.VALIDATING, total_rows=len(rows), processed_rows=0)
    errors, staged, bad_rows = [], [], 0
    for index, row in enumerate(rows):
        line = lines[index]
        data = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
        problems = [str(p) for p in task_data_validate(project.question_form, data)]
        if None in row:
            problems.append(_("this row has more values than the header has columns"))
        if problems:
            bad_rows += 1
            if len(errors) < MAX_REPORTED:
                errors.append({"line": line, "message": "; ".join(problems)})
        staged.append(data)
        if (index + 1) % CHUNK == 0:
            _save(task_import, processed_rows=index + 1)
    if not rows:
        errors.append({"line": 2, "message": str(_("The file has a header but no rows."))})
        bad_rows = 1
    if errors:
        message = _("%(n)s bad rows: nothing was created. Fix them and upload the file again.") % {"n": bad_rows}
        _save(task_import, status=TaskImport.Status.INVALID, processed_rows=len(rows), errors=errors,
              finished_at=timezone.now(), message=message)
        return task_import
    _save(task_import, processed_rows=len(rows), rows=staged)
    try:
        tasks = tasks_add(actor=task_import.created_by, project=project, rows=staged, lines=lines, limit=MAX_ROWS)
    except DomainError as exc:
        rows_errors = exc.extra.get("rows") or [{"line": 0, "message": str(exc.message)}]
        _save(task_import, status=TaskImport.Status.FAILED, rows=None, errors=rows_errors[:MAX_REPORTED],
              finished_at=timezone.now(), message=str(exc.message))
        return task_import
    _save(task_import, status=TaskImport.Status.DONE, rows=None, content="", created_tasks=len(tasks),
          finished_at=timezone.now(),
          message=ngettext("%(n)s task added.", "%(n)s tasks added.", len(tasks)) % {"n": len(tasks)})
    return task_import
