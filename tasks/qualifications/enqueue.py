"""The jobs other code puts on the queue for the qualifications app, named by dotted path:
the jobs call the services, so a service never imports `jobs.py` (docs/architecture.md)."""

from django_q.tasks import async_task


def enqueue_qualification_reevaluate(qualification_id):
    async_task("tasks.qualifications.jobs.qualification_reevaluate_job", qualification_id,
               task_name=f"qualification-reevaluate-{qualification_id}")


def enqueue_member_reevaluate(member_id):
    """For the marketplace and appeals: call after commit when a member's work was decided."""
    async_task("tasks.qualifications.jobs.member_reevaluate_job", member_id)
