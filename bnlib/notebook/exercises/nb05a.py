"""Exercises of lab 05a_population_statistics_in_depth: Algorithm 2's variance from the split
into within-batch and between-batch spread."""

from bnlib.inference import population_stats
from bnlib.notebook.checks import Exercise

M, WITHIN, BETWEEN = 5, 2.0, 0.3


def _split_solution():
    # Algorithm 2 keeps W and replaces B by its expected value W / (m - 1): m/(m-1) W
    return WITHIN + WITHIN / (M - 1)


algorithm2_from_the_split = Exercise(
    "Algorithm 2's Var[x] from the within-batch spread W = 2.0 (m = 5)",
    "Algorithm 2 uses only the batch variances: m/(m-1) times their mean W. The between-batch "
    "spread B does not enter; Algorithm 2 puts W/(m-1) in its place.",
    lambda: float(population_stats([[0.0]], [[WITHIN]], M)[1][0]),
    solution=_split_solution,
    atol=1e-3,
)
