"""Settings of one sandbox run: sizes, credentials, token lifetimes, live pace and faults."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_APP_KEY = "sandboxappkey"
DEFAULT_APP_SECRET = "sandboxappsecret"
DEFAULT_SERVICE_ID = "7000000000000000001"

# Versions TikTok no longer serves (contract §18): they answer 36009014 like an unknown one.
# Keyed by path template with `{v}` for the version segment, as the routes are registered.
RETIRED_VERSIONS: dict[str, tuple[str, ...]] = {
    "/finance/{v}/statements/{statement_id}/statement_transactions": ("202309",),
    "/finance/{v}/orders/{order_id}/statement_transactions": ("202309",),
    "/finance/{v}/payments": ("202309",),
}


@dataclass
class FaultConfig:
    """Injected misbehaviour; shares are probabilities per API request."""

    error_rate: float = 0.0  # HTTP 500 with code 36009003
    unavailable_rate: float = 0.0  # HTTP 503
    latency_ms: int = 0  # added before answering
    latency_jitter_ms: int = 0
    rate_429: float = 0.0  # share of requests that start a burst of 429s
    burst_length: int = 5  # requests answered 429 once a burst starts
    drop_rate: float = 0.0  # close the socket without any response
    malformed_rate: float = 0.0  # HTTP 200 with a body that is not JSON
    seed: int = 0

    def update(self, values: dict[str, Any]) -> None:
        """Overwrite the named knobs, ignoring unknown names."""
        for f in dataclasses.fields(self):
            if f.name in values and values[f.name] is not None:
                setattr(self, f.name, type(getattr(self, f.name))(values[f.name]))

    def as_dict(self) -> dict[str, Any]:
        """The knobs as JSON."""
        return dataclasses.asdict(self)


@dataclass
class SandboxConfig:
    """Everything a sandbox run is started with."""

    host: str = "127.0.0.1"
    port: int = 8765
    seed: int = 1
    sellers: int = 2  # the first is a local US seller with one shop
    shops_per_seller: int = 3  # shops of every cross-border seller
    products: int = 40  # per shop
    orders: int = 3000  # in total, spread over all shops
    days: int = 120  # orders are spread over this many days before the anchor
    anchor: int | None = None  # "now" of the generated data; default: the current hour
    app_key: str = DEFAULT_APP_KEY
    app_secret: str = DEFAULT_APP_SECRET
    service_id: str = DEFAULT_SERVICE_ID
    redirect_url: str = "http://127.0.0.1:8000/shops/connect/callback"
    access_token_ttl: int = 7 * 24 * 3600
    refresh_token_ttl: int = 365 * 24 * 3600
    auth_code_ttl: int = 30 * 60
    rate_limit: int = 50  # requests per second per (app, shop, path template); 0 = off
    live: bool = False
    pace: float = 2.0  # seconds between life-cycle events in live mode
    webhook_url: str | None = None  # app-level address (Partner Center) for unsubscribed shops
    webhook_time_scale: float = 1.0  # multiplies the retry schedule (0.001 = 1000x faster)
    webhook_duplicate_share: float = 0.02  # share of deliveries sent twice on purpose
    webhook_timeout: float = 3.0
    lenient_empty_body: bool = True  # accept a `{}` body signed as if there were no body
    faults: FaultConfig = field(default_factory=FaultConfig)
    threads: int = 8
    # path template -> versions answered 36009014; the control API changes it while running
    retired: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(RETIRED_VERSIONS))

    def resolved_anchor(self) -> int:
        """The generated data's "now": fixed when given, else the start of the current hour."""
        if self.anchor is not None:
            return int(self.anchor)
        return int(time.time()) // 3600 * 3600

    def public(self) -> dict[str, Any]:
        """What the control API shows about the run (the secret included: it is a demo)."""
        data = dataclasses.asdict(self)
        data["anchor"] = self.anchor
        return data
