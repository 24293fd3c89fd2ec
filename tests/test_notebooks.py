"""The structure every notebook keeps (DESIGN.md, "Notebooks: conventions").

Read straight from the stored JSON: no kernel. nbval (make nbval) checks that
the stored outputs are still what the code produces.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks" / "labs").glob("*.ipynb")
)
LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
LAB_NAME = re.compile(r"^\d\d[a-z]_[a-z0-9_]+\.ipynb$")
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/work/|/home/\w+/|[A-Z]:\\\\Users\\\\)")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ENDING = ["Summary", "Exercises", "Teaching notes", "Going further", "Next"]  # a lesson
LAB_ENDING = ["Summary", "Next"]  # a lab may hold exercises and notes in between


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def text(cell):
    return "".join(cell["source"])


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and text(c).strip()]


def outputs_text(cell):
    for out in cell.get("outputs", []):
        yield json.dumps(out.get("text", "")) + json.dumps(
            out.get("data", {}).get("text/plain", "")
        )


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb_path(request):
    return request.param


def is_lab(path):
    return path.parent.name == "labs"


def test_name_and_kernel(nb_path):
    if is_lab(nb_path):
        assert LAB_NAME.match(nb_path.name), f"{nb_path.name}: expected NNx_snake_case_topic.ipynb"
    else:
        assert LESSON_NAME.match(nb_path.name), (
            f"{nb_path.name}: expected NN_snake_case_topic.ipynb"
        )
    assert load(nb_path)["metadata"]["kernelspec"]["name"] == "python3"


def test_header_cell(nb_path):
    first = load(nb_path)["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be the markdown header"
    head = text(first)
    assert head.startswith("# "), "the header starts with the title"
    lab = ("Question", "Deepens") if is_lab(nb_path) else ()
    for part in ("What you'll learn", *lab, "Covers", "Time"):
        assert part in head, f"the header lacks '{part}'"
    bullets = [line for line in head.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5, f"What you'll learn has {len(bullets)} bullets (want 3-5)"


def test_ends_with_summary_exercises_teaching_notes_going_further_next(nb_path):
    headings = [
        line[3:].strip()
        for c in load(nb_path)["cells"]
        if c["cell_type"] == "markdown"
        for line in text(c).splitlines()
        if line.startswith("## ")
    ]
    if is_lab(nb_path):
        assert "Summary" in headings and headings[-1] == "Next", f"a lab's sections: {headings}"
    else:
        assert headings[-len(ENDING) :] == ENDING, f"last sections are {headings[-5:]}"


def test_stored_executed_in_order_without_errors(nb_path):
    nb = load(nb_path)
    cells = code_cells(nb)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "run 'make notebooks': counts not 1..n"
    assert any(c.get("outputs") for c in cells), "no stored outputs"
    for i, c in enumerate(cells, start=1):
        tags = c.get("metadata", {}).get("tags", [])
        errors = [o for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags, f"code cell {i} stores an error"
        streams = [o for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not streams, f"code cell {i} stores stderr output (a warning?)"


def test_no_machine_paths_or_widget_views_stored(nb_path):
    nb = load(nb_path)
    assert "widgets" not in nb["metadata"], "widget state is not stored (make notebooks)"
    for i, c in enumerate(code_cells(nb), start=1):
        for t in outputs_text(c):
            assert not MACHINE_PATH.search(t), f"code cell {i} output shows a path of this machine"
        for out in c.get("outputs", []):
            assert WIDGET_VIEW not in out.get("data", {}), f"code cell {i} stores a widget view"


def test_every_dashboard_has_a_static_picture_before_it(nb_path):
    cells = code_cells(load(nb_path))
    for i, c in enumerate(cells):
        if any(t.startswith('"Dashboard:') for t in outputs_text(c)):
            before = cells[max(0, i - 2) : i + 1]
            pngs = [
                o for b in before for o in b.get("outputs", []) if "image/png" in o.get("data", {})
            ]
            assert pngs, f"code cell {i + 1}: a dashboard without a static PNG just before it"


def test_relative_links_resolve(nb_path):
    for c in load(nb_path)["cells"]:
        if c["cell_type"] != "markdown":
            continue
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text(c)):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (nb_path.parent / target).exists(), f"broken link: {target}"


def test_readme_map_has_a_row_for_every_notebook(nb_path):
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("|")]
    assert any(nb_path.stem in row for row in rows), f"README's notebook map lacks {nb_path.stem}"


def test_start_here_links_every_other_notebook():
    start = ROOT / "notebooks" / "00_start_here.ipynb"
    body = "\n".join(text(c) for c in load(start)["cells"] if c["cell_type"] == "markdown")
    for nb_path in NOTEBOOKS:
        if nb_path != start:
            link = nb_path.relative_to(start.parent).as_posix()
            assert f"]({link})" in body, f"00's map does not link {link}"


EXEMPT = "nbval-ignore-output"


def test_cells_exempt_from_nbval_say_why_and_none_is_skipped(nb_path):
    """README, "Portable results": a cell whose digits depend on float rounding is exempt
    from nbval's comparison (it still runs, its claim checks still raise); its first line
    says why. No cell is skipped, and nothing exempts a whole notebook."""
    for i, c in enumerate(code_cells(load(nb_path)), start=1):
        tags = c.get("metadata", {}).get("tags", [])
        assert "nbval-skip" not in tags, f"code cell {i} is skipped: every cell must run"
        if EXEMPT in tags:
            first = text(c).splitlines()[0]
            why = first.removeprefix(f"# {EXEMPT}:").strip()
            assert first.startswith(f"# {EXEMPT}:") and len(why.split()) >= 3, (
                f"code cell {i} is exempt from nbval; its first line must be "
                f"'# {EXEMPT}: <why its digits depend on rounding>' (got {first!r})"
            )
