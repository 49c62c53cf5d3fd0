"""A private block (CreateWorkerBlock) keeps a member from that organisation's work. The
reason shown does not say who blocked them (docs/mturk.md "Deliberate differences")."""

from django.db import connection
from django.utils.translation import gettext as _

from tasks.eligibility import reason
from tasks.mturk.models import WorkerBlock


def block_reasons(*, member, project, ctx=None):
    cache = ctx.cache if ctx is not None else {}
    if "mturk_blocked_by" not in cache:
        # filter(member_id=...).values_list("organisation_id") in a hand-written statement: asked at
        # every claim (issue 21)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT organisation_id FROM {WorkerBlock._meta.db_table} WHERE member_id = %s",
                           [getattr(member, "pk", None)])
            cache["mturk_blocked_by"] = {row[0] for row in cursor.fetchall()}
    if project.organisation_id in cache["mturk_blocked_by"]:
        return [reason("not_offered", _("This work is not offered to you."))]
    return []


block_reasons.wants_context = True
# counting eligible members at publish skips this check when nobody is blocked by the organisation
# the claim's database function (tasks migration 0011) sends a blocked member's claim to Python
block_reasons.in_database = lambda project: True
block_reasons.applies = lambda project: WorkerBlock.objects.filter(organisation_id=project.organisation_id).exists()
