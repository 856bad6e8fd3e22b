"""The built site in headless Chromium: untrusted text runs nothing, math is typeset."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from generator.build import build
from generator.catalog import paper_id, paper_slug
from tests.conftest import MakeProject, free_port

pytestmark = pytest.mark.browser

XSS_TITLE = "<script>alert(1)</script>"


def test_untrusted_paper_page_runs_nothing_and_math_renders(
    make_project: MakeProject,
    browser,  # type: ignore[no-untyped-def]
    serve_dir: Callable[..., str],
) -> None:
    # Built for the address it is served from, as a deployed site is: absolute links resolve.
    port = free_port()
    settings = make_project(site_url=f"http://127.0.0.1:{port}/")
    build(settings)
    base = serve_dir(settings.site_dir, port)
    page = browser.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Requests cut short by the next navigation are aborted, not failed.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if request.failure == "net::ERR_ABORTED"
            else errors.append(f"{request.url}: {request.failure}")
        ),
    )
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        for path in (
            "",
            "issues/03-third/",
            f"papers/{paper_slug(XSS_TITLE, paper_id(XSS_TITLE))}/",
        ):
            page.goto(base + path, wait_until="load")
        assert page.locator("article h1").inner_text() == XSS_TITLE
        assert page.locator("img[src='x']").count() == 0
        title = "A Tutorial on Bayesian Optimization"
        page.goto(base + f"papers/{paper_slug(title, paper_id(title))}/", wait_until="load")
        page.wait_for_selector(".arithmatex .katex", timeout=10_000)
        # KaTeX keeps the source TeX in a MathML annotation beside what it draws.
        assert page.locator(".arithmatex annotation").text_content() == "d = 20"
    finally:
        page.close()
    assert dialogs == []
    assert errors == []
