"""Serving the sandbox over a real socket with waitress, in this thread or a background one."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any

from waitress.server import create_server

from .app import SandboxApp
from .config import SandboxConfig
from .state import Store


@dataclass
class SandboxHandle:
    """A running sandbox: its URL, the WSGI app and its state, and a way to stop it."""

    url: str
    app: SandboxApp
    server: Any
    thread: threading.Thread

    @property
    def state(self) -> Store:
        """The sandbox's in-memory state (hold `state.lock` while reading it)."""
        return self.app.store

    @property
    def config(self) -> SandboxConfig:
        """The configuration the sandbox runs with."""
        return self.app.cfg

    def stop(self) -> None:
        """Stop live mode, webhooks and the server, and close every connection."""
        self.app.live.configure(False)
        self.app.webhooks.stop()
        shutdown(self.server)
        self.thread.join(timeout=5)


def make_server(app: SandboxApp, host: str, port: int, threads: int) -> Any:
    """A waitress server (threaded, HTTP/1.1 keep-alive) for the app."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="sandbox",
        channel_timeout=30,
        connection_limit=200,
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
    )


def shutdown(server: Any) -> None:
    """Close the listening socket and every open channel so `run()` returns."""
    server.task_dispatcher.shutdown(timeout=2)
    for channel in list(server._map.values()):
        with contextlib.suppress(OSError):
            channel.close()
    server._map.clear()


def start_in_thread(
    config: SandboxConfig | None = None, *, port: int = 0, **overrides: Any
) -> SandboxHandle:
    """Start a sandbox on 127.0.0.1 (a free port unless given) in a daemon thread."""
    cfg = (
        dataclasses.replace(config or SandboxConfig(), **overrides)
        if overrides
        else (config or SandboxConfig())
    )
    cfg.port = port
    app = SandboxApp(cfg)
    server = make_server(app, cfg.host, port, cfg.threads)
    real_port = server.effective_port
    thread = threading.Thread(target=_serve, args=(server,), name="sandbox-server", daemon=True)
    thread.start()
    if cfg.live:
        app.live.configure(True, cfg.pace)
    handle = SandboxHandle(
        url=f"http://{cfg.host}:{real_port}", app=app, server=server, thread=thread
    )
    time.sleep(0.01)
    return handle


def _serve(server: Any) -> None:
    # closing the sockets under a running loop ends it with one of these
    with contextlib.suppress(OSError, ValueError):
        server.run()
