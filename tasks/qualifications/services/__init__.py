"""The use cases of the qualifications app, one module per concern (`qualifications`,
`paid_tests`, `requirements`), re-exported here. Each public service is atomic and records its
event; personal data is erased through `tasks.qualifications.datarights`."""

from tasks.qualifications.services.paid_tests import (  # noqa: F401, E402
    attempt_start,
    attempt_submit,
    attempts_expire_due,
    qualification_test_create,
    qualification_test_fund,
    reward_minimum,
    score_answers,
)
from tasks.qualifications.services.qualifications import (  # noqa: F401
    member_reevaluate,
    qualification_create,
    qualification_grant,
    qualification_reevaluate,
    qualification_reinstate,
    qualification_revoke,
    qualification_version_publish,
)
from tasks.qualifications.services.requirements import (  # noqa: F401, E402
    project_requirements_set,
)
from tasks.qualifications.services.work_watch import qualification_work_check  # noqa: F401, E402
