"""accounts/backends.py: Django's ModelBackend whose `get_user` reads the user and their profile
in one statement (issue 18), refusing whom Django's refuses (no such user, not active)."""

import pytest

from accounts.backends import UserBackend, user_with_profile
from accounts.models import MemberProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_get_user_loads_the_profile_with_the_user_in_one_query(django_assert_num_queries):
    person = UserFactory()
    with django_assert_num_queries(1):
        user = UserBackend().get_user(person.pk)
        assert (user.pk, user.email) == (person.pk, person.email)
        assert user.profile.country == "MG" and user.profile.languages == ["fr", "en"]  # JSON as the ORM loads it


def test_a_user_without_profile_is_known_to_have_none(django_assert_num_queries):
    person = UserFactory()
    MemberProfile.objects.filter(user=person).delete()
    with django_assert_num_queries(1):
        user = UserBackend().get_user(person.pk)
        with pytest.raises(MemberProfile.DoesNotExist):
            _ = user.profile


def test_an_inactive_user_is_refused():
    person = UserFactory(is_active=False)
    assert UserBackend().get_user(person.pk) is None


def test_user_with_profile_answers_none_for_ids_that_name_no_user():
    assert user_with_profile(10**9) is None
    assert user_with_profile(2**64) is None
    assert user_with_profile("not a number") is None
