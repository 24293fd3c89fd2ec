"""bnlib.notebook.tables: column widths, alignment, and rows that do not fit the header."""

import pytest

from bnlib.notebook.tables import text_table


def test_columns_are_as_wide_as_their_widest_entry_labels_left_numbers_right():
    table = text_table(["model", "acc", "steps"], [["BN", "97.1%", 300], ["no BN", "9%", 1200]])
    assert table.splitlines() == [
        "model    acc  steps",
        "BN     97.1%    300",
        "no BN     9%   1200",
    ]


def test_several_label_columns_and_no_trailing_spaces():
    table = text_table(["lr", "BN", "x"], [["0.5", "yes", ""], ["30", "no", "1"]], left=2)
    assert table.splitlines() == ["lr   BN   x", "0.5  yes", "30   no   1"]


def test_a_row_that_does_not_fit_the_header_is_refused_clearly():
    message = (
        r"expected every row to have 2 entries, like the header \(got rows of \[2, 3\] entries\)"
    )
    with pytest.raises(ValueError, match=message):
        text_table(["a", "b"], [[1, 2], [1, 2, 3]])
