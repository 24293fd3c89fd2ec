"""tools/execute_notebooks.py: what it stores does not depend on the kernel's flush timing."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tools.execute_notebooks import coalesce_streams


def test_consecutive_prints_become_one_output_and_other_outputs_stay_apart():
    cell = new_code_cell("print(1); print(2); x")
    cell.outputs = [
        new_output("stream", name="stdout", text="1\n"),
        new_output("stream", name="stdout", text="2\n"),
        new_output("stream", name="stderr", text="warning\n"),
        new_output("execute_result", data={"text/plain": "3"}, execution_count=1),
        new_output("stream", name="stdout", text="4\n"),
    ]
    nb = new_notebook(cells=[cell])
    coalesce_streams(nb)
    outs = nb.cells[0].outputs
    assert [(o.output_type, o.get("name")) for o in outs] == [
        ("stream", "stdout"),
        ("stream", "stderr"),
        ("execute_result", None),
        ("stream", "stdout"),
    ]
    assert outs[0].text == "1\n2\n"
    nbformat.validate(nb)
