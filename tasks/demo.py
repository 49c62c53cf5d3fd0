"""Demo marketplace: projects of the demo requester (Ravina Labs) in the tana coop, one open
with a fair-share window, one flagged for sensitive data, and some work submitted and
approved. Idempotent: a project that exists (by title) is left alone."""

from django.db import transaction

from accounts.models import Organisation, User
from tasks import services
from tasks.models import Assignment, Project

RECEIPTS_FORM = [
    {"name": "total", "type": "number", "label": "Total amount on the receipt", "min": 0,
     "show": {"image": "receipt_url", "text": "shop"}},
    {"name": "currency", "type": "single_choice", "label": "Currency", "choices": ["MGA", "EUR", "USD"]},
    {"name": "legible", "type": "single_choice", "label": "Is the receipt legible?",
     "choices": ["yes", "partly", "no"]},
]
ID_FORM = [
    {"name": "document", "type": "single_choice", "label": "What kind of document is shown?",
     "choices": ["passport", "identity card", "driving licence", "other"], "show": {"image": "photo_url"}},
    {"name": "issues", "type": "multiple_choice", "label": "Problems you can see", "required": False,
     "choices": ["blurred", "cut off", "glare", "expired"], "min": 0, "max": 4},
]
AUDIO_FORM = [
    {"name": "transcript", "type": "text", "label": "Write what you hear (Malagasy)", "min_length": 2,
     "max_length": 1000, "show": {"audio": "audio_url"}},
]
PROJECTS = [
    ("Receipt totals from Antananarivo shops", "transcription", RECEIPTS_FORM, 60, 3, [],
     [{"receipt_url": f"https://picsum.photos/seed/receipt{i}/480/640", "shop": f"Shop {i}"} for i in range(40)],
     "Read the **total** on each receipt. If it is unreadable, say so: that is a valid answer."),
    ("Check identity document photos", "labelling", ID_FORM, 150, 5, ["faces_or_identity_documents"],
     [{"photo_url": f"https://picsum.photos/seed/idcard{i}/640/400"} for i in range(10)],
     "These photos show **identity documents** with faces. Only take this work if you agree to see them."),
    ("Malagasy voice notes", "transcription", AUDIO_FORM, 250, 6, [],
     [{"audio_url": f"https://audio.example/notes/{i}.mp3"} for i in range(12)],
     "Transcribe each voice note word for word."),
]


def seed(ctx):
    organisation = (ctx.get("organisations") or {}).get("ravina") or Organisation.objects.filter(
        slug="ravina-labs").first()
    coop = (ctx.get("coops") or {}).get("tana")
    if organisation is None or coop is None:
        return
    owner = organisation.staff.order_by("pk").first().user
    made = {}
    for title, category, form, reward, minutes, flags, rows, instructions in PROJECTS:
        project = Project.objects.filter(organisation=organisation, title=title).first()
        if project is None:
            with transaction.atomic():
                project = services.project_create(
                    actor=owner, organisation=organisation, coop=coop, title=title, category=category,
                    instructions=instructions, question_form=form, reward=reward, estimated_minutes=minutes,
                    time_limit_minutes=max(30, minutes * 5), data_flags=flags)
                services.tasks_add(actor=owner, project=project, rows=rows)
                if title != "Malagasy voice notes":  # stays a draft for the requester to try publishing
                    project = services.project_publish(actor=owner, project=project)
        made[title] = project
    receipts = made[PROJECTS[0][0]]
    if receipts.status == Project.Status.OPEN and not Assignment.objects.filter(project=receipts).exists():
        answers = {"total": 12500, "currency": "MGA", "legible": "yes"}
        for email, approve in (("member@tana.example", True), ("member2@tana.example", True),
                               ("member3@tana.example", False)):
            user = User.objects.filter(email=email).first()
            if user is None:
                continue
            assignment = services.assignment_claim(member=user, project=receipts)
            services.assignment_submit(member=user, assignment=assignment, answers=answers)
            if approve:
                services.assignment_approve(actor=owner, assignment=assignment)
        user = User.objects.filter(email="member@tana.example").first()
        if user is not None:
            services.assignment_submit(member=user, assignment=services.assignment_claim(member=user, project=receipts),
                                       answers={"total": 8000, "currency": "MGA", "legible": "partly"})
    ctx["projects"] = made
