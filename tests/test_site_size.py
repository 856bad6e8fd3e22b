"""The build warns before the site outgrows its host: 80 % of the limit, or a file over 5 MB."""

from __future__ import annotations

from pathlib import Path

from generator.site.size import measure, size_warnings


def test_the_site_is_measured_and_warned_about_near_its_limit(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "catalog.json").write_bytes(b"x" * (6 * 2**20))
    (tmp_path / "index.html").write_bytes(b"y" * 1000)
    (tmp_path / "link").symlink_to(tmp_path / "index.html")
    (tmp_path / "folder-link").symlink_to(tmp_path / "api")  # not followed, not counted
    size = measure(tmp_path)
    assert size.files == 3 and size.largest == ("api/catalog.json", 6 * 2**20)
    assert size.total == 6 * 2**20 + 1000 + len(str(tmp_path / "index.html"))
    warned = size_warnings(size, 7)
    assert len(warned) == 2
    assert "86 % of the 7 MB limit" in warned[0]
    assert warned[1] == "api/catalog.json is 6.0 MB: readers download it whole."
    assert size_warnings(measure(tmp_path / "api"), 1024) == (
        "catalog.json is 6.0 MB: readers download it whole.",
    )
    (tmp_path / "api" / "catalog.json").write_bytes(b"{}")
    assert size_warnings(measure(tmp_path), 1024) == ()


def test_every_file_over_5_mb_is_named_largest_first(tmp_path: Path) -> None:
    for n in range(7):
        (tmp_path / f"big-{n}.json").write_bytes(b"x" * (5 * 2**20 + 1000 * n + 1))
    (tmp_path / "small.json").write_bytes(b"{}")
    size = measure(tmp_path)
    assert [name for name, _ in size.large] == [f"big-{n}.json" for n in range(6, -1, -1)]
    assert size.largest == ("big-6.json", 5 * 2**20 + 6001)
    warned = size_warnings(size, 1024)
    assert warned[:2] == (
        "big-6.json is 5.0 MB: readers download it whole.",
        "big-5.json is 5.0 MB: readers download it whole.",
    )
    assert warned[5:] == ("and 2 more files over 5 MB.",)
