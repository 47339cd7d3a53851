"""Hosts and app credentials of the TikTok Shop Open API (§1)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

# The API host serves every market, US included; region never changes it.
API_BASE_URL = "https://open-api.tiktokglobalshop.com"
# The token host is a different domain (note the hyphen) and takes no signature.
TOKEN_BASE_URL = "https://auth.tiktok-shops.com"
# Seller consent page for the rest of the world.
CONSENT_BASE_URL = "https://services.tiktokshop.com"
# UNVERIFIED: TikTok's own docs name both `services.us.tiktokshop.com` (202309 guide) and
# `services.tiktokshops.us` (202407 overview) for US sellers; keep it configurable.
CONSENT_BASE_URL_US = "https://services.us.tiktokshop.com"
CONSENT_BASE_URL_US_ALT = "https://services.tiktokshops.us"

# Explicit on every request so a stuck connection never hangs a worker.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0, pool=10.0)


@dataclass(frozen=True)
class AppCredentials:
    """A Partner Center app: key, secret (never shown in reprs) and consent service id."""

    app_key: str
    app_secret: str = field(repr=False)
    service_id: str | None = None

    def __post_init__(self) -> None:
        if not self.app_key or not self.app_secret:
            raise ValueError("app_key and app_secret are required")
