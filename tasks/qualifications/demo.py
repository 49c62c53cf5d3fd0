"""Demo qualifications: the Antananarivo coop's published "Senior member" standing (the coop's
answer to "Masters"), a "Trusted reviewer" granted by hand, and Ravina Labs' paid Malagasy
transcription test, funded for 20 attempts; and "Lives in Madagascar" (a country rule) that Ravina
Labs' survey project requires for a data-residency law, published and awaiting the stewards'
review (issue 23). Idempotent: what exists is left alone."""

from django.db import transaction

from accounts.models import Organisation, User
from coop.federation.models import Coop
from tasks import services as marketplace
from tasks.models import Project
from tasks.qualifications import services
from tasks.qualifications.models import Qualification, QualificationGrant

SENIOR_RULE = {"all": [
    {"metric": "tenure_days", "op": ">=", "value": 180},
    {"metric": "approved_assignments", "op": ">=", "value": 200},
    {"metric": "approval_rate", "op": ">=", "value": 95, "params": {"last": 100, "min_count": 50}},
    {"not": {"metric": "final_rejections", "op": ">", "value": 3, "params": {"days": 365}}},
]}

RESIDENT_RULE = {"metric": "country", "op": "in", "value": ["MG"]}
SURVEY_FORM = [{"name": "district", "type": "text", "label": "Which district does the answer name?", "max_length": 100,
                "show": {"text": "answer"}}]
SURVEY_TITLE = "District names in health survey answers"

TEST_QUESTIONS = [
    {"name": "hello", "type": "single_choice", "label": "What does “Manao ahoana” mean?",
     "choices": ["Hello", "Thank you", "Goodbye"]},
    {"name": "thanks", "type": "single_choice", "label": "How do you write “thank you” in Malagasy?",
     "choices": ["Misaotra", "Veloma", "Tsara"]},
    {"name": "transcribe", "type": "text", "label": "Write “Welcome to Madagascar” in Malagasy.", "max_length": 200},
    {"name": "count", "type": "number", "label": "How many words are in “Tonga soa eto Madagasikara”?",
     "integer": True},
]
TEST_KEY = {"hello": "Hello", "thanks": "Misaotra", "transcribe": "tonga soa eto madagasikara", "count": 4}


def _user(email):
    return User.objects.filter(email=email).first()


@transaction.atomic
def seed(ctx):
    coop = ctx.get("coops", {}).get("tana") or Coop.objects.filter(slug="tana").first()
    steward = _user("steward@tana.example")
    if coop is None or steward is None:
        return
    mine = Qualification.objects.filter(coop=coop, organisation__isnull=True)
    if not mine.filter(name="Senior member").exists():
        services.qualification_create(
            actor=steward, coop=coop, name="Senior member", kind="computed", rule=SENIOR_RULE,
            description="The coop's senior standing: experienced members with a clean record get the "
                        "better-paid projects that ask for it. The rule is public and every member sees where "
                        "they stand.",
            reason="Adopted at the founding general meeting as the coop's answer to closed 'Master' levels.")
    reviewer = mine.filter(name="Trusted reviewer").first() or services.qualification_create(
        actor=steward, coop=coop, name="Trusted reviewer", kind="granted",
        description="Members the coop trusts to review others' work in disputed cases.",
        reason="Stewards grant it after two mentors vouch for the member.")
    member2 = _user("member2@tana.example")
    if member2 and not QualificationGrant.objects.filter(qualification=reviewer, member=member2).exists():
        services.qualification_grant(actor=steward, qualification=reviewer, member=member2,
                                     reason="Vouched for by two mentors after 3 months of careful reviews.")
    org = ctx.get("organisations", {}).get("ravina") or Organisation.objects.filter(slug="ravina-labs").first()
    owner = org.staff.filter(role="owner").select_related("user").first() if org else None
    if owner and not Qualification.objects.filter(coop=coop, organisation=org, kind="test").exists():
        test = services.qualification_test_create(
            actor=owner.user, coop=coop, organisation=org, name="Malagasy transcriber",
            description="For Ravina Labs' Malagasy speech projects.",
            instructions="Four short questions on Malagasy. **Every attempt is paid**, whether you pass or not.",
            questions=TEST_QUESTIONS, answer_key=TEST_KEY, pass_mark=75, time_limit_minutes=20, retry_hours=24,
            estimated_minutes=10, reward=300)
        services.qualification_test_fund(actor=owner.user, test=test, attempts=20)

    if owner:
        _survey_in_review(coop=coop, steward=steward, org=org, owner=owner.user)


def _survey_in_review(*, coop, steward, org, owner):
    """A country-restricted project (issue 23): published by Ravina Labs, waiting for a steward."""
    resident = Qualification.objects.filter(coop=coop, name="Lives in Madagascar").first() or \
        services.qualification_create(
            actor=steward, coop=coop, name="Lives in Madagascar", kind="computed", rule=RESIDENT_RULE,
            description="Members whose profile country is Madagascar, for work a Malagasy law keeps in the country.",
            reason="Needed by projects that cite Madagascar's data-residency law.")
    if Project.objects.filter(organisation=org, title=SURVEY_TITLE).exists():
        return
    project = marketplace.project_create(
        actor=owner, organisation=org, coop=coop, title=SURVEY_TITLE, category="labelling",
        instructions="Name the district each survey answer mentions.", question_form=SURVEY_FORM, reward=60,
        estimated_minutes=2, time_limit_minutes=30, legal_reason="data_residency",
        legal_reason_text="Madagascar's law 2014-038 on personal data keeps these survey answers in the country.")
    marketplace.tasks_add(actor=owner, project=project, rows=[{"answer": f"Answer {i}"} for i in range(8)])
    services.project_requirements_set(actor=owner, project=project, qualifications=[resident])
    marketplace.project_publish(actor=owner, project=project)
