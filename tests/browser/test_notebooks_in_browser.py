"""Each notebook in a real JupyterLab and Chromium: Run All, no error output,
and every slider of every dashboard moves the figure it drives.

New notebooks are covered by adding the notebook, nothing else. Screenshots
go to artifacts/browser/ (ignored by git).
"""

from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.browser.conftest import ARTIFACTS
from tools.lab import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(
    (REPO / "notebooks" / "labs").glob("*.ipynb")
)
IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")
BUSY_PROMPT = "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'))"


def open_notebook(page, base, token, path):
    """Open ``path`` (relative to the repository, e.g. notebooks/labs/01a_x.ipynb)."""
    page.goto(f"{base}/lab/workspaces/{uuid.uuid4().hex}/tree/{path}?token={token}&reset")
    page.get_by_role("button", name=IDLE).wait_for(timeout=90_000)


def run_all(page):
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    page.wait_for_timeout(500)
    page.wait_for_function(BUSY_PROMPT, timeout=180_000)
    page.get_by_role("button", name=IDLE).wait_for(timeout=60_000)


def figure_changes(page, figure, handle, timeout=15.0) -> bool:
    """Press ArrowRight on a slider; True once the figure's pixels differ."""
    figure.scroll_into_view_if_needed()
    before = figure.screenshot()
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        if figure.screenshot() != before:
            return True
    return False


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_every_slider_moves_its_figure(lab, browser, nb):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_notebook(page, base, token, nb.relative_to(REPO).as_posix())
        run_all(page)
        page.screenshot(path=ARTIFACTS / f"{nb.stem}-after-run-all.png")

        errors = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        assert errors.count() == 0, f"error or warning output: {errors.first.inner_text()[:500]}"
        widget_errors = page.locator(".jp-OutputArea-output", has_text="Error displaying widget")
        assert widget_errors.count() == 0, "a widget failed to display"

        dashboards = page.locator(".bnlib-dashboard")
        for d in range(dashboards.count()):
            dash = dashboards.nth(d)
            figure = dash.locator(".jupyter-matplotlib-figure canvas").first
            handles = dash.locator(".widget-slider .noUi-handle")
            for s in range(handles.count()):
                label = dash.locator(".widget-slider .widget-label").nth(s).inner_text()
                assert figure_changes(page, figure, handles.nth(s)), (
                    f"dashboard {d + 1}, slider '{label}': the figure did not change"
                )
            dash.screenshot(path=ARTIFACTS / f"{nb.stem}-dashboard{d + 1}-moved.png")
        sliders_outside = (
            page.locator(".widget-slider").count()
            - page.locator(".bnlib-dashboard .widget-slider").count()
        )
        assert sliders_outside == 0, (
            "a slider outside a bnlib dashboard is not covered by this test"
        )
    finally:
        page.close()


def test_server_is_loopback_only_and_needs_its_token(lab):
    import urllib.error
    import urllib.request

    base, token = lab
    assert base.startswith("http://127.0.0.1:")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/api/contents/notebooks", timeout=10)
    assert refused.value.code == 403
    with urllib.request.urlopen(f"{base}/api/contents/notebooks?token={token}", timeout=10) as ok:
        assert ok.status == 200
