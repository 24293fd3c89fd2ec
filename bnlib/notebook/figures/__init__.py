"""Each notebook's figures and slider dashboards, one module per notebook (nb00, nb02, ...).

The plotting layer: ``bnlib.notebook.viz`` (style, helpers) and ``bnlib.notebook.widgets`` (the
dashboard pattern) applied to one notebook's data. The maths they show lives,
tested, in the other bnlib modules. Importing this package imports every
module in it, which registers every dashboard in ``bnlib.notebook.widgets.REGISTRY``:
the widget tests and the latency benchmark cover a new dashboard with no
extra code.
"""

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")
