"""The small numpy network kit the lessons train: layers, activations, losses, SGD, data and toy
tasks.

Imports run one way: ``bnlib.notebook`` -> ``bnlib.experiments`` -> ``bnlib.nn`` -> the BN
reference at the top of ``bnlib``.
"""
