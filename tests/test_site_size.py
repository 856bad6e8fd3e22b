"""The build warns before the site outgrows its host: 80 % of the limit, or a file over 5 MB."""

from __future__ import annotations

from pathlib import Path

from generator.site.size import measure, size_warnings


def test_the_site_is_measured_and_warned_about_near_its_limit(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "catalog.json").write_bytes(b"x" * (6 * 2**20))
    (tmp_path / "index.html").write_bytes(b"y" * 1000)
    (tmp_path / "link").symlink_to(tmp_path / "index.html")
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
