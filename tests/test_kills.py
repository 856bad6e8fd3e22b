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
import tempfile
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


class Build:
    """`paper-digest build` running in a session of its own, its output going to files (a
    pipe would stay open as long as any worker the build leaves lives)."""

    def __init__(self, settings: Settings, delay: str = SHARE_DELAY, workers: int = 2) -> None:
        env = {**os.environ, "PD_TEST_SHARE_DELAY": delay, "PD_TEST_WORKERS": str(workers)}
        command = [sys.executable, "-m", "tests.build_child", "-f", str(settings.config_file)]
        # Closed by finish(): the build writes to them while the test goes on.
        self.out = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.err = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*command, "build", "-q"],
            cwd=REPO,
            env=env,
            stdout=self.out,
            stderr=self.err,
            text=True,
            start_new_session=True,
        )
        self.pid = self.process.pid

    def finish(self) -> tuple[int, str, str]:
        """Wait for the build to end; return its status, output and error output."""
        status = self.process.wait(timeout=600)
        with self.out, self.err:
            self.out.seek(0)
            self.err.seek(0)
            return status, self.out.read(), self.err.read()


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


def wait_for(condition: Callable[[], bool], build: Build, what: str) -> None:
    """Wait until `condition` holds while the build runs; fail if it ends first, or after 300 s."""
    deadline = time.monotonic() + 300
    while not condition():
        if build.process.poll() is not None:
            pytest.fail(f"the build ended before {what}: {build.finish()}")
        if time.monotonic() > deadline:
            build.process.kill()
            pytest.fail(f"no {what} within 300 s")
        time.sleep(0.02)


def staging(settings: Settings) -> list[Path]:
    """Return the staging folders beside the site (a build is in its MkDocs phase)."""
    return sorted(settings.site_dir.parent.glob(f".{settings.site_dir.name}.new-*"))


def kill_and_wait(build: Build) -> list[int]:
    """SIGKILL the build; return what is left of its session after GRACE seconds."""
    os.kill(build.pid, signal.SIGKILL)
    build.finish()
    deadline = time.monotonic() + GRACE
    while alive_in_session(build.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive_in_session(build.pid)
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
    running = Build(settings)
    wait_for(lambda: bool(staging(settings) and workers_of(running.pid)), running, "workers")
    assert kill_and_wait(running) == [], "workers outlived the build"
    next_build_succeeds(settings)


def test_a_build_killed_while_workers_render_paper_pages_leaves_nothing_running(
    make_project: MakeProject,
) -> None:
    """The first workers render the paper pages' Markdown, before MkDocs and its staging."""
    settings = project(make_project)
    running = Build(settings)
    wait_for(lambda: bool(workers_of(running.pid)), running, "workers")
    assert staging(settings) == []
    assert kill_and_wait(running) == [], "workers outlived the build"
    next_build_succeeds(settings)


def test_a_killed_worker_is_rendered_by_the_build_to_the_same_bytes(
    make_project: MakeProject,
) -> None:
    """SIGKILL of one worker while MkDocs' pages render (an OOM kill looks like this): the
    build says so in one line, does that work itself, and publishes what a build without
    workers publishes."""
    alone = project(make_project)
    status, _out, err = Build(alone, delay="0", workers=1).finish()
    assert status == 0, err
    settings = project(make_project)
    running = Build(settings)
    wait_for(lambda: bool(staging(settings) and workers_of(running.pid)), running, "workers")
    os.kill(workers_of(running.pid)[0], signal.SIGKILL)
    status, out, err = running.finish()
    assert status == 0, err
    assert err.splitlines() == [f"warning: {parallel.LOST}"]
    assert "Built 4 issues: 24 papers" in " ".join(out.split())
    assert tree(settings.site_dir) == tree(alone.site_dir)
    assert alive_in_session(running.pid) == []


def test_a_second_build_is_refused_before_it_touches_docs(make_project: MakeProject) -> None:
    """The lock is taken before docs/ is read or written: a build started while another runs
    is refused at once, in one line, and the first one publishes."""
    settings = project(make_project)
    first = Build(settings)
    wait_for(lambda: bool(workers_of(first.pid)), first, "workers")
    assert staging(settings) == []  # rendering paper pages, before docs/ is written
    lock = settings.site_dir.parent / f".{settings.site_dir.name}.lock"
    with lock.open("rb") as held, pytest.raises(BlockingIOError):
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    status, _out, err = Build(settings, delay="0").finish()
    assert first.process.poll() is None, "the second build ran as long as the first"
    assert status == 1
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: another build is publishing {settings.site_dir.resolve()}")
    status, _out, err = first.finish()
    assert status == 0, err
    assert (settings.site_dir / "index.html").is_file()


def test_two_builds_started_at_once_publish_one_whole_site(make_project: MakeProject) -> None:
    settings = project(make_project)
    builds = [Build(settings, delay="0"), Build(settings, delay="0")]
    results = [running.finish() for running in builds]
    assert sorted(status for status, _, _ in results) in ([0, 0], [0, 1]), results
    for status, _out, err in results:
        assert "Traceback" not in err and "No such file" not in err
        if status == 1:
            assert err.startswith("error: another build is publishing"), err
            assert len(err.splitlines()) == 1
    assert (settings.site_dir / "index.html").is_file()
    assert staging(settings) == []
