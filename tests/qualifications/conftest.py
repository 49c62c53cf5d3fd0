import pytest
from django.utils import translation

from tests.factories import CoopFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def coop():
    """A coop of its own for each test (the default rulebook)."""
    return CoopFactory()
