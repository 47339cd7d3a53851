"""Imports point down only (design.md): backoffice | api → domain apps → shops → tiktok."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backoffice", "api", "shops", "catalog", "orders", "fulfillment", "finance", "tiktok")
DOMAIN = {"catalog", "orders", "fulfillment", "finance"}

# Which project packages each package may import (itself always allowed).
ALLOWED = {
    "tiktok": set(),
    "shops": {"tiktok"},
    "catalog": {"shops", "tiktok"},
    "orders": {"catalog", "shops", "tiktok"},
    "fulfillment": {"orders", "catalog", "shops", "tiktok"},
    "finance": {"orders", "catalog", "shops", "tiktok"},
    # The read-only API and MCP server sit beside backoffice, above the domain apps; they read
    # the mirror through the apps' models and FilterSets and never talk to TikTok.
    "api": {"catalog", "orders", "fulfillment", "finance", "shops"},
    "backoffice": set(PACKAGES) - {"backoffice"},
}


def imported_modules(source: str) -> set[str]:
    """Every absolute module name a piece of Python source imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(root: Path) -> list[str]:
    """Every import that breaks the layering, as 'file: imports module'."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            in_sandbox = relative.parts[:2] == ("tiktok", "sandbox")
            modules = imported_modules(path.read_text())
            tops = {module.split(".")[0] for module in modules}
            if package == "tiktok" and any(t == "django" or t.startswith("django_") for t in tops):
                found.append(f"{relative}: tiktok/ must not import Django")
            if not in_sandbox and any(m.startswith("tiktok.sandbox") for m in modules):
                found.append(f"{relative}: only tests and the demo talk to the sandbox")
            for top in sorted(tops & set(PACKAGES) - {package} - ALLOWED[package]):
                found.append(f"{relative}: {package} may not import {top}")
    return found


def test_the_project_respects_the_layering():
    assert violations(ROOT) == []


def test_the_checker_catches_each_kind_of_violation(tmp_path):
    for package in PACKAGES:
        (tmp_path / package).mkdir()
    (tmp_path / "tiktok" / "client.py").write_text("from django.conf import settings\n")
    (tmp_path / "shops" / "gateway.py").write_text("import orders.models\n")
    (tmp_path / "orders" / "views.py").write_text("from backoffice import views\n")
    (tmp_path / "catalog" / "demo.py").write_text("from tiktok.sandbox import app\n")
    (tmp_path / "finance" / "ok.py").write_text("from orders.models import Order\nimport shops\n")
    (tmp_path / "orders" / "tools.py").write_text("from api import reads\n")
    (tmp_path / "api" / "gateway.py").write_text("from tiktok.client import Client\n")
    found = violations(tmp_path)
    assert len(found) == 6, found
    assert any("orders may not import api" in v for v in found)
    assert any("api may not import tiktok" in v for v in found)
    assert any("tiktok/ must not import Django" in v for v in found)
    assert any("shops may not import orders" in v for v in found)
    assert any("orders may not import backoffice" in v for v in found)
    assert any("talk to the sandbox" in v for v in found)
