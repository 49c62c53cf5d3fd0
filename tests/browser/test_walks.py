"""One walk per role path on a 390-pixel phone, from the home page with only the links and
buttons on the screen, once in French and once in English (issue 16). See
tests/browser/walks.py for what fails a walk (a typed URL, a console error, a 4xx/5xx, a page
wider than the phone) and where the screenshots go."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from coop.federation.models import Membership
from coop.forums.registry import room_for
from coop.governance.jobs import proposals_advance
from coop.governance.models import Proposal
from ledger.models import Payout
from tasks.appeals.jobs import appeals_due
from tasks.appeals.models import Appeal
from tasks.models import Assignment, Project
from tasks.services import assignment_approve, assignment_claim, assignment_reject, assignment_submit
from tests.appeals.conftest import EXPLANATION, PARAMS, REWARD, STATEMENT, participate
from tests.appeals.conftest import published_project as appeal_project
from tests.browser.helpers import confirm_sign_up
from tests.browser.walks import Walker
from tests.factories import CoopFactory, UserFactory, member, operator, organisation, steward, voter
from tests.factories.tasks import published_project
from tests.forums.conftest import asgi_servers  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["fr", "en"]

MEMBER_PAGE_LIMIT = 60_000  # bytes, document and assets, on the member's path


@pytest.fixture(params=LANGUAGES)
def lang(request):
    """Each walk runs in French, then in English: the walkers' browsers ask for that language."""
    return request.param


def test_walk_apply_and_be_admitted(lang, live_server, browser, allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    boss = steward(coop, user=UserFactory(email="hery@tana.example")).user
    CoopFactory(name="Lagos coop", slug="lagos")

    soa = Walker(browser, live_server.url, "apply", "candidate", lang=lang)
    page = soa.home()
    page.get_by_role("link", name=soa.t("Rejoindre une coopérative", "Join a coop")).click()
    page.fill("#id_email", "soa@example.org")
    page.fill("#id_display_name", "Soa Rasoa")
    page.fill("#id_country", "MG")
    page.fill("#id_password", "a-long-enough-secret")
    page.locator("main").get_by_role("button", name=soa.t("S'inscrire", "Sign up")).click()
    expect(page.locator("main")).to_contain_text(soa.t("Consultez vos e-mails", "Check your email"))
    confirm_sign_up(page, "a-long-enough-secret", open_link=soa.open_from_email)
    expect(page.locator("#coop-tana")).to_contain_text(soa.t("Taux plancher", "Floor rate"))
    expect(page.locator("#coop-tana")).to_contain_text(soa.t("au moins 12,00", "$12.00 per hour at least"))
    soa.step("les-cooperatives")
    page.locator("#coop-tana").get_by_role("link", name=soa.t("Choisir", "Choose") + " Coop Antananarivo").click()
    page.fill("#id_statement", "Je transcris des reçus en français et en malgache depuis deux ans.")
    page.get_by_role("button", name=soa.t("Envoyer ma candidature", "Send my application")).click()
    expect(page.locator("main")).to_contain_text(soa.t("Votre candidature attend un intendant.",
                                                       "Your application is waiting for a steward."))
    expect(page.locator("main")).not_to_contain_text(soa.t("Rôle", "Role"))
    expect(page.locator("main")).not_to_contain_text(soa.t("Quitter la coopérative", "Leave the coop"))
    expect(page.locator("#role-badge")).to_have_text(soa.t("Candidat·e", "Applicant"))
    soa.step("candidature-envoyee")

    hery = Walker(browser, live_server.url, "apply", "steward", lang=lang)
    page_s = hery.log_in(boss.email)
    expect(page_s.locator("main")).to_contain_text(hery.t("Nouvelle candidature", "New application"))
    hery.menu(hery.t("Intendance", "Steward"))
    hery.menu(hery.t("Candidatures", "Applications"))
    expect(page_s.locator("main")).to_contain_text("Soa Rasoa")
    hery.step("candidatures")
    page_s.get_by_role("button", name=hery.t("Admettre", "Admit")).click()
    expect(page_s.locator(".messages")).to_contain_text("Soa Rasoa")
    hery.step("admise")
    hery.menu(hery.t("Membre", "Member"))
    expect(page_s.locator("main")).to_contain_text(hery.t("traité", "handled"))  # the notice about it is resolved
    hery.step("avis-traite")
    hery.close()

    page.reload()
    expect(page.locator("#role-badge")).to_have_text(soa.t("Membre", "Member"))
    expect(page.locator("main")).to_contain_text("Coop Antananarivo")
    soa.menu(soa.t("Travail", "Work"))
    expect(page.locator("h1")).to_have_text(soa.t("Travail", "Work"))
    soa.step("membre")
    soa.close()
    assert Membership.objects.get(user__email="soa@example.org").status == "active"


def test_walk_member_takes_work_is_paid_and_asks_for_a_payout(lang, live_server, browser, allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    fara = member(coop, user=UserFactory(email="fara@tana.example")).user
    project = published_project(coop, tasks=2, title="Chats ou chiens", reward=600, estimated_minutes=5)

    walk = Walker(browser, live_server.url, "member", "fara", lang=lang)
    page = walk.log_in(fara.email)
    walk.menu(walk.t("Travail", "Work"))
    card = page.locator(f"#project-{project.pk}")
    expect(card).to_contain_text("Chats ou chiens")
    walk.step("fil")
    card.get_by_role("button", name=walk.t("Prendre une tâche", "Take a task")).click()
    page.check("input[name=label][value=yes]")
    walk.step("tache")
    page.get_by_role("button", name=walk.t("Rendre", "Submit"), exact=True).click()
    walk.step("rendue")
    walk.menu(walk.t("Mon travail", "My work"))
    expect(page.locator("main")).to_contain_text("Chats ou chiens")
    walk.step("mon-travail")

    # the requester approves it (their own walk covers how)
    work = Assignment.objects.get(member=fara)
    assignment_approve(actor=project.organisation.owner, assignment=work)

    walk.menu(walk.t("Portefeuille", "Wallet"))
    expect(page.locator("#wallet-balance")).to_contain_text(walk.amount("6,00"))
    walk.step("portefeuille")
    page.fill("#id_amount", walk.amount("6,00"))
    # the default mobile-money rail's own fields (ledger/payout_methods.py), each checked
    page.fill("#id_dest_phone", "+261 34 00 000 00")
    page.fill("#id_dest_holder", "Fara Andriamanana")
    page.fill("#id_dest_provider", "MVola")
    page.get_by_role("button", name=walk.t("Demander un retrait", "Request a payout")).click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("main")).to_contain_text(walk.amount("6,00"))
    walk.step("retrait-demande")
    walk.close()
    walk.assert_light(MEMBER_PAGE_LIMIT)
    assert Payout.objects.filter(user=fara, amount=600).count() == 1


def test_walk_requester_funds_creates_publishes_reviews_and_reads_the_money(lang, live_server, browser, tmp_path,
                                                                            allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    org = organisation(owner=UserFactory(email="mireille@ravina.example"), name="Ravina Labs")
    boss = operator()
    workers = [member(coop, user=UserFactory(email=f"m{i}@tana.example")).user for i in range(3)]

    # the federation's operator records the requester's bank transfer
    op = Walker(browser, live_server.url, "requester", "operator", lang=lang)
    page_o = op.log_in(boss.email)
    op.menu(op.t("Fédération", "Federation"))
    page_o.select_option("#id_deposit-organisation", label="Ravina Labs")
    page_o.fill("#id_deposit-amount", op.amount("100,00"))
    page_o.fill("#id_deposit-reference", "VIR-2026-001")
    page_o.get_by_role("button", name=op.t("Enregistrer le dépôt", "Record the deposit")).click()
    expect(page_o.locator(".messages")).to_contain_text(op.t("Dépôt enregistré", "Deposit recorded"))
    op.step("depot")
    op.close()

    walk = Walker(browser, live_server.url, "requester", "mireille", lang=lang)
    page = walk.log_in(org.owner.email)
    expect(page.locator("#role-badge")).to_have_text(walk.t("Demandeur", "Requester"))
    walk.menu(walk.t("Argent", "Money"))
    expect(page.locator("main")).to_contain_text(walk.amount("100,00"))
    walk.step("argent-avant")
    walk.menu(walk.t("Projets", "Projects"))
    page.get_by_role("link", name=walk.t("Nouveau projet", "New project")).click()
    page.select_option("#coop", str(coop.pk))
    page.fill("#id_title", "Chats ou chiens")
    page.fill("#id_category", "labelling")
    page.fill("#id_instructions", "Dites ce que montre la **photo**.")
    page.fill("#id_reward", walk.amount("0,50"))
    page.fill("#id_estimated_minutes", "2")
    # the cost preview follows what is typed: 100 tasks (its guess) at 0.50, and 5% of fees
    expect(page.locator("#cost-total")).to_contain_text(walk.amount("52,50"))
    expect(page.locator("#cost-hourly")).to_contain_text(walk.amount("15,00"))
    walk.step("brouillon")
    page.locator("main form.card button[type=submit]").click()
    csv_file = tmp_path / "photos.csv"
    csv_file.write_text("image_url\n" + "".join(f"https://img.example/{i}.jpg\n" for i in range(4)))
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name=walk.t("Envoyer", "Upload")).click()
    expect(page.locator("#import-message")).to_contain_text("4")
    walk.step("csv-importe")
    page.locator("main").get_by_role("link", name="Chats ou chiens").click()
    page.get_by_role("link", name=walk.t("Publier", "Publish"), exact=True).click()
    # publishing asks first: 4 × 0.50 = 2.00 and 0.10 of fees, out of the 100.00 deposited
    expect(page.locator("#cost-total")).to_contain_text(walk.amount("2,10"))
    expect(page.locator("#cost-balance")).to_contain_text(walk.amount("97,90"))
    expect(page.locator("#cost-fee-juror_fund")).to_contain_text(walk.amount("0,01"))
    walk.step("confirmation")
    assert Project.objects.get(title="Chats ou chiens").status == "draft"
    page.get_by_role("button", name=walk.t("Confirmer : publier pour", "Confirm: publish for")).click()
    expect(page.locator(".messages")).to_be_visible()
    walk.step("publie")
    project = Project.objects.get(title="Chats ou chiens")
    assert project.status == "open"

    # three members submit (their own walk covers how)
    for user in workers:
        assignment_submit(member=user, assignment=assignment_claim(member=user, project=project),
                          answers={"label": "cat"})

    walk.menu(walk.t("À vérifier", "Review queue"))
    expect(page.locator("main")).to_contain_text(walk.t("3 rendus attendent votre vérification.",
                                                        "3 submissions wait for your review."))
    walk.step("a-verifier")
    page.get_by_role("link", name=walk.t("Vérifier le plus ancien", "Review the oldest")).click()
    expect(page.locator("main")).to_contain_text("cat")  # the answer is on the screen
    page.get_by_role("button", name=walk.t("Approuver et payer", "Approve and pay")).click()
    walk.step("approuve")
    page.get_by_role("link", name=walk.t("Rendu suivant", "Next submission")).click()
    page.select_option("#id_reason", "wrong_answer")
    page.fill("#id_explanation", "La photo montre un chien à gauche, voyez l'exemple deux.")
    page.get_by_role("button", name=walk.t("Rejeter", "Reject")).click()
    walk.step("rejete")
    page.get_by_role("link", name=walk.t("Rendu suivant", "Next submission")).click()
    page.fill("#id_comment", "Regardez aussi le coin en bas à droite, s'il vous plaît.")
    page.get_by_role("button", name=walk.t("Demander une révision", "Ask for a revision")).click()
    expect(page.locator("main")).to_contain_text(walk.t("Aucun autre rendu n’attend de vérification.",
                                                        "No other submission waits for review."))
    walk.step("revision")
    walk.menu(walk.t("Argent", "Money"))
    expect(page.locator("main")).to_contain_text(walk.t("Séquestre", "Escrow"))
    walk.step("argent-apres")
    walk.close()
    statuses = sorted(Assignment.objects.filter(project=project).values_list("status", flat=True))
    assert statuses == ["approved", "rejected", "revision_requested"]


def test_walk_appeal_three_jurors_decide_and_both_sides_read_it(lang, live_server, browser, allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana", params=PARAMS)
    people = [participate(member(coop, user=UserFactory(email=f"m{i}@tana.example"))) for i in range(8)]
    project = appeal_project(coop, tasks=4, reward=REWARD, estimated_minutes=10, funds=4 * 13200 + 1000)
    owner = project.organisation.staff.first().user
    worker = people[0]
    subs = []
    for user in people[:2]:
        a = assignment_claim(member=user, project=project)
        subs.append(assignment_submit(member=user, assignment=a, answers={"label": "yes"}))
    assignment_approve(actor=owner, assignment=subs[1])
    assignment_reject(actor=owner, assignment=subs[0], reason="incomplete", explanation=EXPLANATION)

    # the member reads the rejection and appeals
    walk = Walker(browser, live_server.url, "appeal", "member", lang=lang)
    page = walk.log_in(worker.email)
    walk.menu(walk.t("Recours", "Appeals"))
    page.get_by_role("link", name=walk.t("Faire recours", "Appeal"), exact=True).click()
    expect(page.locator("main")).to_contain_text(EXPLANATION)
    page.fill("#id_statement", STATEMENT)
    walk.step("recours")
    page.get_by_role("button", name=walk.t("Déposer mon recours", "File my appeal")).click()
    expect(page.locator(".messages")).to_contain_text(walk.t("Votre recours est déposé", "Your appeal was filed"))
    walk.step("recours-depose")

    # the job seals the log and draws the jury from the signed checkpoint: the filing's own job
    # (jobs run inline in tests) or, failing it, the periodic one. Wait for the appeal to be
    # drawn, not for a call that draws it: the 60 s went by whenever the filing's job had drawn.
    deadline = time.monotonic() + 60
    while (Appeal.objects.filter(status=Appeal.Status.AWAITING_DRAW).exists() and time.monotonic() < deadline
           and not appeals_due()["drawn"]):
        time.sleep(0.5)
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.JURY
    jurors = [seat.juror for seat in appeal.seats.select_related("juror")]
    assert len(jurors) == 3 and worker not in jurors

    for n, juror in enumerate(jurors, 1):
        seat = Walker(browser, live_server.url, "appeal", f"juror{n}", lang=lang)
        juror_page = seat.log_in(juror.email)
        seat.menu(seat.t("Recours", "Appeals"))
        juror_page.get_by_role("link", name=seat.t("Recours", "Appeal") + f" {appeal.pk}").click()
        expect(juror_page.locator("main")).to_contain_text(STATEMENT)
        expect(juror_page.locator("main")).not_to_contain_text(worker.email)
        juror_page.get_by_role("button", name=seat.t("Oui, je siège", "Yes, I will sit")).click()
        juror_page.get_by_label(seat.t("annuler la décision", "overturn the decision")).check()
        juror_page.fill("#id_reason", "La moitié basse du reçu est blanche ; rien n'a été sauté.")
        seat.step("vote")
        juror_page.get_by_role("button", name=seat.t("Voter", "Vote"), exact=True).click()
        expect(juror_page.locator(".messages")).to_contain_text(seat.t("Votre vote est enregistré.",
                                                                       "Your vote was recorded."))
        seat.step("vote-enregistre")
        seat.close()

    # the member reads the decision and is paid
    walk.menu(walk.t("Recours", "Appeals"))
    page.get_by_role("link", name=walk.t("Recours", "Appeal") + f" {appeal.pk}").click()
    expect(page.locator("main")).to_contain_text("rien n'a été sauté")
    expect(page.locator("#outcome")).to_contain_text(walk.t("Vous avez gagné : 120,00", "You won: $120.00"))
    walk.step("decision")
    walk.menu(walk.t("Portefeuille", "Wallet"))
    expect(page.locator("#wallet-balance")).to_contain_text(walk.amount("120,00"))
    walk.step("paye")
    walk.close()

    # the requester reads it too, from the submission in their review table
    requester = Walker(browser, live_server.url, "appeal", "requester", lang=lang)
    page_r = requester.log_in(owner.email)
    requester.menu(requester.t("Projets", "Projects"))
    page_r.get_by_role("link", name=project.title).click()
    page_r.get_by_role("link", name=requester.t("Relire les travaux rendus", "Review submissions")).click()
    page_r.select_option("#status", "all")
    page_r.get_by_role("button", name=requester.t("Filtrer", "Filter")).click()
    page_r.locator("#review-table").get_by_role("link", name=str(subs[0].pk), exact=True).click()
    with translation.override(lang):
        overturned = str(Assignment.Status.OVERTURNED.label)
    expect(page_r.locator("main h1 .badge")).to_have_text(overturned)
    requester.step("decision-cote-demandeur")
    requester.close()
    assert Assignment.objects.get(pk=subs[0].pk).status == "overturned"


def test_walk_proposal_vote_adoption_and_the_rulebook(lang, live_server, browser, allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    emails = ["fara@tana.example", "lova@tana.example", "nirina@tana.example"]
    for email in emails:
        voter(coop, user=UserFactory(email=email))

    fara = Walker(browser, live_server.url, "vote", "fara", lang=lang)
    page = fara.log_in(emails[0])
    fara.menu("Votes")
    page.get_by_role("link", name=fara.t("Faire une proposition", "Make a proposal")).click()
    page.fill("#id_title", "Relever le taux plancher à 15,00")
    page.fill("#id_body", "La transcription en malgache prend plus de temps que prévu.")
    page.locator("#group-pay > summary").click()
    page.fill("#id_p_floor_hourly_rate", fara.amount("15,00"))
    fara.step("proposition")
    page.get_by_role("button", name=fara.t("Enregistrer et ouvrir la discussion",
                                           "Save and open the discussion")).click()
    expect(page.locator("#proposal-status")).to_have_text(fara.t("en discussion", "in discussion"))
    fara.step("discussion")

    # the discussion period passes; the job opens the vote
    proposal = Proposal.objects.get()
    Proposal.objects.filter(pk=proposal.pk).update(discussion_ends_at=timezone.now() - timedelta(seconds=1))
    assert proposals_advance()["opened"] == 1

    for n, email in enumerate(emails):
        member_walk = Walker(browser, live_server.url, "vote", f"voter{n}", lang=lang)
        member_page = member_walk.log_in(email)
        member_walk.menu("Votes")
        member_page.get_by_role("link", name="Relever le taux plancher à 15,00").first.click()
        expect(member_page.locator("#proposal-status")).to_have_text(member_walk.t("au vote", "voting"))
        member_page.get_by_role("button", name=member_walk.t("Oui", "Yes"), exact=True).click()
        expect(member_page.locator(".messages")).to_contain_text(member_walk.t("Votre vote est enregistré.",
                                                                               "Your vote is recorded."))
        member_walk.step("vote")
        member_walk.close()

    # the deadline passes; the close job adopts it; the rulebook shows the new value
    Proposal.objects.filter(pk=proposal.pk).update(voting_ends_at=timezone.now() - timedelta(seconds=1))
    assert proposals_advance()["closed"] == 1
    page.reload()
    expect(page.locator("#proposal-status")).to_have_text(fara.t("adoptée", "adopted"))
    page.get_by_role("link", name=fara.t("Adoptée : version 2 du règlement", "Adopted: rulebook version 2")).click()
    expect(page.locator("#param-floor_hourly_rate")).to_contain_text(fara.amount("15,00"))
    fara.step("reglement")
    fara.close()


def test_walk_forum_live_in_two_browsers(lang, asgi_servers, browser, allow_async_unsafe):  # noqa: F811
    alice = member(user=UserFactory(email="fara@tana.example"))
    bob = member(coop=alice.coop, user=UserFactory(email="lova@tana.example"))
    room = room_for(alice.coop)
    (server,) = asgi_servers(1)
    walks = [Walker(browser, server.url, "forum", who, lang=lang) for who in ("fara", "lova")]
    pages = []
    for walk, person in zip(walks, (alice, bob), strict=True):
        page = walk.log_in(person.user.email)
        walk.menu("Forums")
        page.get_by_role("link", name=room.title).click()
        expect(page.locator("#live-status")).to_have_attribute("data-state", "online")
        walk.step("salon")
        pages.append(page)
    pages[0].fill("#post textarea", "Quelqu'un a fait le lot des **reçus** ?")
    pages[0].click("#post button[type=submit]")
    expect(pages[1].locator("#messages")).to_contain_text("Quelqu'un a fait le lot des reçus ?")
    walks[1].step("message-recu")
    pages[1].fill("#post textarea", "Oui, la paie est correcte")
    pages[1].click("#post button[type=submit]")
    expect(pages[0].locator("#messages")).to_contain_text("Oui, la paie est correcte")
    walks[0].step("reponse-recue")
    for walk in walks:
        walk.close()
