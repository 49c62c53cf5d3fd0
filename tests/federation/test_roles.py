"""Each role has its own home and menu; the menu lists only pages the role can use; a person
with two roles switches between them with a link (issue 16, points 1, 9 and 14)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Notice
from coop.federation import roles, services
from coop.federation.models import Membership
from tests.factories import CoopFactory, MembershipFactory, UserFactory, member, operator, organisation, steward
from tests.factories.tasks import open_project

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<details class="menu".*?</details>', re.S)
LINK = re.compile(r'<a href="([^"]+)"')


def menu_of(page):
    match = MENU.search(page)
    return match.group(0) if match else ""


def menu_links(page):
    return LINK.findall(menu_of(page))


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def people():
    coop = CoopFactory(name="Coop Tana", slug="tana")
    org = organisation(name="Lab Nord")
    return {
        "coop": coop, "org": org,
        "member": member(coop).user,
        "steward": steward(coop).user,
        "applicant": MembershipFactory(coop=coop, status=Membership.Status.APPLICANT, joined_at=None).user,
        "requester": org.owner,
        "operator": operator(),
        "newcomer": UserFactory(),
    }


def test_roles_held_reads_every_role_in_one_query(people, django_assert_num_queries):
    both = people["steward"]
    organisation(owner=both, name="Second lab")
    with django_assert_num_queries(1):
        held, orgs = roles.roles_held(both)
    assert held == [roles.MEMBER, roles.REQUESTER, roles.STEWARD] and [name for _pk, name in orgs] == ["Second lab"]
    assert roles.roles_held(people["applicant"])[0] == [roles.APPLICANT]
    assert roles.roles_held(people["operator"])[0] == [roles.OPERATOR]
    assert roles.roles_held(people["newcomer"])[0] == [roles.NEWCOMER]


def test_a_withdrawn_application_is_not_a_membership(people):
    services.membership_leave(user=people["applicant"])
    assert roles.roles_held(people["applicant"])[0] == [roles.NEWCOMER]


@pytest.mark.parametrize("who, home, wanted, unwanted", [
    ("member", "/dashboard/", ["/work/", "/work/mine/", "/work/agreement/", "/wallet/", "/qualifications/",
                               "/appeals/", "/proposals/", "/forums/"], ["/requester/", "/steward/", "/operator/"]),
    ("requester", "/requester/", ["/requester/projects/", "/requester/review/", "/money/", "#keys", "#staff",
                                  "/requester/terms/"], ["/work/", "/wallet/", "/steward/", "/operator/"]),
    ("steward", "/steward/applications/", ["/steward/applications/", "/steward/members/", "/appeals/steward/",
                                           "/steward/agreement/", "/steward/payouts/"], ["/requester/", "/operator/"]),
    ("operator", "/operator/", ["/operator/", "/operator/ledger/"], ["/work/", "/wallet/", "/steward/"]),
    ("applicant", "/dashboard/", ["/apply/"], ["/work/", "/wallet/", "/proposals/", "/steward/", "/requester/"]),
])
def test_each_role_has_its_home_and_its_menu(client, people, who, home, wanted, unwanted):
    client.force_login(people[who])
    if who == "steward":  # a steward is a member too, at home on the dashboard until they switch
        assert client.get("/").url == "/dashboard/"
        get(client, home)
    response = client.get("/")
    assert response.status_code == 302 and response.url.split("?")[0] == home
    links = menu_links(get(client, response.url))
    for part in wanted:
        assert any(part in link for link in links), (who, part, links)
    for part in unwanted:
        assert not any(part in link for link in links if "/accounts/profile/" not in link), (who, part, links)


@pytest.mark.parametrize("who", ["member", "requester", "steward", "operator", "applicant", "newcomer"])
def test_every_page_in_a_roles_menu_opens_for_that_role(client, people, who):
    """Pages a role cannot use do not appear in its menu: each menu link answers 200."""
    client.force_login(people[who])
    home = "/steward/applications/" if who == "steward" else client.get("/").url
    links = menu_links(get(client, home))
    assert len(links) >= 3
    for link in links:
        get(client, link.split("#")[0])


def test_a_requesters_dashboard_does_not_ask_them_to_join_a_coop(client, people):
    client.force_login(people["requester"])
    page = get(client, reverse("federation:dashboard"))
    assert "You are not in a coop yet" not in page and "Apply to a coop" not in page
    assert reverse("accounts:requester_home") in page


def test_the_requester_home_links_projects_and_money(client, people):
    org = people["org"]
    client.force_login(people["requester"])
    page = get(client, reverse("accounts:requester_home"))
    assert reverse("tasks:requester_projects") in page and reverse("ledger:requester", args=[org.pk]) in page
    assert "Requester" in re.search(r'id="role-badge">([^<]+)<', page).group(1)


def test_a_steward_switches_between_member_and_steward_with_links(client, people):
    client.force_login(people["steward"])
    dashboard = get(client, reverse("federation:dashboard"))
    assert re.search(r'id="role-badge">Member<', dashboard)
    assert f'href="{reverse("federation:steward_applications")}">Steward</a>' in menu_of(dashboard)
    steward_page = get(client, reverse("federation:steward_applications"))
    assert re.search(r'id="role-badge">Steward<', steward_page)
    assert f'href="{reverse("federation:dashboard")}">Member</a>' in menu_of(steward_page)
    # a page shared by the roles (the profile) keeps the role last used
    assert re.search(r'id="role-badge">Steward<', get(client, reverse("accounts:profile")))
    get(client, reverse("tasks:feed"))
    assert re.search(r'id="role-badge">Member<', get(client, reverse("accounts:profile")))


def test_the_requester_menu_follows_the_organisation_in_use(client, people):
    second = organisation(owner=people["requester"], name="Another lab")
    client.force_login(people["requester"])
    page = get(client, reverse("accounts:requester_home") + f"?org={second.pk}")
    assert reverse("ledger:requester", args=[second.pk]) in menu_of(page)
    page = get(client, reverse("ledger:requester", args=[people["org"].pk]))
    assert reverse("ledger:requester", args=[people["org"].pk]) in menu_of(page)


def test_an_applicant_sees_no_member_menu_role_or_big_leave_button(client, people):
    client.force_login(people["applicant"])
    page = get(client, reverse("federation:dashboard"))
    assert "Your application is waiting for a steward." in page
    assert "Wallet" not in menu_of(page) and ">Role<" not in page and "Leave the coop" not in page
    assert re.search(r'<button class="link">Withdraw my application</button>', page)


def test_a_member_leaves_the_coop_from_a_folded_section(client, people):
    client.force_login(people["member"])
    page = get(client, reverse("federation:dashboard"))
    assert re.search(r'<details class="quiet"><summary>Leave the coop</summary>', page)


def test_apply_lists_coops_with_floor_rate_languages_and_kinds_of_work(client, people):
    coop = people["coop"]
    people["member"].profile.languages = ["fr", "mg"]
    people["member"].profile.save()
    people["steward"].profile.languages = ["fr"]
    people["steward"].profile.save()
    open_project(coop, category="transcription")
    CoopFactory(name="Lagos coop", slug="lagos")
    client.force_login(people["newcomer"])
    page = get(client, reverse("federation:apply"))
    card = re.search(r'<li class="card coop" id="coop-tana">.*?</li>', page, re.S).group(0)
    assert "$12.00 per hour at least" in card  # the default floor, 1200 cents
    assert "French, Malagasy" in card  # Django knows Malagasy since issue 23 (LANG_INFO) and "transcription" in card
    lagos = re.search(r'<li class="card coop" id="coop-lagos">.*?</li>', page, re.S).group(0)
    assert "no work in the last 90 days" in lagos
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("federation:apply"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "au moins 12,00" in page and "Français" in page


def test_apply_preselects_the_chosen_coop(client, people):
    client.force_login(people["newcomer"])
    page = get(client, reverse("federation:apply") + f"?coop={people['coop'].pk}")
    assert re.search(rf'<option value="{people["coop"].pk}" selected>', page)


@pytest.mark.parametrize("handle", ["admit", "decline", "withdraw"])
def test_handled_applications_resolve_the_stewards_notices(client, people, handle):
    coop = people["coop"]
    other_steward = steward(coop).user
    applicant = UserFactory()
    application = services.membership_apply(user=applicant, coop=coop, statement="I label pictures in French.")
    notices = Notice.objects.filter(kind="application")
    assert notices.count() == 2 and not notices.filter(resolved_at__isnull=False).exists()
    if handle == "admit":
        services.membership_admit(steward=people["steward"], membership=application)
    elif handle == "decline":
        services.membership_decline(steward=people["steward"], membership=application, reason="We are full for now.")
    else:
        services.membership_leave(user=applicant)
    assert notices.filter(resolved_at__isnull=True).count() == 0 and notices.filter(read_at__isnull=True).count() == 0
    client.force_login(other_steward)
    page = get(client, reverse("federation:dashboard"))
    assert "handled" in page and 'badge warn' not in page  # no unread count for a handled item


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content if response.streaming else [response.content])[:4] == b"\x00\x00\x01\x00"


def test_logging_in_lands_on_the_home_of_ones_role(client, people):
    from tests.factories.federation import PASSWORD

    response = client.post(reverse("login"), {"username": people["requester"].email, "password": PASSWORD},
                           follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:requester_home"))
