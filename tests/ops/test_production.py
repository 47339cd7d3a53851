"""The app as production serves it: gunicorn, DEBUG off, collected static files, deploy checks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import PASSWORD, make_user
from tests.shops.helpers import make_shop

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "backoffice.settings",
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "TIKTOK_APP_KEY": "a-real-app-key",
    "TIKTOK_APP_SECRET": "a-real-app-secret",
    "BEHIND_TLS_PROXY": "true",
}


def _environment(**extra: str) -> dict[str, str]:
    environment = {**os.environ, **PRODUCTION, **extra}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def _manage(*args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=_environment(**extra),
        cwd=ROOT,
    )


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> str:
    """collectstatic from the checkout into a clean folder, as a deployment does."""
    folder = str(tmp_path_factory.mktemp("static"))
    collected = _manage("collectstatic", "--noinput", "-v", "0", STATIC_ROOT=folder)
    assert collected.returncode == 0, collected.stderr
    assert (Path(folder) / "staticfiles.json").exists()
    return folder


@pytest.fixture
def production_server(transactional_db, tmp_path, static_root):
    """gunicorn with production settings, serving the collected static files."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:backoffice.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "backoffice.wsgi",
            ],
            env=_environment(
                DATABASE_URL=_database_url(), STATIC_ROOT=static_root, WEB_THREADS="2"
            ),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=20)


class Browser:
    """Requests as they arrive through the TLS proxy (X-Forwarded-Proto: https), with cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": self.base.replace("http:", "https:") + path,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = httpx.request(
            method, self.base + path, headers=headers, timeout=20, follow_redirects=False, **kwargs
        )
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def login(self, username: str) -> None:
        page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = self.request(
            "POST",
            "/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert answer.status_code == 302, answer.text[:500]


def _person(username: str, **flags: bool):
    """A user whose password the production hashers can check (the tests' MD5 is not one)."""
    user = make_user(username=username, role="admin")
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "testsalt", iterations=1000)
    for flag, value in flags.items():
        setattr(user, flag, value)
    user.save()
    return user


def test_login_a_list_and_the_admin_are_served_with_production_settings(production_server):
    base, _log = production_server
    staff = _person("sam", is_superuser=True)
    make_shop().members.add(staff)
    browser = Browser(base)
    login = browser.request("GET", "/login/")
    assert login.status_code == 200
    assert "secure" in login.headers["set-cookie"].lower()  # cookies are secure outside DEBUG
    stylesheet = re.search(
        r'href="(/static/vendor/bootstrap/bootstrap\.min\.\w+\.css)"', login.text
    )
    assert stylesheet, "static files carry the manifest's hashed names"
    css = browser.request("GET", stylesheet.group(1))
    assert css.status_code == 200 and "max-age" in css.headers["cache-control"]
    browser.login("sam")
    orders = browser.request("GET", "/orders/")
    assert orders.status_code == 200 and "Orders" in orders.text
    admin = browser.request("GET", "/admin/")
    assert admin.status_code == 200 and "Site administration" in admin.text
    # Plain http without the proxy is sent to https.
    assert httpx.get(base + "/login/").status_code == 301


def test_error_pages_show_no_settings_secrets_or_tracebacks(production_server):
    base, _log = production_server
    _person("sam")
    browser = Browser(base)
    pages = [browser.request("GET", "/no-such-page/")]
    browser.login("sam")
    pages += [browser.request("GET", "/orders/999999999/"), browser.request("GET", "/nope/")]
    for page in pages:
        assert page.status_code == 404
        for leak in ("Traceback", "SECRET_KEY", PRODUCTION["SECRET_KEY"], "a-real-app-secret"):
            assert leak not in page.text
        assert "DEBUG = True" not in page.text


def test_oauth_codes_and_states_never_reach_the_access_log(production_server):
    base, log = production_server
    _person("sam")
    browser = Browser(base)
    browser.login("sam")
    browser.request("GET", "/shops/connect/callback?code=SECRETCODE123&state=SECRETSTATE456")
    time.sleep(0.5)
    text = log.read_text()
    assert "/shops/connect/callback?code=[redacted]&state=[redacted]" in text
    assert "SECRETCODE123" not in text and "SECRETSTATE456" not in text


def test_deploy_check_fails_naming_the_missing_credentials():
    result = _manage(
        "check", "--deploy", TIKTOK_APP_KEY="", TIKTOK_APP_SECRET="", TOKEN_ENCRYPTION_KEYS=""
    )
    assert result.returncode != 0
    for message in (
        "TIKTOK_APP_KEY is not set",
        "TIKTOK_APP_SECRET is not set",
        "TOKEN_ENCRYPTION_KEYS is not set",
    ):
        assert message in result.stderr, result.stderr


def test_deploy_check_refuses_the_demo_credentials_outside_the_demo():
    demo = {"TIKTOK_APP_KEY": "sandboxappkey", "TIKTOK_APP_SECRET": "sandboxappsecret"}
    result = _manage("check", "--deploy", **demo)
    assert result.returncode != 0
    assert "TIKTOK_APP_KEY is the sandbox's demo key" in result.stderr
    assert "TIKTOK_APP_SECRET is the sandbox's demo secret" in result.stderr
    in_the_demo = _manage("check", "--deploy", "--fail-level", "ERROR", DEMO="true", **demo)
    assert "shops.E00" not in in_the_demo.stderr


def test_deploy_check_refuses_a_published_secret_key_and_bad_token_keys():
    published = _manage(
        "check", "--deploy", SECRET_KEY="test-only-secret-key-not-for-production-use-0123456789"
    )
    assert "SECRET_KEY is unset or a published one" in published.stderr
    broken = _manage("check", "--deploy", TOKEN_ENCRYPTION_KEYS="not-a-fernet-key")
    assert "not a Fernet key" in broken.stderr
