"""The GitHub Actions workflows: linted, least privilege, pinned, one deployment at a time."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
BIN = Path(sys.executable).parent


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data  # type: ignore[no-any-return]


def test_actionlint_finds_nothing() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    result = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", *files], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_even_pedantic() -> None:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--persona=pedantic", "--no-progress", str(WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["ci.yml", "publish.yml"])
def test_every_action_is_pinned_to_a_full_commit(name: str) -> None:
    uses = re.findall(r"uses:\s*(\S+)", (WORKFLOWS / name).read_text())
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action


def test_ci_runs_make_test_with_read_only_token() -> None:
    ci = load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"}
    assert ci["permissions"] == {"contents": "read"}
    steps = ci["jobs"]["test"]["steps"]
    assert any(s.get("run") == "make test" for s in steps)
    assert any(s.get("with", {}).get("cache") == "pip" for s in steps)
    assert any(s.get("with", {}).get("path") == ".cache" for s in steps)  # keyphrase cache


def test_publish_permissions_concurrency_and_jobs() -> None:
    publish = load("publish.yml")
    assert set(publish["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert publish["on"]["push"] == {"branches": ["main"]}
    assert publish["permissions"] == {}
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = publish["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    build_steps = jobs["build"]["steps"]
    assert any(s.get("run") == "make site" for s in build_steps)
    cache = next(s for s in build_steps if "actions/cache@" in s.get("uses", ""))
    assert cache["with"]["path"] == ".cache"
    assert any("upload-pages-artifact" in s.get("uses", "") for s in build_steps)
    mail = jobs["mail"]
    assert mail["needs"] == "deploy"  # only after a successful deploy
    assert mail["environment"] == "newsletter"
    assert mail["permissions"] == {"contents": "write"}
    runs = " ".join(s.get("run", "") for s in mail["steps"])
    assert "email send --pending" in runs
    keep = next(s for s in mail["steps"] if s.get("name") == "Keep the sent-ledger")
    assert keep["if"] == "always()"  # the ledger is kept even when sending stopped half-way
    assert "secrets.PAPER_DIGEST_SMTP_PASSWORD" in mail["env"]["PAPER_DIGEST_SMTP_PASSWORD"]
