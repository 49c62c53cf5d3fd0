"""coop/simulation/database.py: a run's settings (jobs counted not run, no email, a signing
key, no query log) are put back afterwards, even when the run fails."""

import pytest
from django_q.conf import Conf

from coop.simulation.database import TEST_KEY, simulation_settings


def test_simulation_settings_are_set_then_restored(settings):
    settings.EVENTLOG_SIGNING_KEY, settings.EVENTLOG_DEV_KEY_FILE, settings.DEBUG = "", "", True
    before = (Conf.SYNC, Conf.BROKER_CLASS, settings.EMAIL_BACKEND)
    with pytest.raises(RuntimeError), simulation_settings():
        assert (Conf.SYNC, Conf.BROKER_CLASS) == (False, "coop.simulation.broker.Counting")
        assert settings.EMAIL_BACKEND.endswith("dummy.EmailBackend") and settings.DEBUG is False
        assert settings.EVENTLOG_SIGNING_KEY == TEST_KEY
        raise RuntimeError("the run failed")
    assert (Conf.SYNC, Conf.BROKER_CLASS, settings.EMAIL_BACKEND) == before
    assert settings.EVENTLOG_SIGNING_KEY == "" and settings.DEBUG is True


def test_an_installations_own_key_is_kept(settings):
    settings.EVENTLOG_SIGNING_KEY = "ab" * 32
    with simulation_settings():
        assert settings.EVENTLOG_SIGNING_KEY == "ab" * 32
