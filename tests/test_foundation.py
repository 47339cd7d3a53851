"""The foundation: login everywhere, roles, health, jobs after commit, schedules, settings."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_q.models import Schedule

from shops.jobs import enqueue_after_commit
from shops.roles import is_admin
from shops.scheduling import Every, sync_schedules
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_roles():
    # Run the migration's own step: transactional tests elsewhere flush migration-made rows,
    # so what the test database holds now depends on which tests ran before.
    from django.apps import apps
    from django.db import connection

    roles = importlib.import_module("shops.migrations.0001_roles")
    Group.objects.filter(name__in=roles.ROLES).delete()
    roles.create_roles(apps, connection.schema_editor())
    assert set(Group.objects.values_list("name", flat=True)) >= {"Admins", "Operators"}


@pytest.mark.parametrize("name", ["dashboard", "shops", "products", "orders", "returns"])
def test_pages_require_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_then_dashboard_shows_empty_state(client, operator):
    response = client.post(reverse("login"), {"username": "olivia", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert "not a member of any shop" in page.content.decode()
    assert "Ask an admin" in page.content.decode()
    assert "Content-Security-Policy" in page.headers


def test_admin_sees_connect_button(client, shop_admin):
    client.force_login(shop_admin)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Connect a shop" in body
    assert is_admin(shop_admin)


def test_logout_is_a_post_and_ends_the_session(client, operator):
    client.force_login(operator)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_healthz_reports_database_and_missing_worker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False


def test_create_operator_command(capsys):
    call_command("create_operator", "omar", "--password", "s3cret-pass-phrase")
    user = Group.objects.get(name="Operators").user_set.get()
    assert user.username == "omar" and user.check_password("s3cret-pass-phrase")
    assert not is_admin(user)
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_operator", "OMAR")


def test_demo_admin_is_created_once(capsys):
    call_command("ensure_demo_admin")
    assert "admin /" in capsys.readouterr().out
    call_command("ensure_demo_admin")
    assert capsys.readouterr().out == ""
    assert is_admin(Group.objects.get(name="Admins").user_set.get())


def test_staff_user_reaches_django_admin(client):
    staff = make_user(role="admin")
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_jobs_are_queued_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("shops.jobs.async_task", lambda func, *a, **k: queued.append((func, a, k)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_after_commit("shops.tasks.example", 7, group="g")
        assert queued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [("shops.tasks.example", (7,), {"group": "g"})]


def test_schedules_are_upserted_by_name(monkeypatch):
    declared = [Every(name="demo", func="math.floor", minutes=5)]
    monkeypatch.setattr("shops.scheduling.declared_schedules", lambda: declared)
    assert sync_schedules() == (1, 0)
    declared[0] = Every(name="demo", func="math.ceil", minutes=10)
    assert sync_schedules() == (0, 1)
    row = Schedule.objects.get(name="demo")
    assert (row.func, row.minutes) == ("math.ceil", 10)


def test_every_mirrored_resource_has_its_incremental_sync_schedule(settings):
    import ast

    from shops.scheduling import declared_schedules

    by_name = {s.name: s for s in declared_schedules()}
    for resource in settings.SYNC_RESOURCES:
        schedule = by_name[f"sync-{resource}"]
        assert schedule.func == "shops.tasks.sync_request_all"
        # django-q hands the schedule's args to the task after reading them with literal_eval.
        assert ast.literal_eval(schedule.fields()["args"]) == (resource,)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "backoffice.settings", **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="backoffice.example.com",
        TIKTOK_APP_KEY="a-real-app-key",
        TIKTOK_APP_SECRET="a-real-app-secret",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_settings_refuse_a_non_postgres_database():
    result = _manage("check", DATABASE_URL="sqlite:///tmp/x.db", SECRET_KEY="k")
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


def _health(base_url: str) -> dict:
    """/healthz's JSON, or what went wrong while the server or worker is still starting."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return json.loads(raw)
        except ValueError:
            return {"http_status": error.code, "body": raw[:300].decode(errors="replace")}
    except (urllib.error.URLError, OSError) as error:
        return {"error": repr(error)}


def test_worker_heartbeat_makes_health_green(live_server):
    """A real qcluster process against the test database turns /healthz green."""
    import time

    from django.db import connection

    settings_dict = connection.settings_dict
    url = (
        f"postgresql://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    if settings_dict.get("PASSWORD"):
        url = url.replace("@", f":{settings_dict['PASSWORD']}@", 1)
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "backoffice.settings", "DATABASE_URL": url},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        body: dict = {}
        while time.monotonic() < deadline:
            body = _health(live_server.url)
            if body.get("status") == "ok":
                break
            time.sleep(0.5)
        assert body.get("status") == "ok", body
        assert body["worker"]["workers"] >= 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
