"""The feed's cards made once per page (tasks/views/cards.py, issue 18) draw the same page, to
the byte, as the template that reversed every link and translated every sentence per card: the
reference is that template as it was (feed_cards_reference.html), rendered with the same rows."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone, translation

from tasks.appeals.models import Scorecard
from tasks.models import OpenSlotStripe, Project, ProjectWatch
from tests.factories import CoopFactory, member, open_project, organisation

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "feed_cards_reference.html").read_text()


@pytest.fixture
def feed(client):
    """Cards in every state: open, paused, none left and watched, with a member's reason, a
    reviewed requester record, a fair share, each transparency answer, sensitive data."""
    coop = CoopFactory()
    reviewed = organisation(name="Lab & <Co>")
    Scorecard.objects.create(organisation=reviewed, figures={"reviewed": True, "hourly_pay": 1234,
                                                             "rejection_rate_pct": 12.5, "appeals_lost": 1})
    plain = organisation(name="Plain lab")
    Scorecard.objects.create(organisation=plain, figures={"reviewed": False})
    base = timezone.now()
    made = [
        open_project(coop, tasks=1, organisation=reviewed, title="One <task> & more", reward=1, estimated_minutes=1,
                     end_client="Client d'Or", purpose="research", purpose_text="A study's aim", data_published=True),
        open_project(coop, tasks=3, organisation=plain, title="Fair", fair_share_cap=2, purpose="model_training",
                     data_published=False, category="transcription"),
        open_project(coop, tasks=2, organisation=reviewed, title="Paused", purpose="moderation",
                     category="odd-cat"),
        open_project(coop, tasks=1, organisation=plain, title="Sensitive", data_flags=["personal_data"],
                     purpose="other", legal_reason="export_control", legal_reason_text="EAR 740 <licence> & more"),
        open_project(coop, tasks=1, organisation=plain, title="Taken", reward=123456, estimated_minutes=45),
    ]
    Project.objects.filter(pk=made[2].pk).update(status=Project.Status.PAUSED)
    OpenSlotStripe.objects.filter(project=made[4]).update(count=0)
    for n, p in enumerate(made):
        Project.objects.filter(pk=p.pk).update(published_at=base + timedelta(seconds=n))
    worker = member(coop).user
    ProjectWatch.objects.create(member=worker, coop=coop, project=made[4])
    client.force_login(worker)
    return client


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_cards_are_the_reference_template_to_the_byte(feed, language):
    response = feed.get("/work/", headers={"accept-language": language})
    body = response.content.decode()
    assert body.count('<article class="card"') == 5
    with translation.override(language):
        reference = engines["django"].from_string(REFERENCE).render(
            {"rows": response.context["rows"], "now": response.context["now"],
             "csrf_token": response.context["csrf_token"]}, request=response.wsgi_request)
    assert reference.count("<article") == 5
    assert reference in body
    # what the reference draws in every state is really on the page
    for text in ("One &lt;task&gt; &amp; more", "Lab &amp; &lt;Co&gt;", 'name="stop"', 'data-code="data_consent"',
                 'class="fair-share"', 'class="badge warn"', "EAR 740 &lt;licence&gt; &amp; more"):
        assert text in body, text


def test_the_cards_words_are_in_french(feed):
    body = feed.get("/work/", headers={"accept-language": "fr"}).content.decode()
    for text in ("la tâche", "environ 45 minutes", "1 tâche restante", "bilan : payé 12,34", "12,5 % refusés",
                 "au plus 2 tâches par membre jusqu", "recherche", "les données seront publiées", "non précisé",
                 "en pause", "Ne plus me prévenir"):
        assert text in body, text


def _card(body, project):
    start = body.index(f'<article class="card" id="project-{project.pk}">')
    return body[start:body.index("</article>", start)]


def test_a_card_drawn_before_shows_what_changed_since(feed):
    fair = Project.objects.get(title="Fair")
    before = _card(feed.get("/work/").content.decode(), fair)  # drawn once, kept in this process
    assert "3 tasks left" in before and "$0.50 a task" in before
    Project.objects.filter(pk=fair.pk).update(reward=777, title="Fair, raised")
    OpenSlotStripe.objects.filter(project=fair).update(count=0)  # 1 task left
    OpenSlotStripe.objects.filter(pk=fair.open_slot_stripes.order_by("pk")[0].pk).update(count=1)
    after = _card(feed.get("/work/").content.decode(), fair)
    assert "1 task left" in after and "$7.77 a task" in after and "Fair, raised" in after
    assert "3 tasks left" not in after
    french = _card(feed.get("/work/", headers={"accept-language": "fr"}).content.decode(), fair)
    assert "1 tâche restante" in french and "7,77" in french
