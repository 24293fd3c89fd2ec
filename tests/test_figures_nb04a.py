"""Lab 04a's figures: the numbers shown are the shares of the decrease."""

from bnlib.notebook.figures import nb04a
from bnlib.notebook.viz import rendered_pixels


def test_freeze_bars_say_each_runs_share_of_the_largest_decrease():
    fig = nb04a.freeze_bars(["a", "b"], [0.1, 3.0], 6.8)
    shares = [t.get_text() for t in fig.axes[0].texts]
    assert shares == ["  0.100: 100.0 % of the decrease", "  3.000: 56.7 % of the decrease"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]
    assert rendered_pixels(fig).std() > 0
