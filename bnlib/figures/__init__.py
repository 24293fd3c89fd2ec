"""Each notebook's figures and slider dashboards, one module per notebook.

The plotting layer: ``bnlib.viz`` (style, helpers) and ``bnlib.widgets`` (the
dashboard pattern) applied to one notebook's data. The maths they show lives,
tested, in the other bnlib modules. Importing this package registers every
dashboard in ``bnlib.widgets.REGISTRY``, which the widget tests and the
latency benchmark cover without extra code.
"""

from bnlib.figures import nb00  # noqa: F401
