"""bnlib.nn.metrics on a numpy model and on torch models in eval and train mode."""

import numpy as np
import pytest
import torch

from bnlib.nn.metrics import accuracy, predict


def linear_model(x):
    return x @ np.array([[1.0, -1.0], [0.0, 2.0]])  # logits of two classes


def test_predict_takes_the_largest_logit_whatever_the_batching(rng):
    x = rng.normal(size=(10, 2))
    expected = linear_model(x).argmax(axis=1)
    for b in (None, 1, 3, 10, 64):
        np.testing.assert_array_equal(predict(linear_model, x, b), expected)


def test_accuracy_counts_correct_labels():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, -1.0]])  # classes 0, 1, 0, 0
    assert accuracy(linear_model, x, [0, 1, 1, 1]) == pytest.approx(0.5)


def test_torch_model_in_train_mode_depends_on_the_batching_in_eval_mode_not():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3)
    )
    x = torch.randn(64, 4)
    model.eval()
    np.testing.assert_array_equal(predict(model, x, 2), predict(model, x))
    model.train()
    with torch.no_grad():
        assert (predict(model, x, 2) != predict(model, x)).any()
        expected = model(x).argmax(1).numpy()
    np.testing.assert_array_equal(predict(model, x), expected)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: predict(linear_model, np.ones((3, 2)), 0),
            r"batch_size must be a positive integer or None \(got 0\)",
        ),
        (lambda: predict(linear_model, np.ones((3, 2)), 2.5), r"\(got 2.5\)"),
        (
            lambda: accuracy(linear_model, np.ones((3, 2)), [0, 1]),
            r"as many examples \(got 3 and 2\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, message):
    with pytest.raises(ValueError, match=message):
        call()
