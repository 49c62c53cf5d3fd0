"""Every write of the qualifications app (one module per concern, re-exported here)."""

from tasks.qualifications.services.paid_tests import (  # noqa: F401, E402
    attempt_blocker,
    attempt_start,
    attempt_submit,
    attempts_expire_due,
    reward_minimum,
    score_answers,
    test_create,
    test_fund,
)
from tasks.qualifications.services.qualifications import (  # noqa: F401
    explain_record,
    member_reevaluate,
    qualification_create,
    qualification_grant,
    qualification_reevaluate,
    qualification_reinstate,
    qualification_revoke,
    qualification_version_publish,
)
