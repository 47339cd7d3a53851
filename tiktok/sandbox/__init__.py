"""A faithful TikTok Shop Open API emulator (no Django): `python -m tiktok.sandbox`."""

from __future__ import annotations

from .app import SandboxApp
from .config import FaultConfig, SandboxConfig
from .server import SandboxHandle, start_in_thread

__all__ = ["FaultConfig", "SandboxApp", "SandboxConfig", "SandboxHandle", "start_in_thread"]
