"""Real kills: of the build while its page workers run, of one worker, and two builds at once.

Each build runs `paper-digest build` in a process of its own (`tests/build_child.py`: the real
command line, the stand-in embedder), in a session of its own, so that every process it starts
is found in /proc by its session. A worker's share sleeps a moment first, long enough for the
test to find the workers and kill; the kill itself is SIGKILL, as the kernel's OOM killer or
`kill -9` sends it.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import build
from generator.config import Settings
from generator.site import parallel
from tests.conftest import REPO, MakeProject
from tests.stand_in import StandInEmbedder
from tests.test_incremental import DIGESTS, tree

# How long a worker's share sleeps before it works: the time a test has to find it.
SHARE_DELAY = "2"
# How long a killed build's processes may take to go.
GRACE = 5.0

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc (Linux)"
)


def start(settings: Settings, delay: str = SHARE_DELAY, workers: int = 2) -> subprocess.Popen[str]:
    """Start `paper-digest build` on the project in a new session; return its process."""
    env = {**os.environ, "PD_TEST_SHARE_DELAY": delay, "PD_TEST_WORKERS": str(workers)}
    command = [sys.executable, "-m", "tests.build_child", "-f", str(settings.config_file)]
    return subprocess.Popen(
        [*command, "build", "-q"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def processes() -> dict[int, tuple[str, int, int]]:
    """Return every process: pid -> (state, parent pid, session id)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone since the listing
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (fields[0], int(fields[1]), int(fields[3]))
    return found


def workers_of(pid: int) -> list[int]:
    """Return the living children of `pid` that run the build's own program (its workers)."""
    try:
        program = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    children = []
    for child, (state, parent, _session) in processes().items():
        if parent != pid or state == "Z":
            continue
        try:
            if Path(f"/proc/{child}/cmdline").read_bytes() == program:
                children.append(child)
        except OSError:
            continue
    return sorted(children)


def alive_in_session(session: int) -> list[int]:
    """Return the processes of a session that are not zombies (a zombie holds nothing)."""
    return sorted(
        pid for pid, (state, _, sid) in processes().items() if sid == session and state != "Z"
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Wait until `condition` holds while `process` runs; fail if it ends first, or after 300 s."""
    deadline = time.monotonic() + 300
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the build ended before {what}: {process.returncode} {out} {err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within 300 s")
        time.sleep(0.02)


def staging(settings: Settings) -> list[Path]:
    """Return the staging folders beside the site (a build is in its MkDocs phase)."""
    return sorted(settings.site_dir.parent.glob(f".{settings.site_dir.name}.new-*"))


def kill_and_wait(process: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the build; return what is left of its session after GRACE seconds."""
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    deadline = time.monotonic() + GRACE
    while alive_in_session(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive_in_session(process.pid)
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    return left


def project(make_project: MakeProject) -> Settings:
    return make_project(dict(DIGESTS))


def next_build_succeeds(settings: Settings) -> None:
    """The next build takes the lock, clears what the killed one left, and publishes."""
    report = build(settings, embedder=StandInEmbedder())
    assert report.papers == 24
    assert (settings.site_dir / "index.html").is_file()
    assert staging(settings) == []


@pytest.fixture(autouse=True)
def _enough_cores() -> None:
    if parallel.workers() < 2:
        pytest.fail("these tests need two cores for page workers (CI machines have two)")


def test_a_build_killed_during_mkdocs_leaves_no_worker_and_no_lock(
    make_project: MakeProject,
) -> None:
    settings = project(make_project)
    process = start(settings)
    wait_for(lambda: bool(staging(settings) and workers_of(process.pid)), process, "workers")
    assert kill_and_wait(process) == [], "workers outlived the build"
    next_build_succeeds(settings)


def test_a_build_killed_while_workers_render_paper_pages_leaves_nothing_running(
    make_project: MakeProject,
) -> None:
    """The first workers render the paper pages' Markdown, before MkDocs and its staging."""
    settings = project(make_project)
    process = start(settings)
    wait_for(lambda: bool(workers_of(process.pid)), process, "workers")
    assert staging(settings) == []
    assert kill_and_wait(process) == [], "workers outlived the build"
    next_build_succeeds(settings)


def test_a_killed_worker_is_rendered_by_the_build_to_the_same_bytes(
    make_project: MakeProject,
) -> None:
    """SIGKILL of one worker while MkDocs' pages render (an OOM kill looks like this): the
    build says so in one line, does that work itself, and publishes what a build without
    workers publishes."""
    alone = project(make_project)
    process = start(alone, delay="0", workers=1)
    out, err = process.communicate()
    assert process.returncode == 0, err
    settings = project(make_project)
    process = start(settings)
    wait_for(lambda: bool(staging(settings) and workers_of(process.pid)), process, "workers")
    os.kill(workers_of(process.pid)[0], signal.SIGKILL)
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert err.splitlines() == [f"warning: {parallel.LOST}"]
    assert "Built 4 issues: 24 papers" in " ".join(out.split())
    assert tree(settings.site_dir) == tree(alone.site_dir)
    assert alive_in_session(process.pid) == []


def test_a_second_build_is_refused_before_it_touches_docs(make_project: MakeProject) -> None:
    """The lock is taken before docs/ is read or written: a build started while another runs
    is refused at once, in one line, and the first one publishes."""
    settings = project(make_project)
    first = start(settings)
    wait_for(lambda: bool(workers_of(first.pid)), first, "workers")
    lock = settings.site_dir.parent / f".{settings.site_dir.name}.lock"
    with lock.open("rb") as held, pytest.raises(BlockingIOError):
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    second = start(settings, delay="0")
    _out, err = second.communicate()
    assert first.poll() is None, "the second build ran as long as the first"
    assert second.returncode == 1
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: another build is publishing {settings.site_dir.resolve()}")
    _out, err = first.communicate()
    assert first.returncode == 0, err
    assert (settings.site_dir / "index.html").is_file()


def test_two_builds_started_at_once_publish_one_whole_site(make_project: MakeProject) -> None:
    settings = project(make_project)
    builds = [start(settings, delay="0"), start(settings, delay="0")]
    results = [(p.wait(), *p.communicate()) for p in builds]
    statuses = sorted(status for status, _, _ in results)
    assert statuses in ([0, 0], [0, 1]), results
    for status, _out, err in results:
        assert "Traceback" not in err and "No such file" not in err
        if status == 1:
            assert err.startswith("error: another build is publishing"), err
            assert len(err.splitlines()) == 1
    assert (settings.site_dir / "index.html").is_file()
    assert staging(settings) == []
