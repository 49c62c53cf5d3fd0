"""The demo federation's people (`manage.py seed_demo`), one per role, for the tests that walk
every page as each of them (the French-pages and phone-width crawls)."""

from accounts.models import User
from tasks.appeals.models import Appeal


def demo_people():
    """Each role's demo login, the first juror of the demo's appeal, and a newcomer with no role."""
    juror = Appeal.objects.order_by("pk").first().seats.select_related("juror").order_by("draw_index").first().juror
    return {
        "member": User.objects.get(email="member@tana.example"),
        "juror": juror,
        "applicant": User.objects.get(email="applicant@tana.example"),
        "steward": User.objects.get(email="steward@tana.example"),
        "requester": User.objects.get(email="requester@ravina.example"),
        "operator": User.objects.get(email="operator@atelier.example"),
        "newcomer": User.objects.create_user(email="new@example.org", password="a-long-enough-secret"),
    }
