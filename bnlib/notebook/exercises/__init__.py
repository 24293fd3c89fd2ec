"""Auto-checked exercises, one module per notebook (``from bnlib.notebook.exercises import nb02``).

Each exercise compares the learner's answer with a reference computed by
bnlib (see ``bnlib.notebook.checks``); ``show_solution()`` prints a worked solution.
"""

import importlib
import pkgutil

from bnlib.notebook.checks import Exercise


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every notebook, as {"nb02.forward_pass": Exercise}."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, Exercise):
                found[f"{info.name}.{name}"] = value
    return found
