"""Publishing the site: builds killed at every step of the swap, leftovers, the lock, symlinks.

The kill trials run `publish` in a child process and SIGKILL it. To reach every step of the
swap, not only the moments a timer happens to hit, the child can pause itself just before the
k-th filesystem operation on the site or on its own staging folders (a Python audit hook sees
each one before it happens); the test then checks the site at that frozen instant and kills the
child. Other trials kill it after a random delay. After every kill the site must be whole, old
or new; one more good build must leave nothing behind.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build import TRASH_SUBDIR, build
from generator.config import Settings
from generator.errors import BuildError
from generator.site.publish import write_docs
from generator.site.swap import Trash, clear_leftovers, exchange_paths, site_lock
from tests.conftest import REPO, MakeProject, serving
from tests.site_checks import publish, tree_digest
from tests.stand_in import StandInEmbedder

# The child: publish one variant of the site; with "pause_at", stop just before the k-th
# filesystem operation on the site or this build's own folders beside it and wait for a line.
CHILD = r"""
import json, os, sys
from pathlib import Path
from tests.site_checks import publish

job = json.loads(sys.argv[1])
site = Path(job["site"]).resolve()
parent, new_prefix = str(site.parent), f".{site.name}.new-"
state = {"id": None, "count": 0}

def paths(args):
    for arg in args:
        if isinstance(arg, tuple):
            yield from paths(arg)
        elif isinstance(arg, (str, bytes, os.PathLike)):
            yield os.path.normpath(os.fsdecode(os.fspath(arg)))

def hook(event, args):
    names = [os.path.basename(p) for p in paths(args) if os.path.dirname(p) == parent]
    if not names:
        return
    if state["id"] is None:
        if event != "os.mkdir" or not names[0].startswith(new_prefix):
            return
        state["id"] = names[0][len(new_prefix):]
    elif event in ("os.mkdir", "os.listdir") and names[0] == new_prefix + state["id"]:
        return  # MkDocs making and listing its output folder: the random kills cover that
    if not any(n == site.name or n.endswith("-" + state["id"]) for n in names):
        return
    if state["count"] == job.get("pause_at"):
        print("paused", state["count"], event, *names, flush=True)
        sys.stdin.readline()
    state["count"] += 1

sys.addaudithook(hook)
exchange = (lambda a, b: False) if job.get("no_exchange") else None
extra = {"variant.txt": job["variant"].encode()}
kwargs = {"exchange": exchange} if exchange else {}
publish(Path(job["config"]), site, 0, extra, **kwargs)
print("done", flush=True)
"""

LEFTOVER_PREFIXES = (".site.new-", ".site.old-", ".site.prev-")


@dataclass
class Variants:
    """A project whose docs/ are written, and the two sites it can publish (A and B)."""

    settings: Settings
    configs: dict[str, Path]
    digests: dict[str, str]

    @property
    def site(self) -> Path:
        return self.settings.site_dir

    def publish(self, variant: str) -> None:
        publish(self.configs[variant], self.site, 0, {"variant.txt": variant.encode()})

    def current(self) -> str:
        """Return which complete site `site/` holds now; fail if it holds neither whole."""
        assert self.site.is_dir() and not self.site.is_symlink(), "site/ is missing"
        digest = tree_digest(self.site)
        found = [name for name, known in self.digests.items() if known == digest]
        assert found, "site/ is neither the old site nor the new one, complete"
        return found[0]

    def leftovers(self) -> list[str]:
        return sorted(
            p.name for p in self.site.parent.iterdir() if p.name.startswith(LEFTOVER_PREFIXES)
        )

    def child(self, variant: str, **job: object) -> subprocess.Popen[str]:
        job.update(site=str(self.site), config=str(self.configs[variant]), variant=variant)
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(job)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def variants(make_project: MakeProject) -> Variants:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())  # writes docs/
    config_b = settings.config_file.with_name("mkdocs-b.yml")
    text = settings.config_file.read_text()
    config_b.write_text(text.replace("site_name: Paper Digest", "site_name: Paper Digest B", 1))
    project = Variants(settings, {"A": settings.config_file, "B": config_b}, {})
    for name in ("B", "A"):
        project.publish(name)
        project.digests[name] = tree_digest(project.site)
    assert project.digests["A"] != project.digests["B"]
    assert (project.site / "index.html").read_bytes() != b""
    return project


def kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()
    for stream in (child.stdin, child.stdout, child.stderr):
        if stream:
            stream.close()


def other(variant: str) -> str:
    return "B" if variant == "A" else "A"


def pause_trials(
    project: Variants, repair: bool = False, **job: object
) -> Iterator[tuple[int, str, str]]:
    """Pause a build before each step in turn and kill it there; yield (step, what, target).

    The yield is the frozen instant, before the kill. With `repair`, a site the kill left
    aside is put back as the next build does first. Ends with a build that runs through.
    """
    step = 0
    while True:
        target = other(project.current())
        child = project.child(target, pause_at=step, **job)
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line.startswith("paused"):
            _, errors = child.communicate()
            assert child.returncode == 0 and line.startswith("done"), errors
            assert project.current() == target
            return
        yield step, line.split(" ", 2)[2].strip(), target
        kill(child)
        if repair and not project.site.exists():
            with site_lock(project.site):
                clear_leftovers(project.site)
        step += 1


def run_and_kill(project: Variants, target: str, delay: float | None) -> tuple[bool, float]:
    """Start a build; `delay` s after its staging folder appears, SIGKILL it if still running.

    Return whether it was killed, and how long it ran after its staging folder appeared.
    """
    before = set(project.leftovers())
    child = project.child(target)
    while child.poll() is None and not set(project.leftovers()) - before:
        time.sleep(0.0005)
    appeared = time.monotonic()
    if delay is None:
        child.wait()
    else:
        time.sleep(delay)
    ran = time.monotonic() - appeared
    killed = child.poll() is None
    kill(child)
    assert killed or child.returncode == 0, child.stderr
    return killed, ran


def test_kill_before_every_step_of_the_swap_leaves_a_whole_site(variants: Variants) -> None:
    steps, seen = [], []
    for _step, what, target in pause_trials(variants):
        shown = variants.current()  # the frozen instant: what a reader sees mid-build
        seen.append("new" if shown == target else "old")
        steps.append(f"{what}: {seen[-1]} site")
    print(f"paused and killed before each of {len(steps)} steps:", *steps, sep="\n  ")
    # The exchange is one system call: paused before the step after it, the site is new.
    assert "old" in seen and "new" in seen and seen == sorted(seen, reverse=True), steps
    variants.current()
    assert variants.leftovers() == []  # the last build removed what the killed ones left


def test_kill_at_random_moments_leaves_a_whole_site_and_the_next_build_cleans_up(
    variants: Variants,
) -> None:
    rng = random.Random(20240607)
    _, span = run_and_kill(variants, "B", None)  # one build unkilled, to time it
    killed = 0
    for _ in range(8):
        target = other(variants.current())
        was_killed, _ = run_and_kill(variants, target, rng.uniform(0.0, span * 1.1))
        killed += was_killed
        variants.current()
    left = variants.leftovers()
    print(f"random kills: {killed} of 8 builds killed, {len(left)} leftovers before a good build")
    assert killed >= 4 and left
    variants.publish(other(variants.current()))
    assert variants.leftovers() == []


def test_without_exchange_a_kill_between_the_renames_is_undone_by_the_next_build(
    variants: Variants,
) -> None:
    """Where renameat2 cannot exchange, two renames swap; the gap between them is repaired."""
    gaps = []
    for step, what, _ in pause_trials(variants, repair=True, no_exchange=True):
        if not variants.site.exists():  # between the renames: the old site waits aside
            aside = [p for p in variants.leftovers() if p.startswith(".site.prev-")]
            assert len(aside) == 1, what
            assert tree_digest(variants.site.parent / aside[0]) in variants.digests.values()
            gaps.append(step)
        else:
            variants.current()
    print(f"without exchange: paused and killed before {step + 1} steps, gap at step {gaps}")
    assert len(gaps) == 1
    assert variants.leftovers() == []


def test_a_second_build_is_refused_and_leaves_the_first_one_alone(variants: Variants) -> None:
    child = variants.child("B", pause_at=1)  # paused, its staging folder created
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().startswith("paused")
    staging = variants.leftovers()
    assert len(staging) == 1
    with pytest.raises(BuildError) as refused:
        variants.publish("B")
    assert f"another build is publishing {variants.site} (process {child.pid}" in str(refused.value)
    assert variants.leftovers() == staging
    assert variants.current() == "A"
    out, errors = child.communicate("\n")
    assert child.returncode == 0 and out.strip() == "done", errors
    assert variants.current() == "B"
    variants.publish("A")  # the lock went with the first build
    assert variants.current() == "A"


def test_leftovers_are_removed_but_never_through_a_symlink(
    variants: Variants, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    (outside / "keep.txt").write_text("keep")
    (outside / "inner" / "keep.txt").write_text("keep")
    parent = variants.site.parent
    (parent / ".site.new-killed" / "assets").mkdir(parents=True)
    (parent / ".site.new-killed" / "assets" / "app.js").write_text("x")
    (parent / ".site.new-killed" / "link").symlink_to(outside)
    (parent / ".site.old-killed").mkdir()
    (parent / ".site.old-linked").symlink_to(outside)
    (parent / ".site.prev-linked").symlink_to(outside)
    variants.publish("B")
    assert variants.leftovers() == []
    assert (outside / "keep.txt").read_text() == "keep"
    assert (outside / "inner" / "keep.txt").read_text() == "keep"
    assert variants.current() == "B"


def test_a_server_serving_the_site_answers_every_request_during_builds(
    variants: Variants,
) -> None:
    """A server that opens site/<path> per request (http.server -d site) never misses a page."""
    pages: dict[str, bytes] = {}
    for name in ("B", "A"):
        variants.publish(name)
        pages[name] = (variants.site / "index.html").read_bytes()
    done = threading.Event()

    def publish_in_turn() -> None:
        for name in ("B", "A") * 2:
            variants.publish(name)
        done.set()

    answers: list[bytes] = []
    with serving(variants.site) as base:
        builder = threading.Thread(target=publish_in_turn)
        builder.start()
        while not done.is_set():
            with urllib.request.urlopen(base, timeout=5) as response:
                answers.append(response.read())
        builder.join()
    assert answers and set(answers) <= set(pages.values())
    assert len(set(answers)) == 2, "the swaps were not seen"


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    if not exchange_paths(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this kernel or filesystem has no RENAME_EXCHANGE")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
    assert list((tmp_path / "a").iterdir()) == []


@pytest.mark.parametrize("linked", ["topics", "papers/some-paper"])
def test_a_build_never_writes_or_deletes_through_a_symlink_in_docs(
    make_project: MakeProject, tmp_path: Path, linked: str
) -> None:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.md").write_text("not the generator's")
    link = settings.docs_dir / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(outside, target_is_directory=True)
    site_before = tree_digest(settings.site_dir)
    try:
        build(settings, embedder=StandInEmbedder())
        refused = ""
    except BuildError as error:
        refused = str(error)
    assert sorted(p.name for p in outside.iterdir()) == ["precious.md"]
    assert (outside / "precious.md").read_text() == "not the generator's"
    assert f"{link} is a symlink" in refused
    assert tree_digest(settings.site_dir) == site_before


def test_write_docs_refuses_a_symlinked_page_before_writing_anything(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "papers").mkdir(parents=True)
    target = tmp_path / "elsewhere.md"
    target.write_text("mine")
    (docs / "papers" / "old.md").symlink_to(target)
    with pytest.raises(BuildError):
        write_docs(docs, {"index.md": "# Home\n"})
    assert not (docs / "index.md").exists()
    assert target.read_text() == "mine"
    assert (docs / "papers" / "old.md").is_symlink()


def test_the_replaced_site_waits_in_the_cache_until_the_next_build_removes_it(
    make_project: MakeProject,
) -> None:
    settings = make_project()
    trash = settings.cache_dir / TRASH_SUBDIR
    build(settings, embedder=StandInEmbedder())
    assert not trash.exists()  # nothing was replaced
    first = tree_digest(settings.site_dir)
    build(settings, embedder=StandInEmbedder(), force=True)
    waiting = sorted(trash.iterdir())
    assert len(waiting) == 1 and tree_digest(waiting[0]) == first  # the whole old site
    assert [p.name for p in settings.site_dir.parent.iterdir() if p.name.startswith(".site.")] == [
        ".site.lock"
    ]
    build(settings, embedder=StandInEmbedder(), force=True)
    assert [p.name for p in trash.iterdir()] != [w.name for w in waiting]
    assert len(list(trash.iterdir())) == 1  # the second build's, the first one removed


def test_a_site_that_cannot_move_to_the_trash_is_removed_at_once(tmp_path: Path) -> None:
    old = tmp_path / ".site.old-x"
    (old / "papers").mkdir(parents=True)
    (old / "papers" / "index.html").write_text("old")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    Trash(blocked).put(old)
    assert not old.exists()
    Trash(tmp_path / "trash").put(tmp_path / "missing")  # nothing to move: no error
