"""A damaged cache is never published: each kind of damage to `.cache/`, then a build.

A project is built once from an empty cache: its site is the clean build. Each trial copies
that project, damages its cache one way (the search index kept in `.cache/search/`, the page
store `.cache/pages/pages.sqlite`, the files kept beside its pages), builds again with
`--force` (the cache then decides what is published) and checks that the site is byte for byte
the clean one; a build after that too (the damage is not kept). A file of `site/pagefind/`
edited in place must leave the cache as it was: the site and the cache share no file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import build
from generator.config import load_settings
from tests.conftest import SMALL_DIGESTS, MakeProject, copy_project_files, paper
from tests.site_checks import tree_digest
from tests.stand_in import StandInEmbedder

Damage = Callable[[Path], None]
SEARCH = Path(".cache/search")  # the index kept, beside the staging folder Pagefind writes to
STORE = Path(".cache/pages/pages.sqlite")
FILES = Path(".cache/pages/files")


def archive_path(root: Path) -> Path:
    """The archive of the search index kept (these small sites have one bundle)."""
    (path,) = (root / SEARCH).glob("*.tar")
    return path


def archive_members(root: Path) -> dict[str, bytes]:
    with tarfile.open(archive_path(root)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}  # type: ignore[union-attr]


def write_archive(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if at is None else at
    data[where] ^= 0x20
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def fragment_names(members: dict[str, bytes]) -> list[str]:
    names = sorted(name for name in members if name.startswith("fragment/"))
    assert len(names) >= 2
    return names


def swap_fragment(root: Path) -> None:
    """A well-formed archive whose first fragment is another's; the state as it was."""
    members = archive_members(root)
    first, second = fragment_names(members)[:2]
    members[first] = members[second]
    write_archive(archive_path(root), members)


def rewrite_fragment(root: Path) -> None:
    """A fragment that says something else, in a well-formed archive; the state as it was."""
    members = archive_members(root)
    name = fragment_names(members)[0]
    data = gzip.decompress(members[name])
    signature, body = data[:12], json.loads(data[12:])
    body["meta"]["title"] = "Planted title"
    members[name] = gzip.compress(signature + json.dumps(body).encode())
    write_archive(archive_path(root), members)


def hostile_state(root: Path) -> None:
    """An archive naming a path outside, and a state that vouches for it."""
    members = archive_members(root)
    members["../../../../escaped.pf_fragment"] = b"planted"
    write_archive(archive_path(root), members)
    state_file = root / SEARCH / "state.json"
    state = json.loads(state_file.read_text())
    path = archive_path(root)
    state["parts"][path.stem] = hashlib.sha256(path.read_bytes()).hexdigest()
    state_file.write_text(json.dumps(state))


def extra_index_file(root: Path) -> None:
    members = archive_members(root)
    members["planted.html"] = b"<script>alert(1)</script>"
    write_archive(archive_path(root), members)


def rows(root: Path, change: Callable[[sqlite3.Connection], None]) -> None:
    with sqlite3.connect(root / STORE) as db:
        change(db)
    db.close()


def plant_html(db: sqlite3.Connection) -> None:
    """Every page's HTML changed, and compressed again: zlib cannot tell."""
    for key, data in db.execute("SELECT key, html FROM pages").fetchall():
        html = zlib.decompress(data).replace(b"</body>", b"<p>PLANTED</p></body>")
        db.execute("UPDATE pages SET html = ? WHERE key = ?", (zlib.compress(html), key))


def swap_rows(db: sqlite3.Connection) -> None:
    """Each page gets the HTML of another."""
    found = db.execute("SELECT key, html FROM pages ORDER BY key").fetchall()
    assert len(found) >= 2
    for (key, _), (_, data) in zip(found, found[1:] + found[:1], strict=True):
        db.execute("UPDATE pages SET html = ? WHERE key = ?", (data, key))


def flip_blob(db: sqlite3.Connection) -> None:
    for key, data in db.execute("SELECT key, html FROM pages").fetchall():
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        db.execute("UPDATE pages SET html = ? WHERE key = ?", (bytes(changed), key))


def drop_anchors(db: sqlite3.Connection) -> None:
    for key, entry in db.execute("SELECT key, entry FROM pages").fetchall():
        value = json.loads(entry)
        value["anchors"] = []
        value["files"] = ["../../../../escaped.svg"]
        db.execute("UPDATE pages SET entry = ? WHERE key = ?", (json.dumps(value), key))


def kept_file(root: Path) -> Path:
    return sorted((root / FILES).iterdir())[0]


DAMAGES: dict[str, Damage] = {
    "search archive truncated": lambda root: truncate(archive_path(root)),
    "search archive bytes flipped": lambda root: flip(archive_path(root)),
    "search archive deleted": lambda root: archive_path(root).unlink(),
    "fragment replaced by another's": swap_fragment,
    "fragment rewritten, well-formed": rewrite_fragment,
    "search state truncated": lambda root: truncate(root / SEARCH / "state.json"),
    "search state vouches for a path outside": hostile_state,
    "a planted file in the index": extra_index_file,
    "page store truncated": lambda root: truncate(root / STORE),
    "page store bytes flipped": lambda root: flip(root / STORE),
    "page store deleted": lambda root: (root / STORE).unlink(),
    "page store: HTML changed and recompressed": lambda root: rows(root, plant_html),
    "page store: rows' HTML swapped": lambda root: rows(root, swap_rows),
    "page store: a blob's bit flipped": lambda root: rows(root, flip_blob),
    "page store: entries changed": lambda root: rows(root, drop_anchors),
    "kept icon or script edited": lambda root: kept_file(root).write_text("planted"),
    "kept icon or script deleted": lambda root: kept_file(root).unlink(),
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A project built from an empty cache, then again from its cache: (a copy of the project
    as built, its site). Trials put the copy back where it was built: page keys hold paths."""
    base = tmp_path_factory.mktemp("clean")
    root = base / "project"
    root.mkdir()
    copy_project_files(root)
    shutil.copytree(SMALL_DIGESTS, root / "digests")
    settings = load_settings(root / "mkdocs.yml")
    build(settings, embedder=StandInEmbedder())
    site = tree_digest(settings.site_dir)
    report = build(settings, embedder=StandInEmbedder(), force=True)
    assert report.reused_pages > 0, "the page cache is not used: the trials would prove nothing"
    assert tree_digest(settings.site_dir) == site
    return root.rename(base / "pristine"), site


def copy_of(pristine: Path) -> Path:
    """Put a copy of the built project where it was built."""
    root = pristine.with_name("project")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(pristine, root, symlinks=True)
    return root


@pytest.mark.parametrize("damage", list(DAMAGES), ids=list(DAMAGES))
def test_a_damaged_cache_is_never_published(
    clean: tuple[Path, dict[str, str]], damage: str
) -> None:
    root = copy_of(clean[0])
    DAMAGES[damage](root)
    settings = load_settings(root / "mkdocs.yml")
    build(settings, embedder=StandInEmbedder(), force=True)
    assert tree_digest(settings.site_dir) == clean[1]
    assert not list(root.parent.parent.rglob("escaped*"))
    build(settings, embedder=StandInEmbedder(), force=True)  # the damage is not kept either
    assert tree_digest(settings.site_dir) == clean[1]


def test_the_site_shares_no_file_with_the_cache(clean: tuple[Path, dict[str, str]]) -> None:
    root = copy_of(clean[0])
    settings = load_settings(root / "mkdocs.yml")
    assert build(settings, embedder=StandInEmbedder(), force=True).reused_pages > 0
    cache = {p.stat().st_ino for p in (root / ".cache").rglob("*") if p.is_file()}
    site = {p.stat().st_ino for p in settings.site_dir.rglob("*") if p.is_file()}
    assert not cache & site
    published = sorted((settings.site_dir / "pagefind" / "fragment").iterdir())[0]
    kept = tree_digest(root / ".cache")
    with published.open("r+b") as edited:  # in place: a hard link would carry it over
        edited.write(b"edited in place")
    assert tree_digest(root / ".cache") == kept
    build(settings, embedder=StandInEmbedder(), force=True)
    assert tree_digest(settings.site_dir) == clean[1]


def test_the_index_kept_after_a_new_issue_is_the_one_published(
    make_project: MakeProject,
) -> None:
    """The archive the cache keeps holds exactly the published index, and hashes as its
    state says."""
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    (settings.digests_dir / "2099-01-01.txt").write_text(paper("A Paper About Marmosets"))
    build(settings, embedder=StandInEmbedder())
    cache = settings.cache_dir / SEARCH.relative_to(".cache")
    state = json.loads((cache / "state.json").read_text())
    path = archive_path(settings.cache_dir.parent)
    assert state["parts"] == {path.stem: hashlib.sha256(path.read_bytes()).hexdigest()}
    published = settings.site_dir / "pagefind"
    files = {p.relative_to(published).as_posix(): p for p in published.rglob("*") if p.is_file()}
    assert {"vocabulary.json", "parts.json"} <= set(files)  # made for the whole index each build
    kept = archive_members(settings.cache_dir.parent)
    assert set(json.loads(kept.pop("words.json"))) >= {"marmosets"}  # the vocabulary's counts
    whole = {"vocabulary.json", "parts.json"}
    assert kept == {name: path.read_bytes() for name, path in files.items() if name not in whole}
