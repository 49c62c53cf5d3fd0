import pytest

TEST_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1


@pytest.fixture(autouse=True)
def _signing_key(settings):
    settings.EVENTLOG_SIGNING_KEY = TEST_SEED
    settings.EVENTLOG_TRUSTED_PUBLIC_KEYS = []
