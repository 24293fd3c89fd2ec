"""Notebook plumbing: figure style (``viz``), slider dashboards (``widgets``), exercise checks
(``checks``), and each notebook's figures and exercises (``figures``, ``exercises``).

The only part of bnlib that imports matplotlib and ipywidgets.
"""
