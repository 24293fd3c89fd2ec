"""The classroom kit as a student's browser sees it, from file:// with no network:
the site's front page and a lesson (maths typeset, every image loaded, no request
leaving the machine), a slide deck (advances), and the printed handouts.

Reads what `make site`, `make slides` and `make handouts` built (`make test`
builds them first: `make classroom`). Screenshots go to artifacts/classroom/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools import classroom

ARTIFACTS = classroom.REPO / "artifacts" / "classroom"
LESSONS = classroom.lessons()
# the lesson page checked in the browser: the first with maths and a figure
LESSON = next((p for p in LESSONS if p.stem.startswith("02_")), LESSONS[-1])

MATHJAX_DONE = classroom.MATHJAX_DONE
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[")


def built(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(classroom.REPO)} is missing: run `make classroom` first")
    return path


def open_offline(browser, url: str, name: str):
    """A page at ``url`` with every request recorded; returns (page, requests)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    failed: list[str] = []
    page.on("requestfailed", lambda r: r.url.startswith("about:") or failed.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate(MATHJAX_DONE)
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=False)
    return page, requests, failed


def assert_local(requests: list[str], failed: list[str]) -> None:
    leaving = [u for u in requests if not u.startswith(("file://", "data:", "about:", "blob:"))]
    assert leaving == [], f"requests that leave the machine: {leaving[:5]}"
    assert failed == [], f"files the page asked for and did not get: {failed[:5]}"


def assert_images_load(page) -> int:
    broken = page.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(-60))"
    )
    assert broken == [], f"images that did not load: {broken}"
    return page.evaluate("() => document.images.length")


def raw_tex_left(page) -> list[str]:
    """Text nodes of the article that still hold TeX delimiters (MathJax missed them)."""
    text = page.evaluate(
        """() => {
      const root = document.querySelector('article') || document.body;
      const skip = n => n.parentElement.closest('pre, code, script, style, .MathJax_Preview, .math');
      const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const out = []; let n;
      while ((n = w.nextNode())) if (!skip(n)) out.push(n.textContent);
      return out.join('\\n');
    }"""
    )
    return RAW_TEX.findall(text)


@pytest.fixture(scope="module", autouse=True)
def _artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def test_site_index_offline_with_the_map_and_every_notebook(browser):
    index = built(classroom.SITE / "index.html")
    page, requests, failed = open_offline(browser, index.as_uri(), "site-index")
    try:
        assert_local(requests, failed)
        assert_images_load(page)
        body = page.inner_text("article")
        assert "Run the lessons" in body and "make lab" in body
        for lesson in LESSONS:  # the map / toctree links every lesson
            assert page.locator(f'article a[href^="{lesson.stem}.html"]').count() >= 1, lesson.stem
        assert raw_tex_left(page) == []
    finally:
        page.close()


def test_lesson_page_maths_typeset_images_load_with_alt_no_network(browser):
    html = built(classroom.SITE / f"{LESSON.stem}.html")
    page, requests, failed = open_offline(browser, html.as_uri(), f"site-{LESSON.stem}")
    try:
        assert_local(requests, failed)
        assert page.locator(".mjx-chtml, .MathJax, .MathJax_Display, mjx-container").count() > 0, (
            "no typeset maths"
        )
        assert page.locator(".MathJax_Error, .mjx-merror, merror").count() == 0, (
            "MathJax reported an error"
        )
        assert raw_tex_left(page) == []
        figures = assert_images_load(page)
        assert figures > 0
        page.screenshot(path=ARTIFACTS / f"site-{LESSON.stem}-full.png", full_page=True)
        assert "Run this lesson" in page.inner_text("article")
        nb = json.loads(LESSON.read_text(encoding="utf-8"))
        if any(classroom.slide_rules.is_dashboard(c) for c in nb["cells"]):
            assert "The sliders live in JupyterLab" in page.inner_text("article")
    finally:
        page.close()


def test_every_page_of_the_site_uses_only_local_files():
    """No page of the site names a script, stylesheet, font or image on another host."""
    site = built(classroom.SITE / "index.html").parent
    remote = re.compile(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    for html in site.rglob("*.html"):
        found = remote.findall(html.read_text(encoding="utf-8"))
        assert not found, f"{html.relative_to(site)} loads {found[:3]}"


def test_slide_deck_offline_and_advances(browser):
    deck = built(classroom.SLIDES / f"{LESSON.stem}.html")
    page, requests, failed = open_offline(browser, deck.as_uri(), f"slides-{LESSON.stem}-1")
    try:
        # reveal.js loads through require.js (no global Reveal): read the DOM and the URL
        page.wait_for_selector(".reveal.ready", timeout=20_000)
        assert_local(requests, failed)
        total = page.locator(".reveal .slides section:not(:has(section))").count()
        assert total >= 5, f"only {total} slides"
        first = page.evaluate("() => location.hash")
        for _ in range(3):
            page.keyboard.press("Space")  # next slide, vertical ones included
            page.wait_for_timeout(500)
        after = page.evaluate("() => location.hash")
        assert after not in ("", "#/", first), f"the deck did not advance ({first!r} -> {after!r})"
        page.evaluate(MATHJAX_DONE)
        page.screenshot(path=ARTIFACTS / f"slides-{LESSON.stem}-4.png")
        assert_local(requests, failed)
    finally:
        page.close()


def test_one_deck_per_lesson():
    for lesson in LESSONS:
        built(classroom.SLIDES / f"{lesson.stem}.html")


def test_handouts_one_pdf_per_lesson_with_sensible_page_counts():
    from pypdf import PdfReader

    for lesson in LESSONS:
        pdf = built(classroom.HANDOUTS / f"{lesson.stem}.pdf")
        reader = PdfReader(pdf)
        nb = json.loads(lesson.read_text(encoding="utf-8"))
        figures = sum(
            "image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
        )
        pages = len(reader.pages)
        # at least one page per three figures; at most what a 50-minute lesson can fill
        assert max(1, figures // 3) <= pages <= 45, (
            f"{pdf.name}: {pages} pages for {figures} figures"
        )
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2, "not A4"
        first = reader.pages[0].extract_text()
        assert classroom.LESSON.match(lesson.name).group(1) in first, (
            f"{pdf.name}: title missing on page 1"
        )
