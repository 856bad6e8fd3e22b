"""The fixture digests render to exactly the committed Markdown (regenerate: make golden)."""

from __future__ import annotations

from tests.golden import GOLDEN, render_golden


def test_rendered_pages_match_golden_tree() -> None:
    pages = render_golden()
    expected = {
        path.relative_to(GOLDEN).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(GOLDEN.rglob("*"))
        if path.is_file()
    }
    assert sorted(pages) == sorted(expected), "pages added or removed: run make golden"
    for relative, text in pages.items():
        assert text == expected[relative], f"{relative} differs: run make golden and review"
