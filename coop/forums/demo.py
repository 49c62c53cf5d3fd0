"""Demo forums: each coop's room with a short conversation, a room the stewards opened, and
the first open proposal's room. Idempotent: a room that has messages is left alone."""

from django.apps import apps
from django.db import transaction

from coop.forums import services
from coop.forums.models import Room
from coop.forums.registry import policy_for, room_for

TANA = [
    ("steward@tana.example", "Welcome to the coop's room! Ask anything about tasks, pay or the rules here. "
     "Stewards read it every day."),
    ("member@tana.example", "Hello everyone. Is the receipts batch worth it? The estimate says 2 minutes per "
     "receipt but some are **very** blurry."),
    ("member2@tana.example", "I did about forty yesterday: closer to 3 minutes each. If it stays like that we "
     "can show the requester the real times, the floor rate is computed on them."),
    ("steward2@tana.example", "Thanks @Lova Randria, that is exactly what the time records are for. "
     "Keep noting the blurry ones with the *unreadable* answer, it is allowed."),
    ("member3@tana.example", "Power cut in Analakely again this morning: the page caught up by itself when "
     "it came back, nothing lost."),
]
LAGOS = [
    ("steward@lagos.example", "Welcome to the Lagos room. Introduce yourself and the work you like doing."),
    ("member@lagos.example", "Hi, Amaka here. Mostly image labelling, some moderation."),
    ("member2@lagos.example", "Tunde. Rating search results. Does anyone know when payouts settle?"),
    ("steward@lagos.example", "@Tunde Bello payouts are settled every weekday by a steward; you see the "
     "reference in your wallet."),
]
TIPS = [
    ("steward@tana.example", "Share what helps you work well: keyboard shortcuts, how to read the "
     "instructions, which requesters answer questions quickly."),
    ("member4@tana.example", "Read the project room before starting a batch: requesters often answer there."),
]


def _talk(room, users, lines):
    reply_to = None
    for n, (email, body) in enumerate(lines):
        user = users.get(email)
        if user is None:
            continue
        message = services.message_post(user=user, room=room, body=body,
                                        reply_to=reply_to if n == 2 else None)
        if n == 1:
            reply_to = message


@transaction.atomic
def seed(ctx):
    coops, users = ctx.get("coops", {}), ctx.get("users", {})
    for slug, lines in (("tana", TANA), ("lagos", LAGOS)):
        coop = coops.get(slug)
        if coop is None:
            continue
        room = room_for(coop)
        if not room.messages.exists():
            _talk(room, users, lines)
    tana, boss = coops.get("tana"), users.get("steward@tana.example")
    if tana is not None and boss is not None and not Room.objects.filter(coop=tana, kind="custom").exists():
        tips = services.room_create(steward=boss, coop=tana, title="Tips for new members",
                                    description="How to work well here, by members for members.")
        _talk(tips, users, TIPS)
        services.room_create(steward=boss, coop=tana, title="Stewards", audience=Room.Audience.STEWARDS,
                             description="Coordination between stewards.")
    _proposal_room(tana, users)
    _project_room(ctx.get("projects") or {}, users)


def _project_room(projects, users):
    """The first demo project's room: a member asks, the requester answers (as the organisation)."""
    project = next(iter(projects.values()), None)
    member = users.get("member2@tana.example")
    if project is None or member is None:
        return
    room = room_for(project)
    staff = project.organisation.staff.order_by("pk").first()
    if room.messages.exists() or staff is None or not policy_for(room).can_write(room, member):
        return
    question = services.message_post(user=member, room=room, body="Some receipts are cut off at the bottom: "
                                     "should we type the total we can see, or answer *unreadable*?")
    services.message_post(user=staff.user, room=room, reply_to=question,
                          body="Answer *unreadable* when the total is cut off, it will not count against you. "
                               "Thanks for asking!")


def _proposal_room(coop, users):
    try:
        Proposal = apps.get_model("governance", "Proposal")
    except LookupError:
        return
    if coop is None:
        return
    proposal = Proposal.objects.filter(coop=coop).exclude(status="draft").order_by("pk").first()
    member = users.get("member2@tana.example")
    if proposal is None or member is None:
        return
    room = room_for(proposal)
    if not room.messages.exists():
        if policy_for(room).can_write(room, member):
            services.message_post(user=member, room=room, body="I support this: the receipts batch showed "
                                  "how far the estimates can be from the real time.")
