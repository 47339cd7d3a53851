"""The command tests' sandbox shop, and a sandbox with a cross-border seller (three shops)."""

import pytest

from tests.commands.conftest import commands_sandbox, ctl, sandbox, shop  # noqa: F401
from tests.mirror.conftest import small_config
from tiktok.sandbox import start_in_thread


@pytest.fixture(scope="session")
def two_sellers_sandbox():
    handle = start_in_thread(small_config(orders=60, sellers=2))
    yield handle
    handle.stop()


@pytest.fixture
def eu_sandbox(two_sellers_sandbox):
    """Regenerated from its seed, no faults: seller2 has GB, DE and FR shops."""
    ctl(two_sellers_sandbox, "POST", "reset")
    return two_sellers_sandbox
