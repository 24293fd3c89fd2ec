"""tools/lesson_size.py: what it counts, and every lesson and lab within LESSONS.md's limits."""

import json

import pytest

from tools import lesson_size as L


def _write(path, cells):
    """A stored notebook with these (cell_type, source) cells."""
    cells = [{"cell_type": t, "metadata": {}, "source": s} for t, s in cells]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


HEADER = ("markdown", "# 09 · A lesson\n\n**Covers:** review §1\n**Time:** 50 minutes")
KEY = ("markdown", "## One\n\n**Key idea: something that holds.** three more words")
CHECK = ("code", "ex.first.check(my_answer)")


def test_counts_prose_key_ideas_and_exercises_but_not_teaching_notes(tmp_path):
    teacher = ("markdown", "## Teaching notes\n\n" + "word " * 500)
    after = ("markdown", "## Next\n\nfour words right here")
    s = L.measure(_write(tmp_path / "09_a.ipynb", [HEADER, KEY, CHECK, CHECK, teacher, after]))
    assert (s.words, s.key_ideas, s.exercises, s.header_minutes) == (11 + 10 + 6, 1, 2, 50)
    assert not s.lab and "1 **Key idea:** sections (at least 3)" in s.problems()[0]


def test_a_long_lesson_and_a_time_without_reading_are_reported(tmp_path):
    long = ("markdown", "## Two\n\n**Key idea: x.**\n" + "word " * 6100)
    s = L.measure(_write(tmp_path / "09_a.ipynb", [HEADER, KEY, KEY, long, CHECK, CHECK, CHECK]))
    problems = s.problems()
    assert any("words of student prose (at most 2000)" in p for p in problems)
    assert any("*Time* 50 min leaves out reading (51 min" in p for p in problems)


def test_a_fitting_lesson_has_no_problems_and_lists_its_labs(tmp_path):
    link = ("markdown", "## Going further\n\nMore: [lab 09a](labs/09a_more.ipynb).")
    s = L.measure(
        _write(tmp_path / "09_a.ipynb", [HEADER, KEY, KEY, KEY, CHECK, CHECK, CHECK, link])
    )
    assert s.problems() == [] and s.links == ("09a_more",)


def test_a_lab_must_name_its_lesson(tmp_path):
    lab = tmp_path / "labs" / "09a_more.ipynb"
    assert L.measure(_write(lab, [HEADER])).problems() == [
        "a lab names the lesson it deepens (a link to NN_....ipynb)"
    ]
    named = ("markdown", "Deepens lesson [09](../09_a.ipynb).")
    s = L.measure(_write(lab, [HEADER, named]))
    assert s.lab and s.problems() == [] and s.links == ("09_a",)


@pytest.mark.parametrize("path", L.notebooks(), ids=lambda p: p.stem)
def test_every_lesson_and_lab_fits(path):
    assert L.measure(path).problems() == []


def test_every_lab_is_linked_from_the_lesson_it_deepens():
    sizes = [L.measure(p) for p in L.notebooks()]
    lessons = {s.name: s for s in sizes if not s.lab}
    for lab in (s for s in sizes if s.lab):
        (lesson,) = [n for n in lessons if n[:2] == lab.name[:2]]
        assert lab.name in lessons[lesson].links, f"{lesson} does not link to {lab.name}"
