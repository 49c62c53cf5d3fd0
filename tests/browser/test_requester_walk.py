"""The requester's toolkit end to end (issue 20, "Done when"), on a 390-pixel phone in French,
following only links and buttons (tests/browser/walks.py): a bounding-box task from its template
in the builder, tried in the sandbox with test money, then for real with overlap 3, gold tasks
mixed in at 20 % and a signed webhook; members' work arrives (through the services: this is the
requester's walk), and the requester downloads the Dawid-Skene aggregate with its confidences."""

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from coop.federation.models import Coop
from tasks.models import Assignment, Project, Task
from tasks.services import assignment_claim, assignment_submit
from tasks.webhooks import signing
from tests.browser.walks import Walker
from tests.factories import CoopFactory, UserFactory, member, operator, organisation
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def build_from_template(page, walk, coop_pk, *, overlap=None, gold_rate=None):
    """Projets → Partir d'un modèle → Cadres de délimitation, a one-choice question added in the
    builder (the aggregate's confidences are a categorical field's), the coop, pay, saved."""
    walk.menu("Projets")
    page.get_by_role("link", name="Partir d'un modèle").click()
    page.get_by_role("link", name="Démarrer un projet : Cadres de délimitation").click()
    builder = page.locator("#form-builder")
    expect(builder).to_be_visible()
    page.select_option("#builder-kind", "single_choice")
    page.get_by_role("button", name="Ajouter une question").click()
    builder.locator(".builder-field").nth(1).locator("[data-key=label]").fill("La photo est-elle nette ?")
    expect(page.locator("#builder-preview")).to_contain_text("La photo est-elle nette ?")
    page.select_option("#coop", str(coop_pk))
    page.fill("#id_reward", "0,50")
    page.fill("#id_estimated_minutes", "2")
    if overlap:
        page.fill("#id_assignments_per_task", str(overlap))
    if gold_rate is not None:
        page.fill("#id_gold_rate_pct", str(gold_rate))
    walk.step("projet")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()


def upload_and_publish(page, walk, tmp_path, base, rows, publish=True):
    csv_file = tmp_path / "rues.csv"
    csv_file.write_text("image_url\n" + "".join(f"{base}/static/img/preview.svg?{i}\n" for i in range(rows)))
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#import-message")).to_contain_text(str(rows))
    if publish:
        publish_from_project_page(page, walk)


def publish_from_project_page(page, walk):
    project = Project.objects.order_by("-pk").first()
    page.locator("main").get_by_role("link", name=project.title).first.click()
    page.get_by_role("link", name="Publier", exact=True).click()
    page.get_by_role("button", name="Confirmer : publier pour").click()
    expect(page.locator(".messages")).to_be_visible()
    walk.step("publie")


def test_a_requester_tries_in_the_sandbox_then_runs_for_real_with_gold_overlap_webhooks_and_dawid_skene(
        live_server, browser, tmp_path, settings, allow_async_unsafe):
    from ledger.services import deposit_record

    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True  # the receiver the test starts is on 127.0.0.1
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    org = organisation(owner=UserFactory(email="mireille@ravina.example"), name="Ravina Labs")
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="VIR-1")
    members = [member(coop, user=UserFactory(email=f"{name}@tana.example")).user for name in ("fara", "hery", "lova")]

    walk = Walker(browser, live_server.url, "requester-toolkit", "mireille", lang="fr")
    page = walk.log_in(org.owner.email)

    # 1. the sandbox: test money, the same pages, a project published in the sandbox coop
    page.get_by_role("button", name="Ouvrir le bac à sable").click()
    expect(page.locator("#sandbox-banner")).to_be_visible()
    page.get_by_role("button", name="Ajouter de l’argent fictif").click()
    walk.step("bac-a-sable")
    sandbox_coop = Coop.objects.get(sandbox_of=org)
    build_from_template(page, walk, sandbox_coop.pk)
    upload_and_publish(page, walk, tmp_path, live_server.url, rows=2)
    tried = Project.objects.get(coop=sandbox_coop)
    assert tried.status == Project.Status.OPEN and tried.organisation.sandbox_of_id == org.pk
    page.get_by_role("button", name="Quitter le bac à sable").click()
    expect(page.locator("#sandbox-banner")).to_have_count(0)

    # 2. for real: overlap 3, gold mixed in at 20 %
    build_from_template(page, walk, coop.pk, overlap=3, gold_rate=20)
    project = Project.objects.get(coop=coop)
    assert project.assignments_per_task == 3 and project.gold_rate_pct == 20
    choice = project.question_form[1]["name"]
    upload_and_publish(page, walk, tmp_path, live_server.url, rows=5, publish=False)
    page.locator("main").get_by_role("link", name=project.title).first.click()
    page.get_by_role("link", name="Tâches de référence").click()
    page.get_by_role("button", name="Choisir").click()
    page.locator(f"input[name={choice}][value=yes]").check()
    page.fill("#gold-explanation", "La photo est nette : les contours sont francs.")
    page.get_by_role("button", name="Enregistrer comme référence").click()
    walk.step("reference")
    gold_task = Task.objects.get(project=project, is_gold=True)

    # 3. a signed webhook for each submission
    with Receiver() as receiver:
        walk.menu("Accueil")
        page.get_by_role("link", name="Webhooks").click()
        page.fill("#id_url", receiver.url)
        page.locator("input[name=events][value='assignment.submitted']").check()
        page.get_by_role("button", name="Ajouter", exact=True).click()
        secret = page.locator("#webhook-secret").inner_text()
        walk.step("webhook")
        walk.menu("Projets")
        publish_from_project_page(page, walk)

        # the members' work arrives (their own walks are tests/browser/test_form_builder.py's)
        for worker in members:
            for n in range(5):
                assignment = assignment_claim(member=worker, project=project)
                if n == 0:  # at 20 %, each member's first task is the gold one
                    assert assignment.task_id == gold_task.pk
                assignment_submit(member=worker, assignment=assignment,
                                  answers={"boxes": [], choice: "yes" if worker != members[2] or n else "no"})
    assert Assignment.objects.filter(project=project, status="submitted").count() == 15
    assert len(receiver.received) == 15
    for got in receiver.received:
        assert signing.signature_verify(secret=secret, headers=got["headers"], body=got["body"])
        assert json.loads(got["body"])["type"] == "assignment.submitted"

    # 4. the Dawid-Skene aggregate, downloaded with its confidences
    walk.menu("Projets")
    page.locator("main").get_by_role("link", name=project.title).first.click()
    page.get_by_role("link", name="Réponses agrégées").click()
    page.get_by_role("button", name="Agréger maintenant").click()
    expect(page.get_by_role("link", name="CSV")).to_be_visible()
    walk.step("agregation")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    walk.close()
    choices = [r for r in rows if r["field"] == choice]
    assert len(choices) == 5 and {r["method"] for r in rows} == {"dawid_skene"}
    assert all(r["answer"] == "yes" and 0.5 < float(r["confidence"]) <= 1 for r in choices)
