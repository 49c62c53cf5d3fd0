"""Requester transparency (issue 23 part 3): a project declares who its data is for, what for,
and whether it will be published; members see it on the card and the project page; a coop can
require it by vote and then refuses to publish a project that does not declare it; the
requester's scorecard shows which share of its projects named a client."""

import pytest
from django.urls import reverse

from coop.core.errors import DomainError
from tasks.appeals.scorecards import scorecard_compute
from tasks.models import Project
from tests.factories import CoopFactory, member, published_project

pytestmark = pytest.mark.django_db

DECLARED = {"end_client": "Lab of the University of Antananarivo", "purpose": "research",
            "purpose_text": "A study of how Malagasy is written on social networks.", "data_published": True}


def test_members_see_the_declaration_on_the_card_and_the_project_page(client):
    coop = CoopFactory()
    project = published_project(coop, **DECLARED)
    client.force_login(member(coop).user)
    for url in (reverse("tasks:feed"), reverse("tasks:project", args=[project.pk])):
        body = client.get(url).content.decode()
        assert "Lab of the University of Antananarivo" in body
        assert "research: " in body and "written on social networks" in body
        assert "the data will be published" in body


def test_an_undeclared_project_says_so(client):
    coop = CoopFactory()
    project = published_project(coop)
    client.force_login(member(coop).user)
    body = client.get(reverse("tasks:project", args=[project.pk])).content.decode()
    assert body.count("not said") == 3


def test_a_coop_that_requires_it_refuses_an_undeclared_project_and_publishes_a_declared_one():
    coop = CoopFactory(params={"transparency_required": "required"})
    with pytest.raises(DomainError) as err:
        published_project(coop, end_client="Acme", purpose="model_training", purpose_text="", data_published=False)
    assert err.value.code == "transparency_missing"
    assert not Project.objects.filter(coop=coop, status=Project.Status.OPEN).exists()
    assert published_project(coop, **DECLARED).status == Project.Status.OPEN


@pytest.mark.parametrize("field,value", [("purpose", "profit"), ("end_client", "x" * 201),
                                         ("purpose_text", "a\x00b"), ("data_published", "maybe")])
def test_a_bad_declaration_is_refused_with_its_field(field, value):
    with pytest.raises(DomainError) as err:
        published_project(CoopFactory(), **{**DECLARED, field: value})
    assert field in err.value.extra["fields"]


def test_the_api_takes_and_shows_the_declaration(client):
    from rest_framework.test import APIClient

    coop = CoopFactory()
    project = published_project(coop)
    api = APIClient()
    api.force_authenticate(project.organisation.owner)
    body = api.get(f"/api/projects/{project.pk}/").json()
    assert {k: body[k] for k in DECLARED} == {"end_client": "", "purpose": "", "purpose_text": "",
                                                "data_published": None}
    created = api.post("/api/projects/", {"coop": coop.slug, "title": "Posts", "category": "labelling",
                                          "question_form": project.question_form, "reward": 50,
                                          "estimated_minutes": 2, **DECLARED}, format="json")
    assert created.status_code == 201, created.content
    assert {k: created.json()[k] for k in DECLARED} == DECLARED


def test_the_scorecard_shows_the_share_of_projects_that_named_a_client():
    coop = CoopFactory()
    first = published_project(coop, **DECLARED)
    published_project(coop, organisation=first.organisation)
    figures = scorecard_compute(organisation_id=first.organisation.pk)
    assert (figures["projects_declared_client"], figures["projects_published"], figures["declared_client_pct"]) == (
        1, 2, 50)


# issue 23: a `country` requirement cites a legal reason (docs/transparency.md)
COUNTRY_RULE = {"metric": "country", "op": "in", "value": ["MG"]}
LEGAL = {"legal_reason": "data_residency", "legal_reason_text": "Malagasy law 2014-038 keeps this data in Madagascar."}


def _draft_requiring(coop, rule, **fields):
    from ledger.services import deposit_record
    from tasks.qualifications.services import project_requirements_set
    from tasks.services import project_create, tasks_add
    from tests.factories import computed_qualification, operator, project_fields
    from tests.factories.accounts import organisation as organisation_factory

    organisation = organisation_factory()
    owner = organisation.staff.first().user
    deposit_record(operator=operator(), organisation=organisation, amount=100_000, reference=f"w-{organisation.pk}")
    project = project_create(actor=owner, organisation=organisation, coop=coop, **project_fields(**fields))
    tasks_add(actor=owner, project=project, rows=[{"image_url": "https://img.example/1.jpg"}])
    project_requirements_set(actor=owner, project=project, qualifications=[computed_qualification(coop, rule)])
    return project, owner


def test_a_country_requirement_without_a_legal_reason_is_refused_by_field_and_nothing_opens():
    from tasks.services import project_publish

    coop = CoopFactory()
    project, owner = _draft_requiring(coop, {"all": [COUNTRY_RULE, {"metric": "tenure_days", "op": ">=", "value": 1}]})
    with pytest.raises(DomainError) as err:
        project_publish(actor=owner, project=project)
    assert err.value.code == "invalid_project" and "legal_reason" in err.value.extra["fields"]
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT and not project.slots.exists()


def test_a_country_requirement_with_a_legal_reason_publishes_into_the_stewards_review():
    from tasks.services import project_publish

    coop = CoopFactory()
    project, owner = _draft_requiring(coop, COUNTRY_RULE, **LEGAL)
    # it opens once a steward approves it (tests/tasks/test_country_review.py)
    assert project_publish(actor=owner, project=project).status == Project.Status.REVIEW


@pytest.mark.parametrize("fields,bad", [({"legal_reason": "taste"}, "legal_reason"),
                                        ({"legal_reason": "export_control"}, "legal_reason_text"),
                                        ({"legal_reason_text": "A law."}, "legal_reason")])
def test_a_bad_legal_reason_is_refused_with_its_field(fields, bad):
    with pytest.raises(DomainError) as err:
        published_project(CoopFactory(), **fields)
    assert bad in err.value.extra["fields"]


def test_the_api_refuses_a_legal_reason_without_its_sentence_by_field(client):
    from rest_framework.test import APIClient

    coop = CoopFactory()
    project = published_project(coop)
    api = APIClient()
    api.force_authenticate(project.organisation.owner)
    base = {"coop": coop.slug, "title": "Posts", "category": "labelling", "question_form": project.question_form,
            "reward": 50, "estimated_minutes": 2}
    refused = api.post("/api/projects/", {**base, "legal_reason": "export_control"}, format="json")
    assert refused.status_code == 400 and "legal_reason_text" in refused.content.decode()
    assert Project.objects.filter(organisation=project.organisation).count() == 1
    created = api.post("/api/projects/", {**base, **LEGAL}, format="json")
    assert created.status_code == 201 and created.json()["legal_reason"] == "data_residency"


def test_the_form_shows_the_legal_reason_error_on_its_field(client):
    coop = CoopFactory()
    project = published_project(coop)
    client.force_login(project.organisation.owner)
    data = {"coop": coop.pk, "title": "Posts", "category": "labelling", "question_form": "[]", "reward": "0.50",
            "estimated_minutes": 2, "assignments_per_task": 1, "time_limit_minutes": 60, "auto_approval_hours": 72,
            "legal_reason": "research_ethics"}
    body = client.post(reverse("tasks:requester_project_create"), data).content.decode()
    assert "Say which law or approval, in a sentence." in body
    assert Project.objects.filter(organisation=project.organisation).count() == 1


# issue 23: the feed tells a member who cannot take a country-restricted project why, without naming it
def _in_country(membership, country):
    from accounts.models import MemberProfile

    MemberProfile.objects.update_or_create(user=membership.user, defaults={"display_name": "M", "country": country})
    return membership.user


def _restricted_open(coop, title, qualification=None):
    """A country-restricted project (members in MG only), approved by a steward: open."""
    from tasks.qualifications.services import project_requirements_set
    from tasks.services import project_publish, project_review_approve
    from tests.factories import steward

    project, owner = _draft_requiring(coop, COUNTRY_RULE, title=title, **LEGAL)
    if qualification is not None:  # the same qualification for all, as a coop would
        project_requirements_set(actor=owner, project=project, qualifications=[qualification])
    project = project_publish(actor=owner, project=project)
    return project_review_approve(steward=steward(coop).user, project=project)


@pytest.fixture
def restricted_world(client):
    coop = CoopFactory()
    shown = published_project(coop, title="Open to all")
    first = _restricted_open(coop, "Malagasy voices")
    qualification = first.qualification_requirements.get().qualification
    second = _restricted_open(coop, "Antananarivo streets", qualification)
    return {"coop": coop, "shown": shown, "restricted": [first, second], "qualification": qualification,
            "inside": _in_country(member(coop), "MG"), "outside": _in_country(member(coop), "FR")}


LINE = "2 projects are open only to members in some countries, for a legal reason (export control, data residency, " \
       "research ethics)."


def test_the_feed_hides_them_from_a_member_outside_and_counts_them_without_names(client, restricted_world):
    client.force_login(restricted_world["outside"])
    body = client.get(reverse("tasks:feed")).content.decode()
    assert "Open to all" in body and LINE in body
    for project in restricted_world["restricted"]:
        assert project.title not in body and f"project-{project.pk}" not in body
        assert client.get(reverse("tasks:project", args=[project.pk])).status_code == 404
    french = client.get(reverse("tasks:feed"), headers={"accept-language": "fr"}).content.decode()
    assert "2 projets sont ouverts seulement aux membres de certains pays" in french


def test_a_member_inside_sees_them_with_their_legal_reason_on_the_card_and_the_page(client, restricted_world):
    client.force_login(restricted_world["inside"])
    body = client.get(reverse("tasks:feed")).content.decode()
    assert "open only to members in some countries" not in body
    project = restricted_world["restricted"][0]
    assert project.title in body and "a data-residency law: " in body and LEGAL["legal_reason_text"] in body
    page = client.get(reverse("tasks:project", args=[project.pk])).content.decode()
    assert "Only in some countries, by law" in page and LEGAL["legal_reason_text"] in page
    french = client.get(reverse("tasks:project", args=[project.pk]), headers={"accept-language": "fr"})
    assert "une loi de localisation des données" in french.content.decode()


def test_the_member_api_counts_them_in_a_field(restricted_world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(restricted_world["outside"])
    body = api.get("/api/work/").json()
    assert body["country_restricted_hidden"] == 2
    assert [p["title"] for p in body["projects"]] == ["Open to all"]
    api.force_login(restricted_world["inside"])
    body = api.get("/api/work/").json()
    assert body["country_restricted_hidden"] == 0
    assert {p["legal_reason"] for p in body["projects"]} == {"", "data_residency"} and len(body["projects"]) == 3


def test_the_feed_costs_the_same_queries_for_two_and_for_five_hidden_projects(client, restricted_world,
                                                                               django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(restricted_world["outside"])
    client.get(reverse("tasks:feed"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("tasks:feed"))
    for n in range(3):
        _restricted_open(restricted_world["coop"], f"More {n}", restricted_world["qualification"])
    with django_assert_num_queries(len(two.captured_queries)):
        body = client.get(reverse("tasks:feed")).content.decode()
    assert "5 projects are open only to members in some countries" in body


# --- the legal reason's words: one spelling, in tasks.transparency.LEGAL_REASONS ------------------

@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_page_says_each_legal_reason_in_the_words_of_legal_reasons(language):
    """templates/tasks/_transparency.html draws each label through the `legal_reason` filter
    (tasks/templatetags/transparency.py): the words of LEGAL_REASONS, translated, never a
    second spelling of them in the template."""
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.html import escape

    from tasks.transparency import LEGAL_REASONS

    source = (Path(settings.BASE_DIR) / "templates" / "tasks" / "_transparency.html").read_text()
    with translation.override(language):
        for code, label in LEGAL_REASONS:
            assert str(label) not in source
            project = Project(legal_reason=code, legal_reason_text="Malagasy law 2014-038.")
            html = render_to_string("tasks/_transparency.html", {"p": project})
            words = str(label)
            assert f'<dd class="legal-reason">{escape(words)}: <span translate="no">Malagasy law 2014-038.</span>' \
                in html
            if language == "fr":  # the French catalogue has each label
                with translation.override("en"):
                    assert words != str(label)
        assert "legal-reason" not in render_to_string("tasks/_transparency.html", {"p": Project()})


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_page_and_the_card_say_each_purpose_in_the_words_of_purposes(language):
    """The project page (the `purpose` filter) and the feed's card (tasks/views/cards.py) both draw
    a purpose through `purpose_label`: the words of PURPOSES, translated, never a second spelling."""
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.html import escape

    from tasks.transparency import PURPOSES, purpose_label

    source = (Path(settings.BASE_DIR) / "templates" / "tasks" / "_transparency.html").read_text()
    cards = (Path(settings.BASE_DIR) / "tasks" / "views" / "cards.py").read_text()
    with translation.override(language):
        for code, label in PURPOSES:
            assert f'"{label}"' not in source and f'"{label}"' not in cards
            html = render_to_string("tasks/_transparency.html", {"p": Project(purpose=code, purpose_text="A study.")})
            assert f'<dd>{escape(str(label))}: <span translate="no">A study.</span>' in html
            assert purpose_label(code) == str(label)
            if language == "fr":  # the French catalogue has each label
                with translation.override("en"):
                    english = str(label)
                assert str(label) != english
        assert purpose_label("a_code_no_longer_listed") == str(dict(PURPOSES)["other"]) and purpose_label("") == ""
