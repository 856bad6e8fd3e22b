"""The one rule for paths (generator/paths.py): a wrong setting never deletes or writes anything.

Each wrong folder setting is tried on a project that has been built once (digests, docs, a
site, a cache): the build is refused in one line naming the setting, and every file of the
project is byte-identical after it; nothing is created outside. A previous site whose
catalog.json holds hostile slugs writes nothing outside the site.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import build
from generator.cli import main
from generator.config import Settings, load_settings
from generator.errors import ConfigError
from generator.paths import UnsafePath, inside, is_slug
from tests.conftest import SMALL_DIGESTS, MakeProject, copy_project_files
from tests.site_checks import tree_digest
from tests.stand_in import StandInEmbedder

# (setting, value, what the refusal names): `{root}` is the project's folder.
WRONG = [
    ("site_dir", "digests", "digests_dir"),
    ("site_dir", "docs", "docs_dir"),
    ("site_dir", ".", "the project root"),
    ("site_dir", "{root}", "the project root"),
    ("site_dir", "..", "the project root"),
    ("site_dir", "templates", "templates_dir"),
    ("site_dir", ".cache", "cache_dir"),
    ("site_dir", "digests/site", "digests_dir"),
    ("site_dir", "docs/site", "docs_dir"),
    ("site_dir", "out", "out_dir"),
    ("docs_dir", "digests", "digests_dir"),
    ("docs_dir", "site", "site_dir"),
    ("docs_dir", "/nonexistent/docs", "outside the project"),
    ("docs_dir", "../elsewhere", "outside the project"),
    ("docs_dir", ".cache/docs", "cache_dir"),
    ("cache_dir", "digests", "digests_dir"),
    ("cache_dir", "docs", "docs_dir"),
    ("cache_dir", ".", "the project root"),
    ("cache_dir", "site", "site_dir"),
    ("cache_dir", "site/cache", "site_dir"),
    ("cache_dir", "templates/cache", "templates_dir"),
    ("cache_dir", "digests/.cache", "digests_dir"),
    ("out_dir", "digests", "digests_dir"),
    ("out_dir", "site", "site_dir"),
    ("out_dir", "docs", "docs_dir"),
    ("email.ledger", "digests/ledger.jsonl", "digests_dir"),
    ("email.ledger", "site/ledger.jsonl", "site_dir"),
]


def with_setting(config: Path, key: str, value: str) -> None:
    """Set one setting in a project's mkdocs.yml (a top-level key, extra.paper_digest, email)."""
    text = config.read_text("utf-8")
    if key in {"site_dir", "docs_dir"}:
        lines = [f"{key}: {value}" if ln.startswith(f"{key}:") else ln for ln in text.split("\n")]
        text = "\n".join(lines)
    elif key.startswith("email."):
        text = text.replace("    email:\n", f"    email:\n      {key[6:]}: {value}\n", 1)
    else:
        text = text.replace(
            "    digests_dir: digests\n", f"    digests_dir: digests\n    {key}: {value}\n"
        )
    config.write_text(text, "utf-8")


def project_state(root: Path) -> dict[str, str]:
    """Hash every file of the project and the folder beside it (where `..` would lead)."""
    return tree_digest(root.parent)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project built once: digests, docs, site and cache all hold files."""
    root = tmp_path_factory.mktemp("built") / "project"
    root.mkdir()
    copy_project_files(root)
    shutil.copytree(SMALL_DIGESTS, root / "digests")
    build(load_settings(root / "mkdocs.yml"), embedder=StandInEmbedder())
    assert (root / "site" / "api" / "catalog.json").is_file()
    return root


@pytest.mark.parametrize(("key", "value", "named"), WRONG, ids=[f"{k}={v}" for k, v, _ in WRONG])
def test_a_wrong_folder_setting_is_refused_before_anything_is_written(
    built: Path, key: str, value: str, named: str
) -> None:
    config = built / "mkdocs.yml"
    good = config.read_bytes()
    with_setting(config, key, value.format(root=built))
    before = project_state(built)
    try:
        with pytest.raises(ConfigError) as refused:
            build(load_settings(config), embedder=StandInEmbedder())
    finally:
        after = project_state(built)
        config.write_bytes(good)
    message = str(refused.value)
    assert key.split(".")[-1] in message or key in message
    assert named in message
    assert "\n" not in message
    assert after == before, "a refused build changed files"
    assert not Path("/nonexistent").exists()


def test_the_refusal_is_one_line_and_exit_status_2(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = built / "mkdocs.yml"
    good = config.read_bytes()
    with_setting(config, "site_dir", "digests")
    before = project_state(built)
    try:
        status = main(["-f", str(config), "build"])
    finally:
        after = project_state(built)
        config.write_bytes(good)
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert "site_dir" in err and "digests_dir" in err
    assert after == before


def test_a_site_dir_linked_to_the_digests_is_refused(built: Path) -> None:
    config = built / "mkdocs.yml"
    good = config.read_bytes()
    link = built / "published"
    link.symlink_to(built / "digests", target_is_directory=True)
    with_setting(config, "site_dir", "published")
    before = project_state(built)
    try:
        with pytest.raises(ConfigError, match="digests_dir"):
            build(load_settings(config), embedder=StandInEmbedder())
    finally:
        after = project_state(built)
        config.write_bytes(good)
        link.unlink()
    assert after == before


def test_a_folder_no_build_made_is_never_replaced(make_project: MakeProject) -> None:
    settings = make_project()
    notes = settings.root / "notes"
    notes.mkdir()
    (notes / "plan.md").write_text("my notes\n")
    with_setting(settings.config_file, "site_dir", "notes")
    with pytest.raises(ConfigError, match="no build made"):
        build(load_settings(settings.config_file), embedder=StandInEmbedder())
    assert (notes / "plan.md").read_text() == "my notes\n"
    assert sorted(p.name for p in notes.iterdir()) == ["plan.md"]


def test_good_settings_outside_the_defaults_still_build(make_project: MakeProject) -> None:
    """A site, cache and email folder elsewhere in the project are no clash."""
    settings = make_project()
    config = settings.config_file
    with_setting(config, "site_dir", "public")
    with_setting(config, "cache_dir", "build-cache")
    with_setting(config, "out_dir", "mail")
    with_setting(config, "email.ledger", "ledger/sent.jsonl")
    moved = load_settings(config)
    build(moved, embedder=StandInEmbedder())
    assert (settings.root / "public" / "index.html").is_file()
    assert (settings.root / "build-cache" / "build.json").is_file()
    build(moved, embedder=StandInEmbedder(), force=True)  # a site a build made is replaced


def hostile_catalog(slugs: list[str], moved: dict[str, str]) -> bytes:
    topics = [{"slug": slug, "paper_ids": []} for slug in slugs]
    return json.dumps({"version": 2, "topics": topics, "moved_topics": moved}).encode()


def test_a_hostile_previous_catalog_writes_nothing_outside_the_site(
    make_project: MakeProject,
) -> None:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    catalog = settings.site_dir / "api" / "catalog.json"
    escapes = ["../..", "../../../escaped", "..", "a/../../b", "/tmp/abs", "index", "UPPER", ""]
    moved = {"../../moved-out": "x", "fine-old": "../../../t", "ok-old": "ok-target", "..": ""}
    catalog.write_bytes(hostile_catalog(["gone-topic", *escapes], moved))
    outside = tree_digest(settings.root.parent)
    outside = {k: v for k, v in outside.items() if not k.startswith(f"{settings.root.name}/")}
    topics_index = (settings.site_dir / "topics" / "index.html").read_bytes()

    report = build(settings, embedder=StandInEmbedder(), force=True)

    after = tree_digest(settings.root.parent)
    after = {k: v for k, v in after.items() if not k.startswith(f"{settings.root.name}/")}
    assert after == outside, "a build wrote outside the project"
    site = settings.site_dir
    assert not (site.parent / "index.html").exists() and not (site.parent / "topics").exists()
    assert (site / "topics" / "gone-topic" / "index.html").is_file()  # a good one still redirects
    assert (site / "topics" / "ok-old" / "index.html").is_file()
    assert (site / "topics" / "index.html").read_bytes() == topics_index  # "index" not taken
    warned = [str(p) for p in report.problems if "api/catalog.json" in str(p)]
    for bad in ["../..", "../../../escaped", "a/../../b", "index", "UPPER"]:
        assert any(repr(bad) in line for line in warned), (bad, warned)
    assert any("fine-old" in line for line in warned)
    written = json.loads((site / "api" / "catalog.json").read_bytes())
    assert all(is_slug(slug) for slug in written["moved_topics"])


def test_a_deeply_nested_previous_catalog_is_no_traceback(make_project: MakeProject) -> None:
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    (settings.site_dir / "api" / "catalog.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    report = build(settings, embedder=StandInEmbedder(), force=True)
    assert (settings.site_dir / "index.html").is_file()
    assert report.pages > 0


@pytest.mark.parametrize(
    "relative", ["", "/etc/x", "../x", "a/../../x", "a//b", "./a", "a/", "a\\..\\b", "a\0b"]
)
def test_inside_refuses_what_is_not_a_plain_path(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UnsafePath):
        inside(tmp_path, relative)


def test_inside_refuses_a_path_through_a_link_out(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "out").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        inside(tmp_path / "site", "out/x.html")
    assert inside(tmp_path / "site", "topics/a/index.html") == tmp_path / "site/topics/a/index.html"


def test_settings_made_in_code_are_checked_by_the_build(make_project: MakeProject) -> None:
    settings: Settings = make_project()
    before = tree_digest(settings.root)
    with pytest.raises(ConfigError, match="site_dir"):
        build(replace(settings, site_dir=settings.digests_dir), embedder=StandInEmbedder())
    assert tree_digest(settings.root) == before


def test_a_clash_set_in_an_inherited_file_is_refused(make_project: MakeProject) -> None:
    """MkDocs reads `INHERIT:` files: a site_dir set there is the build's site_dir."""
    settings = make_project()
    (settings.root / "base.yml").write_text("site_dir: digests\n")
    config = settings.config_file
    text = "\n".join(ln for ln in config.read_text().split("\n") if not ln.startswith("site_dir:"))
    config.write_text("INHERIT: base.yml\n" + text)
    before = tree_digest(settings.root)
    with pytest.raises(ConfigError, match=r"site_dir .* is the same folder as digests_dir"):
        build(load_settings(config), embedder=StandInEmbedder())
    assert tree_digest(settings.root) == before


def test_a_previous_catalog_that_is_a_link_is_not_read(make_project: MakeProject) -> None:
    """A catalog.json replaced by a link to a device that never ends is not read back."""
    settings = make_project()
    build(settings, embedder=StandInEmbedder())
    catalog = settings.site_dir / "api" / "catalog.json"
    catalog.unlink()
    catalog.symlink_to("/dev/zero")
    report = build(settings, embedder=StandInEmbedder(), force=True)
    assert report.pages > 0
    assert not catalog.is_symlink()
