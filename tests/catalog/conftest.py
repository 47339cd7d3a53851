"""The command tests' sandbox shop, for change sets applied end to end."""

from tests.commands.conftest import commands_sandbox, sandbox, shop  # noqa: F401
