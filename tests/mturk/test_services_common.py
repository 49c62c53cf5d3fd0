"""What the MTurk services share (tasks/mturk/services/common.py): MTurk's Keywords read, the coop
chosen (keyword, the organisation's default, its last project, the only coop, or an error that
says how to choose), and a marketplace refusal turned into the SDK's RequestError."""

import pytest

from coop.core.errors import DomainError
from tasks.mturk.models import RequesterDefaults
from tasks.mturk.protocol import MturkError
from tasks.mturk.services.common import _call, _coop, _domain_message, _keywords
from tests.factories import CoopFactory, open_project, organisation

pytestmark = pytest.mark.django_db


def test_keywords_split_plain_words_from_options():
    assert _keywords(" Cats, coop:Tana ,estimate: 3, , images") == (["Cats", "images"],
                                                                    {"coop": "tana", "estimate": "3"})
    assert _keywords(None) == ([], {})


def test_the_coop_is_named_defaulted_remembered_or_the_only_one():
    org = organisation()
    tana = CoopFactory(slug="tana")
    assert _coop(org, {}) == tana  # the only coop
    lagos = CoopFactory(slug="lagos")
    assert _coop(org, {"coop": "lagos"}) == lagos
    with pytest.raises(MturkError, match="Say which coop"):
        _coop(org, {})
    open_project(tana, organisation=org)
    assert _coop(org, {}) == tana  # its last project's
    RequesterDefaults.objects.create(organisation=org, coop=lagos)
    assert _coop(org, {}) == lagos  # its default
    with pytest.raises(MturkError, match="No coop is called 'nowhere'"):
        _coop(org, {"coop": "nowhere"})


def test_a_sandbox_organisation_works_in_its_sandbox_coop_only():
    real = organisation()
    coop = CoopFactory(slug="tana")
    twin = organisation(sandbox_of=real)
    sandbox = CoopFactory(slug="sandbox-tana", sandbox_of=real)
    assert _coop(twin, {}) == sandbox
    with pytest.raises(MturkError, match="sandbox"):
        _coop(twin, {"coop": coop.slug})


def test_a_marketplace_refusal_becomes_a_request_error_with_its_details():
    def refuses(**kwargs):
        raise DomainError("below_floor_rate", "Too little.", {"fields": {"reward": "raise it"}})

    with pytest.raises(MturkError) as info:
        _call(refuses, x=1)
    assert info.value.code == "Atelier.below_floor_rate"
    assert info.value.message == 'Too little. {"reward": "raise it"}'
    assert _domain_message(DomainError("x", "Plain.")) == "Plain."
    assert _call(lambda **kwargs: kwargs, a=2) == {"a": 2}
