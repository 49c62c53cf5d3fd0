"""Factories, one module per app; import them from here: `from tests.factories import MemberFactory`."""

from tests.factories.accounts import *  # noqa: F401,F403
from tests.factories.federation import *  # noqa: F401,F403
from tests.factories.forums import *  # noqa: F401,F403
from tests.factories.governance import *  # noqa: F401,F403
from tests.factories.ledger import *  # noqa: F401,F403
from tests.factories.qualifications import *  # noqa: F401,F403
from tests.factories.tasks import *  # noqa: F401,F403
