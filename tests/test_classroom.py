"""The classroom kit's rules, without building anything: slide metadata on every
lesson (tools/slides.py), alt text on every stored figure, and the site's staging
(run box, dashboards as pictures plus a note, labs under their lesson, links).

The builds themselves and what a browser sees are in tests/browser/test_classroom_kit.py.
"""

from __future__ import annotations

import json

import pytest

from tools import classroom, slides

LESSONS = classroom.lessons()
NOTEBOOKS = LESSONS + classroom.labs()


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _cell(kind: str, source: str = "", outputs=None) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell["outputs"] = outputs or []
    return cell


PNG = {
    "output_type": "display_data",
    "data": {"image/png": "iVBOR", "text/plain": "<Figure>"},
    "metadata": {},
}
DASH = {
    "output_type": "execute_result",
    "data": {"text/plain": "Dashboard: γ, β (controls: γ)"},
    "metadata": {},
}
TEXT = {"output_type": "stream", "name": "stdout", "text": "✓ a claim"}


# ---------------------------------------------------------------- slides


def test_slide_rules_on_a_small_lesson():
    nb = {
        "cells": [
            _cell("markdown", "# 09 · A lesson\n\n**What you'll learn** ..."),
            _cell("code", "import numpy as np"),
            _cell("markdown", "## A section\n\n**Key idea: one sentence.**"),
            _cell("code", "plot()", [PNG]),
            _cell("markdown", "A paragraph of explanation."),
            _cell("code", "claim(...)", [TEXT]),
            _cell("markdown", "**Key idea: a second one.**"),
            _cell("code", "dash", [DASH]),
            _cell("markdown", "## Summary\n\n- one\n\n## Exercises\n\n**1. Compute** μ_B."),
            _cell("code", "ex.one.check(None)", [TEXT]),
            _cell("markdown", "**2. Predict** σ_B."),
            _cell("code", "ex.two.check(None)", [TEXT]),
            _cell("markdown", "## Teaching notes\n\n- demo the slider"),
            _cell("markdown", "more notes"),
            _cell("code", "teacher_only()"),
            _cell("markdown", "## Next\n\n[10](10_x.ipynb)"),
        ]
    }
    assert slides.slide_types(nb) == [
        "slide",
        "skip",
        "slide",
        "subslide",
        "notes",
        "skip",
        "subslide",
        "subslide",
        "slide",
        "-",
        "subslide",
        "-",
        "notes",
        "notes",
        "skip",
        "slide",
    ]


def test_slide_tool_is_idempotent_and_touches_only_slideshow_metadata():
    nb = _load(LESSONS[0])
    before = json.dumps(nb)
    slides.apply(nb)
    once = json.dumps(nb)
    assert slides.apply(nb) is False and json.dumps(nb) == once
    stripped = json.loads(once)
    for cell in stripped["cells"]:
        cell["metadata"].pop("slideshow")
    original = json.loads(before)
    for cell in original["cells"]:
        cell["metadata"].pop("slideshow", None)
    assert stripped == original


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_its_slide_metadata(lesson):
    """Fails until `python tools/slides.py` has been run on the lesson (and again after
    a rewrite moves its sections): the stored metadata must be what the rules give."""
    nb = _load(lesson)
    stored = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb["cells"]]
    assert stored == slides.slide_types(nb), (
        f"run: python tools/slides.py {lesson.relative_to(classroom.REPO)}"
    )
    count = stored.count("slide") + stored.count("subslide")
    assert 4 <= count <= 30, f"{count} slides: a 50-minute lesson wants about 10-15"
    assert stored[0] == "slide"


# ---------------------------------------------------------------- alt text


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_figure_has_alt_text(nb_path):
    """Passes once the notebooks are re-executed with bnlib's formatter (`make notebooks`)."""
    nb = _load(nb_path)
    missing = [
        i
        for i, cell in enumerate(nb["cells"])
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
        and not str(out.get("metadata", {}).get("image/png", {}).get("alt", "")).strip()
    ]
    assert missing == [], f"cells {missing} show a figure with no alt text: re-run `make notebooks`"


# ---------------------------------------------------------------- the site's staging


def test_links_for_binder_and_a_schools_jupyterhub():
    path = "notebooks/02_normalize_scale_shift.ipynb"
    hub = classroom.nbgitpuller_url(path)
    assert hub.startswith("https://HUB/hub/user-redirect/git-pull?repo=https://github.com/")
    assert f"urlpath=lab/tree/{classroom.repo_name()}/{path}" in hub and "branch=" in hub
    binder = classroom.binder_url(path)
    assert binder.startswith("https://mybinder.org/v2/gh/") and binder.endswith(
        f"?urlpath=lab/tree/{path}"
    )
    box = classroom.run_box(path)
    assert (
        "make lab" in box
        and hub in box
        and binder in box
        and box.startswith(":::{admonition} Run this lesson")
    )


def test_staged_lesson_has_run_box_dashboard_note_and_its_labs(tmp_path):
    lesson = next(p for p in LESSONS if any(slides.is_dashboard(c) for c in _load(p)["cells"]))
    staged = classroom.stage_notebook(lesson, ["labs/99a_example"])
    texts = [classroom.cell_text(c) for c in staged["cells"]]
    assert "Run this lesson" in texts[1]
    assert not any(slides.is_dashboard(c) for c in staged["cells"])  # text fallback dropped ...
    assert any("The sliders live in JupyterLab" in t for t in texts)  # ... for the note
    assert texts[-1].startswith("```{toctree}") and "labs/99a_example" in texts[-1]
    ids = [c["id"] for c in staged["cells"]]
    assert len(set(ids)) == len(ids)
    assert "widgets" not in staged.get("metadata", {})


def test_links_out_of_notebooks_point_at_the_repository():
    here = classroom.REPO / "notebooks"
    text = (
        "See [README](../README.md#troubleshooting), [01](01_x.ipynb), [paper](https://arxiv.org)."
    )
    out = classroom._rewrite_links(text, here)
    assert (
        f"[README]({classroom.REPO_URL}/blob/{classroom.BRANCH}/README.md#troubleshooting)" in out
    )
    assert "[01](01_x.ipynb)" in out and "[paper](https://arxiv.org)" in out


def test_front_page_is_built_from_the_map_in_00_and_lists_every_lesson():
    page = classroom.index_page(LESSONS, [])
    assert page.startswith("# Batch Normalization, interactively")
    for lesson in LESSONS:
        assert f"\n{lesson.stem}" in page  # in the toctree
    assert "## The map" in page and "(this one)" not in page
    assert classroom.map_section({"cells": [_cell("markdown", "# x\n\nno map here")]}) is None


def test_labs_sit_under_the_lesson_with_their_number():
    lesson = classroom.REPO / "notebooks" / "01_internal_covariate_shift.ipynb"
    labs = [
        classroom.REPO / "notebooks" / "labs" / n
        for n in ("01a_x.ipynb", "01b_y.ipynb", "07a_z.ipynb")
    ]
    assert [p.name for p in classroom.labs_of(lesson, labs)] == ["01a_x.ipynb", "01b_y.ipynb"]
