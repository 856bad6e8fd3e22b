"""The GitHub Actions workflows: linted, least privilege, pinned, one deployment at a time."""

from __future__ import annotations

import os
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
    # Kept even when sending stopped half-way; never when it could not be restored.
    assert keep["if"] == "always() && steps.ledger.outcome == 'success'"
    assert mail_step("Restore the sent-ledger")["id"] == "ledger"
    assert "--force" not in keep["run"] and "+HEAD" not in keep["run"]
    assert "secrets.PAPER_DIGEST_SMTP_PASSWORD" in mail["env"]["PAPER_DIGEST_SMTP_PASSWORD"]


# The mail job's ledger steps, run with bash as the runner does, against a bare repository on
# this machine that stands in for GitHub (git's url.<base>.insteadOf; only file:// allowed).

GITHUB_URL = "https://x-access-token:t0ken@github.com/someone/paper-digest.git"
LEDGER_BRANCH = "refs/heads/newsletter-ledger"


def mail_step(name: str, job: str = "mail") -> dict[str, Any]:
    steps = load("publish.yml")["jobs"][job]["steps"]
    step: dict[str, Any] = next(s for s in steps if s.get("name") == name)
    return step


def git(*args: str, cwd: Path | None = None) -> str:
    who = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    result = subprocess.run(
        ["git", *who, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout


class Runner:
    """One run of the mail job: a working folder, RUNNER_TEMP, and GitHub pointed at `remote`."""

    def __init__(self, root: Path, remote: Path) -> None:
        self.work = root / "work"
        self.temp = root / "runner-temp"
        self.work.mkdir(parents=True)
        self.temp.mkdir()
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(root),
            "GH_TOKEN": "t0ken",
            "REPOSITORY": "someone/paper-digest",
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_RUN_ID": "42",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_ALLOW_PROTOCOL": "file",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"url.{remote}.insteadOf",
            "GIT_CONFIG_VALUE_0": GITHUB_URL,
        }

    def step(self, name: str, job: str = "mail") -> subprocess.CompletedProcess[str]:
        step = mail_step(name, job)
        script = self.temp / "step.sh"
        script.write_text(step["run"])
        # What the runner runs: `shell: bash` is bash with pipefail; no shell, bash -e alone.
        flags = ["--noprofile", "--norc", "-eo", "pipefail"] if "shell" in step else ["-e"]
        command = ["bash", *flags, str(script)]
        env = {**self.env, **{k: v for k, v in step.get("env", {}).items() if "${{" not in v}}
        return subprocess.run(command, cwd=self.work, env=env, capture_output=True, text=True)

    @property
    def ledger(self) -> Path:
        return self.work / "out" / "email" / "ledger.jsonl"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(path))
    return path


def remote_ledger(remote: Path) -> str:
    return git("--git-dir", str(remote), "show", f"{LEDGER_BRANCH}:ledger.jsonl")


def test_the_first_run_starts_the_ledger_and_later_runs_add_to_it(
    tmp_path: Path, remote: Path
) -> None:
    first = Runner(tmp_path / "first", remote)
    restored = first.step("Restore the sent-ledger")
    assert restored.returncode == 0, restored.stderr
    assert "::notice::No newsletter-ledger branch yet" in restored.stdout
    assert not first.ledger.exists()
    first.ledger.write_text('{"line": 1}\n')
    kept = first.step("Keep the sent-ledger")
    assert kept.returncode == 0, kept.stderr
    assert remote_ledger(remote) == '{"line": 1}\n'
    second = Runner(tmp_path / "second", remote)
    assert second.step("Restore the sent-ledger").returncode == 0
    assert second.ledger.read_text() == '{"line": 1}\n'
    with second.ledger.open("a") as ledger:
        ledger.write('{"line": 2}\n')
    assert second.step("Keep the sent-ledger").returncode == 0, "kept"
    assert remote_ledger(remote) == '{"line": 1}\n{"line": 2}\n'
    history = git("--git-dir", str(remote), "log", "--format=%s", LEDGER_BRANCH).split("\n")
    assert history[:2] == ["Sent-ledger after run 42"] * 2  # one on top of the other


def test_a_ledger_branch_that_cannot_be_read_fails_before_sending(tmp_path: Path) -> None:
    runner = Runner(tmp_path / "run", tmp_path / "unreachable.git")
    restored = runner.step("Restore the sent-ledger")
    assert restored.returncode != 0
    assert "::error::Cannot read the newsletter-ledger branch" in restored.stdout
    assert not runner.ledger.exists()


def test_a_ledger_branch_without_the_ledger_fails(tmp_path: Path, remote: Path) -> None:
    scratch = tmp_path / "scratch"
    git("init", "-q", str(scratch))
    (scratch / "README").write_text("not a ledger\n")
    git("add", "README", cwd=scratch)
    git("commit", "-q", "-m", "no ledger", cwd=scratch)
    git("push", "-q", str(remote), f"HEAD:{LEDGER_BRANCH}", cwd=scratch)
    runner = Runner(tmp_path / "run", remote)
    assert runner.step("Restore the sent-ledger").returncode != 0
    assert not runner.ledger.exists()


def test_keeping_the_ledger_never_overwrites_a_branch_that_moved(
    tmp_path: Path, remote: Path
) -> None:
    first = Runner(tmp_path / "first", remote)
    first.step("Restore the sent-ledger")
    first.ledger.write_text('{"line": 1}\n')
    assert first.step("Keep the sent-ledger").returncode == 0
    late = Runner(tmp_path / "late", remote)  # restores, then the branch moves under it
    assert late.step("Restore the sent-ledger").returncode == 0
    other = Runner(tmp_path / "other", remote)
    other.step("Restore the sent-ledger")
    with other.ledger.open("a") as ledger:
        ledger.write('{"line": 2}\n')
    assert other.step("Keep the sent-ledger").returncode == 0
    with late.ledger.open("a") as ledger:
        ledger.write('{"line": "late"}\n')
    assert late.step("Keep the sent-ledger").returncode != 0  # not a fast-forward: refused
    assert remote_ledger(remote) == '{"line": 1}\n{"line": 2}\n'


# The optional fetch job: off unless the repository variable is set; the jobs after it run
# either way and build the commit it made.


def test_the_fetch_job_is_off_by_default_and_the_site_is_built_either_way() -> None:
    jobs = load("publish.yml")["jobs"]
    fetch = jobs["fetch"]
    assert fetch["if"] == "vars.PAPER_DIGEST_FETCH != '' && github.event_name != 'push'"
    assert fetch["permissions"] == {"contents": "write"}
    assert jobs["build"]["needs"] == "fetch"
    # A skipped job would skip every job after it: each one says when it runs.
    assert jobs["build"]["if"] == "${{ !cancelled() }}"
    assert jobs["deploy"]["if"] == "${{ !cancelled() && needs.build.result == 'success' }}"
    assert jobs["mail"]["if"] == "${{ !cancelled() && needs.deploy.result == 'success' }}"
    checkout = {job: jobs[job]["steps"][0]["with"].get("ref") for job in ("build", "mail")}
    assert checkout == {
        "build": "${{ needs.fetch.outputs.commit || github.sha }}",
        "mail": "${{ needs.deploy.outputs.commit || github.sha }}",
    }
    assert jobs["deploy"]["outputs"]["commit"] == "${{ needs.build.outputs.commit }}"


def fetch_runner(root: Path, remote: Path, variable: str) -> Runner:
    """A checkout of `remote`'s main with stand-ins for `make` and `.venv/bin/paper-digest`."""
    runner = Runner(root, remote)
    git("clone", "-q", str(remote), str(runner.work))
    tools = root / "tools"
    tools.mkdir()
    (tools / "make").write_text("#!/bin/sh\nexit 0\n")
    fake = runner.work / ".venv" / "bin" / "paper-digest"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        '#!/bin/sh\necho "$@" > "$RUNNER_TEMP/args"\nmkdir -p digests\n'
        "echo '[{\"paper\": {}}]' > digests/2026-06-12-hf.json\n"
    )
    for tool in (tools / "make", fake):
        tool.chmod(0o755)
    runner.env |= {
        "PATH": f"{tools}:{runner.env['PATH']}",
        "FETCH": variable,
        "BRANCH": "main",
        "GITHUB_OUTPUT": str(runner.temp / "output"),
    }
    return runner


@pytest.fixture
def project_remote(tmp_path: Path, remote: Path) -> Path:
    scratch = tmp_path / "first"
    git("init", "-q", "-b", "main", str(scratch))
    (scratch / "digests").mkdir()
    (scratch / "digests" / "issue-1.txt").write_text("Title\nAbstract.\n")
    (scratch / ".gitignore").write_text(".venv/\n")
    git("add", ".", cwd=scratch)
    git("commit", "-q", "-m", "first", cwd=scratch)
    git("push", "-q", str(remote), "HEAD:refs/heads/main", cwd=scratch)
    git("--git-dir", str(remote), "symbolic-ref", "HEAD", "refs/heads/main")
    return remote


@pytest.mark.parametrize(
    ("variable", "args"),
    [("hf", "fetch hf"), ("arxiv cs.LG", "fetch arxiv --category cs.LG"), ("  hf  ", "fetch hf")],
)
def test_the_variable_names_what_to_fetch(
    tmp_path: Path, project_remote: Path, variable: str, args: str
) -> None:
    runner = fetch_runner(tmp_path, project_remote, variable)
    result = runner.step("Fetch the listing", "fetch")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (runner.temp / "args").read_text() == f"{args}\n"


@pytest.mark.parametrize(
    "variable",
    ["arxiv", "hf cs.LG", "rss cs.LG", "arxiv cs.LG; touch pwned", "arxiv $(touch pwned)"],
)
def test_a_variable_of_another_shape_fails_before_fetching(
    tmp_path: Path, project_remote: Path, variable: str
) -> None:
    runner = fetch_runner(tmp_path, project_remote, variable)
    result = runner.step("Fetch the listing", "fetch")
    assert result.returncode == 1
    assert result.stdout.startswith("::error::The variable PAPER_DIGEST_FETCH must be hf or arxiv")
    assert not (runner.temp / "args").exists()
    assert not list(tmp_path.rglob("pwned"))


def test_the_new_digest_is_committed_to_the_branch(tmp_path: Path, project_remote: Path) -> None:
    runner = fetch_runner(tmp_path / "one", project_remote, "hf")
    assert runner.step("Fetch the listing", "fetch").returncode == 0
    committed = runner.step("Commit the new digest", "fetch")
    assert committed.returncode == 0, committed.stderr
    head = git("--git-dir", str(project_remote), "rev-parse", "refs/heads/main").strip()
    assert (runner.temp / "output").read_text() == f"commit={head}\n"
    assert git("--git-dir", str(project_remote), "log", "-1", "--format=%s", "main") == (
        "Digest fetched by run 42\n"
    )
    files = git("--git-dir", str(project_remote), "ls-tree", "-r", "--name-only", "main")
    assert files.split() == [".gitignore", "digests/2026-06-12-hf.json", "digests/issue-1.txt"]
    # The same listing again: no commit, the output names the branch's head all the same.
    again = fetch_runner(tmp_path / "two", project_remote, "hf")
    assert again.step("Fetch the listing", "fetch").returncode == 0
    result = again.step("Commit the new digest", "fetch")
    assert result.returncode == 0 and "No new digest to commit." in result.stdout
    assert (again.temp / "output").read_text() == f"commit={head}\n"


def test_a_branch_that_moved_is_never_overwritten(tmp_path: Path, project_remote: Path) -> None:
    runner = fetch_runner(tmp_path / "late", project_remote, "hf")
    other = tmp_path / "other"
    git("clone", "-q", str(project_remote), str(other))
    (other / "digests" / "issue-2.txt").write_text("Another\nAbstract.\n")
    git("add", ".", cwd=other)
    git("commit", "-q", "-m", "an editor's push", cwd=other)
    git("push", "-q", "origin", "HEAD:main", cwd=other)
    assert runner.step("Fetch the listing", "fetch").returncode == 0
    assert runner.step("Commit the new digest", "fetch").returncode != 0
    log = git("--git-dir", str(project_remote), "log", "--format=%s", "main").split("\n")
    assert log[:2] == ["an editor's push", "first"]
    assert not (runner.temp / "output").exists()  # the build checks out the run's commit


# The weekly digest: the mail job's step, run with bash under another clock (faketime), with the
# real `paper-digest email send --week` against aiosmtpd on 127.0.0.1.

WEEKLY_STEP = "Send the weekly digest of the week just ended"


def test_the_weekly_digest_step_comes_after_the_issues_and_before_the_ledger_is_kept() -> None:
    publish = load("publish.yml")
    assert publish["on"]["schedule"] == [{"cron": "17 6 * * 1"}]  # Mondays: the week just ended
    names = [step.get("name") for step in publish["jobs"]["mail"]["steps"]]
    assert names.index("Send the issues not yet sent") < names.index(WEEKLY_STEP)
    assert names.index(WEEKLY_STEP) < names.index("Keep the sent-ledger")
    step = mail_step(WEEKLY_STEP)
    assert step["if"] == "${{ !cancelled() && steps.ledger.outcome == 'success' }}"
    assert "email send --week" in step["run"] and "--to" not in step["run"]


def test_the_weekly_step_mails_the_week_just_ended_once_and_nothing_without_an_issue(
    make_project: Any, tmp_path: Path
) -> None:
    import shutil

    from tests.conftest import smtp_server
    from tests.test_mail_faults import Killer
    from tests.test_weekly_mail import weekly_project

    faketime = shutil.which("faketime")
    assert faketime, "faketime is needed: make system-deps"
    handler = Killer()  # never kills: keeps each message
    with smtp_server(handler) as port:
        settings = weekly_project(make_project, port)
        root = settings.config_file.parent
        (root / ".venv").symlink_to(BIN.parent)
        script = tmp_path / "step.sh"
        script.write_text(mail_step(WEEKLY_STEP)["run"])
        temp = tmp_path / "runner-temp"
        temp.mkdir()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "RUNNER_TEMP": str(temp),
            "RECIPIENTS": "weekly@example.com every=week\ndaily@example.com",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }

        def run_on(day: str) -> subprocess.CompletedProcess[str]:
            command = [faketime, f"{day} 06:17:00", "bash", "--noprofile", "--norc", "-eo"]
            return subprocess.run(
                [*command, "pipefail", str(script)],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        monday = run_on("2025-03-17")  # the Monday after 2025-W11 (10 and 13 March)
        assert monday.returncode == 0, monday.stderr
        assert [to for to, _ in handler.messages] == ["weekly@example.com"]
        assert handler.messages[0][1].startswith("<week-2025-w11.")
        tuesday = run_on("2025-03-18")  # the same week just ended: the ledger has it
        assert tuesday.returncode == 0, tuesday.stderr
        assert len(handler.messages) == 1
        later = run_on("2025-03-31")  # 2025-W13 had no issue
        assert later.returncode == 0, later.stderr
        assert "::notice::No issue in 2025-W13" in later.stdout
        assert len(handler.messages) == 1
        ledger = (root / "out" / "email" / "ledger.jsonl").read_text("utf-8")
        assert '"week": "2025-W11"' in ledger.replace('"week":"', '"week": "')
