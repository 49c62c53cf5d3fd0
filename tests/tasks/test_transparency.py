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
