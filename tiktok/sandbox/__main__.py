"""`python -m tiktok.sandbox`: serve the TikTok Shop Open API emulator."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from .app import SandboxApp
from .config import (
    DEFAULT_APP_KEY,
    DEFAULT_APP_SECRET,
    DEFAULT_SERVICE_ID,
    RETIRED_VERSIONS,
    FaultConfig,
    SandboxConfig,
)
from .server import make_server


def parse_args(argv: list[str] | None = None) -> SandboxConfig:
    """The run's configuration from the command line."""
    d = SandboxConfig()
    p = argparse.ArgumentParser(
        prog="python -m tiktok.sandbox", description="TikTok Shop Open API sandbox"
    )
    p.add_argument("--host", default=d.host)
    p.add_argument("--port", type=int, default=d.port)
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument(
        "--sellers",
        type=int,
        default=d.sellers,
        help="sellers; the first is a local US seller with one shop",
    )
    p.add_argument(
        "--shops-per-seller",
        type=int,
        default=d.shops_per_seller,
        help="shops of each cross-border seller (max 6)",
    )
    p.add_argument("--products", type=int, default=d.products, help="products per shop")
    p.add_argument(
        "--orders", type=int, default=d.orders, help="orders in total, spread evenly over the shops"
    )
    p.add_argument("--days", type=int, default=d.days, help="days of order history")
    p.add_argument(
        "--anchor",
        type=int,
        default=None,
        help="'now' of the generated data (epoch s); default: this hour",
    )
    p.add_argument("--app-key", default=DEFAULT_APP_KEY)
    p.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
    p.add_argument("--service-id", default=DEFAULT_SERVICE_ID)
    p.add_argument("--redirect-url", default=d.redirect_url)
    p.add_argument(
        "--access-token-ttl", type=int, default=d.access_token_ttl, help="seconds (default 7 days)"
    )
    p.add_argument(
        "--refresh-token-ttl",
        type=int,
        default=d.refresh_token_ttl,
        help="seconds (default 365 days)",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=d.rate_limit,
        help="requests/s per (app, shop, API); 0 = off",
    )
    p.add_argument(
        "--live", action="store_true", help="keep generating orders and life-cycle events"
    )
    p.add_argument("--pace", type=float, default=d.pace, help="seconds between live events")
    p.add_argument(
        "--webhook-url",
        default=None,
        help="app-level webhook address for shops without a subscription",
    )
    p.add_argument(
        "--webhook-time-scale",
        type=float,
        default=d.webhook_time_scale,
        help="multiplies the retry schedule",
    )
    p.add_argument(
        "--webhook-duplicates",
        type=float,
        default=d.webhook_duplicate_share,
        help="share sent twice",
    )
    p.add_argument(
        "--strict-empty-body", action="store_true", help="reject a `{}` body signed as empty"
    )
    f = FaultConfig()
    p.add_argument(
        "--fault-error-rate", type=float, default=f.error_rate, help="share of HTTP 500 / 36009003"
    )
    p.add_argument(
        "--fault-unavailable-rate", type=float, default=f.unavailable_rate, help="share of HTTP 503"
    )
    p.add_argument("--fault-latency-ms", type=int, default=f.latency_ms)
    p.add_argument("--fault-latency-jitter-ms", type=int, default=f.latency_jitter_ms)
    p.add_argument(
        "--fault-429-rate",
        type=float,
        default=f.rate_429,
        help="share of requests starting a 429 burst",
    )
    p.add_argument("--fault-burst-length", type=int, default=f.burst_length)
    p.add_argument(
        "--fault-drop-rate", type=float, default=f.drop_rate, help="share of dropped connections"
    )
    p.add_argument(
        "--fault-malformed-rate",
        type=float,
        default=f.malformed_rate,
        help="share of broken JSON bodies",
    )
    p.add_argument("--fault-seed", type=int, default=None, help="default: --seed")
    p.add_argument(
        "--retire",
        action="append",
        default=[],
        metavar="TEMPLATE=VERSION[,VERSION]",
        help="answer 36009014 for these versions too, e.g. '/order/{v}/orders=202309'",
    )
    p.add_argument(
        "--serve-retired",
        action="store_true",
        help="serve the versions TikTok retired (202309 transactions and payments) again",
    )
    a = p.parse_args(argv)
    retired = {} if a.serve_retired else dict(RETIRED_VERSIONS)
    for item in a.retire:
        template, sep, versions = item.partition("=")
        if not sep or not template.strip() or not versions.strip():
            p.error(f"--retire wants TEMPLATE=VERSION[,VERSION], got {item!r}")
        listed = {v.strip() for v in versions.split(",") if v.strip()}
        retired[template.strip()] = tuple(sorted(set(retired.get(template.strip(), ())) | listed))
    return SandboxConfig(
        retired=retired,
        host=a.host,
        port=a.port,
        threads=a.threads,
        seed=a.seed,
        sellers=a.sellers,
        shops_per_seller=a.shops_per_seller,
        products=a.products,
        orders=a.orders,
        days=a.days,
        anchor=a.anchor,
        app_key=a.app_key,
        app_secret=a.app_secret,
        service_id=a.service_id,
        redirect_url=a.redirect_url,
        access_token_ttl=a.access_token_ttl,
        refresh_token_ttl=a.refresh_token_ttl,
        rate_limit=a.rate_limit,
        live=a.live,
        pace=a.pace,
        webhook_url=a.webhook_url,
        webhook_time_scale=a.webhook_time_scale,
        webhook_duplicate_share=a.webhook_duplicates,
        lenient_empty_body=not a.strict_empty_body,
        faults=FaultConfig(
            error_rate=a.fault_error_rate,
            unavailable_rate=a.fault_unavailable_rate,
            latency_ms=a.fault_latency_ms,
            latency_jitter_ms=a.fault_latency_jitter_ms,
            rate_429=a.fault_429_rate,
            burst_length=a.fault_burst_length,
            drop_rate=a.fault_drop_rate,
            malformed_rate=a.fault_malformed_rate,
            seed=a.seed if a.fault_seed is None else a.fault_seed,
        ),
    )


def main(argv: list[str] | None = None) -> int:
    """Generate the data, print where things are, and serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = parse_args(argv)
    started = time.perf_counter()
    app = SandboxApp(cfg)
    world = app.store.world
    server = make_server(app, cfg.host, cfg.port, cfg.threads)
    base = f"http://{cfg.host}:{server.effective_port}"
    orders = sum(len(s.orders) for s in world.shops)
    print(
        f"TikTok Shop sandbox on {base}  (seed {cfg.seed}: {len(world.sellers)} sellers, "
        f"{len(world.shops)} shops, "
        f"{orders} orders; ready in {time.perf_counter() - started:.2f}s)\n"
        f"  app_key {cfg.app_key}  app_secret {cfg.app_secret}  service_id {cfg.service_id}\n"
        f"  consent page  {base}/open/authorize?service_id={cfg.service_id}&state=demo\n"
        f"  redirect URL  {cfg.redirect_url}\n"
        f"  demo logins   {', '.join(s.login for s in world.sellers)}\n"
        f"  control API   {base}/_sandbox/",
        flush=True,
    )
    if cfg.live:
        app.live.configure(True, cfg.pace)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.live.configure(False)
        app.webhooks.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
