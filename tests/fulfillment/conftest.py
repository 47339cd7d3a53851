"""The commands suite's sandbox shop, reused for shipping (a session sandbox, reset per test)."""

from tests.commands.conftest import commands_sandbox, sandbox, shop

__all__ = ["commands_sandbox", "sandbox", "shop"]
