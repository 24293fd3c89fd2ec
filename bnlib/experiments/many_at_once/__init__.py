"""Speed only: many networks trained at once, tested equal to training them one by one.

- ``side_by_side`` (numpy): S networks of one shape as one wide network, and ``fit_classifiers``.
- ``stacked`` (torch): K MNIST networks as batched matrix products.
"""
