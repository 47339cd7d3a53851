"""The commands suite's sandbox shop, reused for shipping (a session sandbox, reset per test)."""

from tests.commands.conftest import commands_sandbox, sandbox, shop

__all__ = ["commands_sandbox", "sandbox", "shop"]


import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Stored documents go to a fresh folder per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Download threads have their own connections, which cannot see a test's open transaction.
    settings.DOCUMENT_FETCH_THREADS = 1
    return tmp_path / "media"
