#!/usr/bin/env python3
"""Set up and run the back office on a fresh machine: `dev.py run` (the demo) or `dev.py test`.

Stdlib only: it runs before the virtualenv exists. Each step is idempotent and fast when
nothing changed, and every missing prerequisite ends in one line naming the fix.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VPY = VENV / "bin" / "python"
ENV_FILE = ROOT / ".env"
PG_VERSIONS = ("17", "16", "15", "14", "13")
CHROMIUM = Path("/usr/bin/chromium")
SANDBOX_APP = {
    "TIKTOK_APP_KEY": "sandboxappkey",
    "TIKTOK_APP_SECRET": "sandboxappsecret",
    "TIKTOK_SERVICE_ID": "7000000000000000001",
}


class SetupError(Exception):
    """A prerequisite is missing; the message is the one line the user sees."""


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)


# --- virtualenv -----------------------------------------------------------------------------


def ensure_venv() -> None:
    """Create .venv and install the locked-range dependencies when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        raise SetupError(f"Python 3.11+ is required (this is {sys.version.split()[0]}).")
    if not VPY.exists():
        say("creating virtualenv .venv")
        try:
            run([sys.executable, "-m", "venv", str(VENV)], stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError as exc:
            raise SetupError("could not create a virtualenv: install python3-venv") from exc
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing dependencies")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        if not (VENV / "bin" / "uv").exists():
            if subprocess.call([str(VPY), "-m", "pip", "--version"], **quiet) != 0:
                run([str(VPY), "-m", "ensurepip"], **quiet)
            run([str(VPY), "-m", "pip", "install", "-q", "uv"], **quiet)
        run(
            [
                str(VENV / "bin" / "uv"),
                "pip",
                "install",
                "-q",
                "--python",
                str(VPY),
                "-r",
                str(ROOT / "pyproject.toml"),
                "--extra",
                "dev",
            ],
        )
    except subprocess.CalledProcessError as exc:
        raise SetupError(
            "dependency install failed (see above); check network access to PyPI"
        ) from exc
    stamp.write_text(digest)


# --- .env -----------------------------------------------------------------------------------


def read_env_file() -> dict[str, str]:
    values: dict[str, str] = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip("'\"")
    return values


def ensure_env_file() -> None:
    """Write the secrets a first run needs into .env (never overwriting what is there)."""
    current = read_env_file()
    additions = []
    if "SECRET_KEY" not in current and "SECRET_KEY" not in os.environ:
        additions.append(f"SECRET_KEY={secrets.token_urlsafe(50)}")
    if "TOKEN_ENCRYPTION_KEYS" not in current and "TOKEN_ENCRYPTION_KEYS" not in os.environ:
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        additions.append(f"TOKEN_ENCRYPTION_KEYS={key}")
    if additions:
        say("writing generated secrets to .env")
        with ENV_FILE.open("a") as fh:
            if not current:
                fh.write("# Written by the first run; see .env.example for every setting.\n")
            fh.write("\n".join(additions) + "\n")
        ENV_FILE.chmod(0o600)


# --- PostgreSQL -----------------------------------------------------------------------------


def can_connect(url: str) -> str | None:
    """None when `url` accepts a connection, else the server's one-line reason."""
    probe = (
        "import sys, psycopg\n"
        "try:\n"
        "    psycopg.connect(sys.argv[1], connect_timeout=3).close()\n"
        "except Exception as exc:\n"
        "    print(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)\n"
        "    sys.exit(1)\n"
    )
    result = subprocess.run([str(VPY), "-c", probe, url], capture_output=True, text=True)
    return None if result.returncode == 0 else (result.stdout.strip() or result.stderr.strip())


def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server if it is missing; return its URL."""
    script = (
        "import sys, psycopg\n"
        "from psycopg import sql\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    q = 'select 1 from pg_database where datname=%s'\n"
        "    if not c.execute(q, [sys.argv[2]]).fetchone():\n"
        "        c.execute(sql.SQL('create database {}').format(sql.Identifier(sys.argv[2])))\n"
    )
    run([str(VPY), "-c", script, server_url, name])
    base, _, query = server_url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def pg_bindir() -> Path | None:
    """The folder holding initdb/pg_ctl/postgres, from PATH or Debian's versioned folders."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    for version in PG_VERSIONS:
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    return None


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SetupError(f"no free port near {preferred} for the private PostgreSQL cluster")


def cluster_home() -> tuple[Path, str | None]:
    """Where the private cluster lives, and the OS user that must own it (None: ourselves).

    PostgreSQL refuses to run as root, so as root the cluster runs as `postgres`; that user
    must be able to reach the folder, which a project under /root (mode 0700) does not allow.
    """
    if os.geteuid() != 0:
        return ROOT / ".var" / "postgres", None
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise SetupError("running as root needs a 'postgres' OS user: useradd -r postgres") from exc
    inside = ROOT / ".var" / "postgres"
    probe = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)], capture_output=True
    )
    if probe.returncode == 0:
        return inside, "postgres"
    key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    return Path(f"/tmp/tiktok-backoffice-{key}/postgres"), "postgres"


def start_private_cluster() -> str:
    """Start (creating on first use) a cluster under an ignored folder; return its server URL."""
    bindir = pg_bindir()
    if bindir is None:
        raise SetupError(
            "PostgreSQL not found: set DATABASE_URL, run a server on localhost:5432, "
            "or install the server binaries (apt-get install postgresql)"
        )
    home, owner = cluster_home()
    data, sockets, logfile, portfile = (
        home / "data",
        home / "run",
        home / "server.log",
        home / "port",
    )
    as_owner = ["runuser", "-u", owner, "--"] if owner else []
    home.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(exist_ok=True)
    if owner:
        shutil.chown(home, owner)
        shutil.chown(sockets, owner)
        home.parent.chmod(0o755)
    if not (data / "PG_VERSION").exists():
        say(f"creating a private PostgreSQL cluster in {home}")
        run(
            [
                *as_owner,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            stdout=subprocess.DEVNULL,
        )
    port = int(portfile.read_text()) if portfile.exists() else 0
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    if port and can_connect(url) is None:
        return url
    port = free_port(port or 54329)
    portfile.write_text(str(port))
    if owner:
        shutil.chown(portfile, owner)
    say(f"starting the private PostgreSQL cluster on 127.0.0.1:{port}")
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    result = subprocess.run(
        [
            *as_owner,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(logfile),
            "-w",
            "-o",
            options,
            "start",
        ],
        capture_output=True,
        text=True,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    if result.returncode != 0 or can_connect(url) is not None:
        tail = logfile.read_text().strip().splitlines()[-1:] if logfile.exists() else []
        raise SetupError(f"the private PostgreSQL cluster did not start: {' '.join(tail)}")
    STARTED_CLUSTERS.append([*as_owner, str(bindir / "pg_ctl"), "-D", str(data)])
    return url


# pg_ctl commands (without the action) of the clusters this process started.
STARTED_CLUSTERS: list[list[str]] = []


def stop_started_clusters() -> None:
    """Stop the private cluster if this run started it (one found running is left alone)."""
    while STARTED_CLUSTERS:
        command = STARTED_CLUSTERS.pop()
        say("stopping the private PostgreSQL cluster")
        subprocess.run([*command, "-m", "fast", "-w", "stop"], capture_output=True)


def resolve_database() -> str:
    """DATABASE_URL if set, else a server on localhost, else the private cluster."""
    explicit = os.environ.get("DATABASE_URL") or read_env_file().get("DATABASE_URL")
    if explicit:
        reason = can_connect(explicit)
        if reason:
            raise SetupError(f"DATABASE_URL does not connect ({reason}); fix or unset it")
        say("using DATABASE_URL")
        return explicit
    user = quote(os.environ.get("USER") or "postgres")
    for candidate in (
        "postgresql://postgres@localhost:5432/postgres",
        f"postgresql://{user}@localhost:5432/postgres",
    ):
        if can_connect(candidate) is None:
            say("using the PostgreSQL server on localhost:5432")
            return ensure_database(candidate, "backoffice")
    return ensure_database(start_private_cluster(), "backoffice")


# --- commands -------------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """The environment for the processes started here: bytecode is cached in .var/pycache.

    Where PYTHONDONTWRITEBYTECODE is set (as on this machine) and uv installs no bytecode, each
    process compiled Django and the project from source again: 1.7 s of every start, paid by
    each worker a test kills and each `manage.py` call. The cache stays out of the sources too.
    """
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / ".var" / "pycache"))
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    run([str(VPY), str(ROOT / "manage.py"), *args], env=env, cwd=ROOT)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def command_run() -> int:
    ensure_venv()
    ensure_env_file()
    settings = {**read_env_file(), **os.environ}
    web_port = int(settings.get("PORT", "8000"))
    sandbox_on = settings.get("SANDBOX", "true").lower() in ("1", "true", "yes", "on")
    sandbox_port = int(settings.get("SANDBOX_PORT", "8800"))
    for port, var in [(web_port, "PORT")] + (
        [(sandbox_port, "SANDBOX_PORT")] if sandbox_on else []
    ):
        if port_in_use(port):
            raise SetupError(f"port {port} is in use; stop what holds it or set {var} to another")
    try:
        return _serve(settings, web_port, sandbox_on, sandbox_port)
    finally:
        stop_started_clusters()


def _serve(settings: dict[str, str], web_port: int, sandbox_on: bool, sandbox_port: int) -> int:
    env = child_env(DATABASE_URL=resolve_database(), WEB_PORT=str(web_port))
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Production settings by default (DEBUG=true in .env or the environment turns them off);
    # plain http on loopback needs cookies without the secure flag and no HTTPS redirect.
    env.setdefault("DEBUG", settings.get("DEBUG", "false"))
    for key, value in PLAIN_HTTP.items():
        env.setdefault(key, settings.get(key, value))
    if sandbox_on:
        env["DEMO"] = "true"
        env["SANDBOX_PORT"] = str(sandbox_port)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        # With the sandbox on, the demo always talks to it (and to its demo app, unless .env
        # names other credentials, which the Procfile then hands to the sandbox too).
        for key in ("TIKTOK_API_BASE", "TIKTOK_AUTH_BASE", "TIKTOK_CONSENT_BASE"):
            env[key] = sandbox_url
        env["TIKTOK_WEBHOOK_URL"] = f"http://127.0.0.1:{web_port}/webhooks/tiktok"
        # The sandbox's demo app (tiktok/sandbox/README.md); real credentials go in .env.
        for key, value in SANDBOX_APP.items():
            env[key] = settings.get(key) or value
    # migrate also creates the cache table and upserts the code-declared schedules.
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("ensure_demo_admin", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    print(f"\n  The back office: http://127.0.0.1:{web_port}/", flush=True)
    if sandbox_on:
        print(f"  The TikTok Shop sandbox: http://127.0.0.1:{sandbox_port}/_sandbox/\n", flush=True)
    names = ["web", "worker"] + (["sandbox"] if sandbox_on else [])
    return run_procfile(names, env)


# What serving plain http on loopback needs (make run); production keeps the secure defaults.
PLAIN_HTTP = {
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
}


# --- the processes of make run --------------------------------------------------------------


def read_procfile(path: Path) -> dict[str, str]:
    entries = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


class Supervised:
    """One Procfile process in its own process group, its output prefixed with its name."""

    def __init__(self, name: str, command: str, env: dict[str, str], width: int) -> None:
        self.name, self.command, self.env, self.width = name, command, env, width
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.restarts = 0
        self.due = 0.0  # when a crashed process is started again
        self.relay: threading.Thread | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c", self.command],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started = time.monotonic()
        self.relay = threading.Thread(target=self._relay, args=(self.proc,), daemon=True)
        self.relay.start()

    def _relay(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            print(f"{time.strftime('%H:%M:%S')} {self.name:<{self.width}} | {line}", flush=True)

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signum)


def run_procfile(names: list[str], env: dict[str, str], procfile: Path = ROOT / "Procfile") -> int:
    """Run the named Procfile processes; restart any that dies; stop them all on Ctrl-C/TERM.

    One crash never takes the others down.
    """
    entries = read_procfile(procfile)
    width = max(len(name) for name in names)
    processes = [Supervised(name, entries[name], env, width) for name in names]
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        while not stopping.wait(0.5):
            for process in processes:
                assert process.proc is not None
                code = process.proc.poll()
                if code is None:
                    continue
                now = time.monotonic()
                if process.due == 0.0:
                    if now - process.started > 60:
                        process.restarts = 0
                    delay = min(30, 2**process.restarts)
                    say(f"{process.name} exited with code {code}; starting it again in {delay} s")
                    process.due = now + delay
                elif now >= process.due:
                    process.restarts += 1
                    process.due = 0.0
                    process.start()
    finally:
        say("stopping")
        for process in processes:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in processes:
            if process.proc is None:
                continue
            try:
                process.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{process.name} did not stop in time; killing it")
                process.signal(signal.SIGKILL)
                process.proc.wait()
            if process.relay is not None:
                process.relay.join(timeout=2)  # its last lines (how it stopped) are shown
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


# Debian packages the tests need, each with a file that shows it is installed: Chromium for
# the browser tests, DejaVu Sans for pick lists with names outside Latin-1.
TEST_PACKAGES = {
    "chromium": CHROMIUM,
    "fonts-dejavu-core": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}


def ensure_chromium() -> None:
    """Install the Debian packages the tests need (Chromium, a Unicode font) when missing."""
    missing = [name for name, path in TEST_PACKAGES.items() if not path.exists()]
    if not missing:
        return
    names = " ".join(missing)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(f"{names} missing: apt-get install {names}")
    say(f"installing {names} for the tests (apt-get)")
    quiet = {"stdout": subprocess.DEVNULL}
    try:
        run(["apt-get", "update", "-qq"], **quiet)
        run(
            ["apt-get", "install", "-y", "-qq", *missing],
            **quiet,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except subprocess.CalledProcessError as exc:
        raise SetupError(f"installing {names} failed: apt-get install {names}") from exc


def alongside(step, *others) -> None:
    """Run `step` in a thread while `others` run here, one after another; raise the first
    SetupError of any (the installs wait on the network, not on each other)."""
    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            step()
        except BaseException as exc:  # re-raised below, in the main thread
            failure.append(exc)

    thread = threading.Thread(target=guarded, name=step.__name__)
    thread.start()
    try:
        for other in others:
            other()
    finally:
        thread.join()
    if failure:
        raise failure[0]


def command_test(pytest_args: list[str]) -> int:
    # Chromium comes from apt-get and the packages from PyPI: on a fresh machine (CI) both
    # download, so they install side by side.
    alongside(ensure_chromium, ensure_venv, ensure_env_file)
    env = child_env(DATABASE_URL=resolve_database())
    bin_ = VENV / "bin"
    steps = [
        ("ruff format --check", [str(bin_ / "ruff"), "format", "--check", "-q", "."]),
        ("ruff check", [str(bin_ / "ruff"), "check", "-q", "."]),
        # tiktok/ strict, the apps with django-stubs ([tool.mypy] in pyproject.toml).
        ("mypy", [str(bin_ / "mypy")]),
        (
            "makemigrations --check",
            [str(VPY), "manage.py", "makemigrations", "--check", "--dry-run", "-v", "1"],
        ),
    ]
    for label, cmd in steps:
        say(label)
        if subprocess.call(cmd, cwd=ROOT, env=env) != 0:
            print(f"FAILED: {label}", file=sys.stderr)
            return 1
    say("pytest")
    started = time.monotonic()
    code = subprocess.call([str(VPY), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    say(f"pytest finished in {time.monotonic() - started:.0f}s")
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "db"}:
        print("usage: dev.py run | test [pytest args] | db", file=sys.stderr)
        return 2
    try:
        if argv[0] == "run":
            return command_run()
        if argv[0] == "test":
            return command_test(argv[1:])
        ensure_venv()
        print(resolve_database())
        return 0
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
