"""The set-up behind `make run` / `make test`: each missing prerequisite is one clear line."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dev(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ENV_FILE", tmp_path / ".env")
    monkeypatch.setattr(module, "ensure_venv", lambda: None)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return module


def test_a_wrong_database_url_is_one_line(dev, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    with pytest.raises(dev.SetupError) as error:
        dev.resolve_database()
    message = str(error.value)
    assert message.startswith("DATABASE_URL does not connect (")
    assert "\n" not in message


def test_missing_postgres_binaries_name_the_fix(dev, monkeypatch):
    monkeypatch.setattr(dev, "can_connect", lambda url: "connection refused")
    monkeypatch.setattr(dev, "pg_bindir", lambda: None)
    with pytest.raises(dev.SetupError, match="apt-get install postgresql"):
        dev.resolve_database()


def test_a_port_in_use_is_refused_before_anything_starts(dev, monkeypatch):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))
        monkeypatch.setattr(dev, "resolve_database", lambda: pytest.fail("should stop earlier"))
        with pytest.raises(dev.SetupError, match=f"port {port} is in use; .* set PORT"):
            dev.command_run()


def test_first_run_writes_secrets_once(dev, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("TOKEN_ENCRYPTION_KEYS", raising=False)
    dev.ensure_env_file()
    first = dev.read_env_file()
    assert len(first["SECRET_KEY"]) > 40 and first["TOKEN_ENCRYPTION_KEYS"]
    dev.ensure_env_file()
    assert dev.read_env_file() == first


def test_started_processes_cache_bytecode_outside_the_sources(dev, monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    env = dev.child_env(DATABASE_URL="postgresql://x")
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["DATABASE_URL"] == "postgresql://x"
    assert env["PYTHONPYCACHEPREFIX"] == str(ROOT / ".var" / "pycache")
    # A process started with it writes its bytecode there, and none beside the module.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "module.py").write_text("VALUE = 1\n")
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "cache")
    subprocess.run(
        [sys.executable, "-c", "import module"], cwd=tmp_path / "src", env=env, check=True
    )
    assert list((tmp_path / "cache").rglob("module.*.pyc"))
    assert not (tmp_path / "src" / "__pycache__").exists()
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", "/elsewhere")
    assert dev.child_env()["PYTHONPYCACHEPREFIX"] == "/elsewhere"


def test_installs_side_by_side_all_finish_and_a_failure_is_still_one_line(dev):
    ran = []

    def apt():
        time.sleep(0.05)  # still installing when the others are done
        ran.append("apt")
        raise dev.SetupError("chromium missing: apt-get install chromium")

    with pytest.raises(dev.SetupError, match="apt-get install chromium"):
        dev.alongside(apt, lambda: ran.append("venv"), lambda: ran.append("env"))
    assert sorted(ran) == ["apt", "env", "venv"]

    def pip():
        raise dev.SetupError("dependency install failed")

    with pytest.raises(dev.SetupError, match="dependency install"):
        dev.alongside(lambda: (time.sleep(0.05), ran.append("apt again")), pip)
    assert ran[-1] == "apt again"  # waited for, not left running behind the error


def test_the_script_prints_one_line_and_exits_1_on_a_setup_error():
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dev.py"), "db"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "DATABASE_URL does not connect" in errors[0]


def test_a_crashing_process_is_restarted_and_the_others_keep_running(tmp_path):
    """make run's process manager: one crash never stops the others; TERM stops them all."""
    procfile = tmp_path / "Procfile"
    marker = tmp_path / "steady-started"
    procfile.write_text(
        "crash: echo crashing; exit 3\n"
        f"steady: echo started >> {marker}; trap 'echo stopped cleanly; exit 0' TERM; "
        "while true; do sleep 0.1; done\n"
    )
    script = (
        "import importlib.util, os, sys\n"
        "spec = importlib.util.spec_from_file_location('dev', sys.argv[1])\n"
        "dev = importlib.util.module_from_spec(spec); spec.loader.exec_module(dev)\n"
        "names = ['crash', 'steady']\n"
        "sys.exit(dev.run_procfile(names, dict(os.environ), procfile=dev.Path(sys.argv[2])))\n"
    )
    manager = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT / "scripts" / "dev.py"), str(procfile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(3)  # the crashing one is started again after 1 s (and is due again 2 s later)
    manager.terminate()
    output, _ = manager.communicate(timeout=30)
    assert manager.returncode == 0, output
    assert output.count("crash exited with code 3; starting it again") >= 2, output
    assert output.count("crashing") >= 2, output
    assert marker.read_text().count("started") == 1  # never restarted, never stopped early
    assert "stopped cleanly" in output


def test_stopping_make_run_stops_the_cluster_it_started(dev, monkeypatch):
    stopped: list[list[str]] = []
    monkeypatch.setattr(dev, "port_in_use", lambda port: False)
    monkeypatch.setattr(
        dev.subprocess,
        "run",
        lambda cmd, **kwargs: stopped.append(cmd) or subprocess.CompletedProcess(cmd, 0),
    )

    def serve(*args):
        dev.STARTED_CLUSTERS.append(["pg_ctl", "-D", "/data"])
        raise KeyboardInterrupt

    monkeypatch.setattr(dev, "_serve", serve)
    with pytest.raises(KeyboardInterrupt):
        dev.command_run()
    assert stopped == [["pg_ctl", "-D", "/data", "-m", "fast", "-w", "stop"]]
    assert dev.STARTED_CLUSTERS == []
