"""Data sets: shapes, labels, seeds, splits, minibatches, bad arguments."""

import math
import re

import numpy as np
import pytest

from nn import data


@pytest.mark.parametrize("name", ["moons", "circles", "blobs", "spirals", "xor"])
def test_2d_datasets_are_seeded_and_shaped(name):
    X, y = data.make(name, n=60, seed=3)
    X2, y2 = data.make(name, n=60, seed=3)
    X3, _ = data.make(name, n=60, seed=4)
    assert X.shape == (60, 2) and y.shape == (60,) and X.dtype == float
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, X3)
    assert set(np.unique(y)) == {0, 1}


def test_logic_gates():
    for name, column in [("AND", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("XOR", [0, 1, 1, 0]),
                         ("XNOR", [1, 0, 0, 1])]:
        X, y = data.logic_gate(name)
        assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == column
    with pytest.raises(ValueError, match="unknown gate"):
        data.logic_gate("IMPLIES")


def test_class_structure():
    X, y = data.xor_quadrants(200, seed=0)
    assert np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0)))
    X, y = data.circles(200, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.5)
    X, y = data.blobs(90, centers=[[0, 0], [5, 5], [-5, 5]], std=0.1, seed=0)
    assert set(y) == {0, 1, 2} and np.allclose(X[y == 1].mean(axis=0), [5, 5], atol=0.1)
    X, y = data.spirals(90, arms=3, seed=0)
    assert set(y) == {0, 1, 2}
    X, y = data.regression_1d(30, noise=0.0, seed=0)
    assert X.shape == (30, 1) and np.allclose(y, np.sin(X[:, 0]))


def test_noise_moves_points():
    clean, _ = data.moons(50, noise=0.0, seed=1)
    noisy, _ = data.moons(50, noise=0.3, seed=1)
    assert 0.1 < np.abs(clean - noisy).mean() < 0.5


def test_train_test_split_partitions():
    X, y = data.moons(40, seed=0)
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_fraction=0.25, seed=0)
    assert len(Xtr) == 30 and len(Xte) == 10
    rows = {tuple(r) for r in np.vstack([Xtr, Xte])}
    assert rows == {tuple(r) for r in X}
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(X, y, test_fraction=1.5)


def test_minibatches_cover_the_data_and_reshuffle_each_epoch():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    rng = np.random.default_rng(0)
    epoch1 = [yb.tolist() for _, yb in data.minibatches(X, y, 3, rng)]
    epoch2 = [yb.tolist() for _, yb in data.minibatches(X, y, 3, rng)]
    assert [len(b) for b in epoch1] == [3, 3, 3, 1]
    assert sorted(sum(epoch1, [])) == list(range(10)) == sorted(sum(epoch2, []))
    assert epoch1 != epoch2
    whole = list(data.minibatches(X, y, None, shuffle=False))
    assert len(whole) == 1 and whole[0][1].tolist() == list(range(10))


@pytest.mark.parametrize("call,match", [
    (lambda: data.moons(1), "n must be"),
    (lambda: data.moons(10, noise=-1), "noise"),
    (lambda: data.circles(10, factor=2), "factor"),
    (lambda: data.spirals(10, arms=1), "arms"),
    (lambda: data.make("swiss roll"), "unknown data set"),
    (lambda: list(data.minibatches(np.zeros((3, 1)), np.zeros(3), 0)), "batch_size"),
    (lambda: list(data.minibatches(np.zeros((3, 1)), np.zeros(2))), "rows"),
    (lambda: data.to_pm1([0, 2]), "0 or 1"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("call,error,match", [
    # nonsense that returned NaN data sets
    (lambda: data.moons(noise=NAN), ValueError, "moons: noise must be a finite number, got nan"),
    (lambda: data.moons(noise=INF), ValueError, "moons: noise must be a finite number, got inf"),
    (lambda: data.circles(noise=NAN), ValueError, "circles: noise must be a finite"),
    (lambda: data.circles(factor=NAN), ValueError, "circles: factor must be a finite"),
    (lambda: data.spirals(turns=NAN), ValueError, "spirals: turns must be a finite number"),
    (lambda: data.spirals(turns=INF), ValueError, "spirals: turns must be a finite number"),
    (lambda: data.blobs(centers=[[NAN, 0], [1, 1]]), ValueError,
     "blobs: centers must be finite numbers"),
    (lambda: data.blobs(std=NAN), ValueError, "blobs: std must be a finite"),
    (lambda: data.blobs(std=0), ValueError, "blobs: std must be > 0"),
    (lambda: data.xor_quadrants(noise=INF), ValueError, "xor_quadrants: noise must be a finite"),
    (lambda: data.moons(noise=1e308), ValueError, "moons: the arguments make points that "
                                                  "overflow float64"),
    (lambda: data.regression_1d(fn=np.log), ValueError, r"regression_1d: fn gives nan at x = "),
    (lambda: data.regression_1d(fn="sin"), TypeError, "regression_1d: fn must be a function"),
    # wrong types: the argument named, TypeError
    (lambda: data.moons(noise="0.1"), TypeError, "moons: noise must be a real number, got str"),
    (lambda: data.moons(n=10.0), TypeError, "moons: n must be an int, got float"),
    (lambda: data.moons(seed=-1), ValueError, "moons: seed must be an int >= 0, got -1"),
    (lambda: data.spirals(arms=2.5), TypeError, "spirals: arms must be an int"),
    (lambda: data.blobs(centers="ab"), TypeError, "blobs: centers must be an int >= 2 or an "
                                                  "array"),
    (lambda: data.blobs(centers=1), ValueError, "blobs: centers .* must be an int >= 2"),
    (lambda: data.make(["moons"]), ValueError, "unknown data set"),
    (lambda: data.train_test_split(np.zeros((4, 1)), np.zeros(4), test_fraction="half"),
     TypeError, "test_fraction must be a real number"),
    (lambda: list(data.minibatches(np.zeros((3, 1)), np.zeros(3), 2, rng=-1)), ValueError,
     r"minibatches: rng \(a seed\) must be an int >= 0"),
    (lambda: data.load_digits(classes=5), TypeError, "classes must be a list of digits"),
    (lambda: data.load_digits(classes=["a", 1]), TypeError, r"classes\[i\] must be an int"),
])
def test_nonsense_is_refused_before_any_data_is_made(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_numbers_are_accepted_where_python_ones_are():
    """moons(noise=np.float32(0.1)) was refused (numpy scalars are numbers too)."""
    for make, kwargs in ((data.moons, {"noise": np.float32(0.1), "n": np.int64(20)}),
                         (data.spirals, {"arms": np.int32(3), "turns": np.float64(1.5)}),
                         (data.circles, {"factor": np.float32(0.5), "noise": np.float16(0.0)}),
                         (data.blobs, {"centers": np.int8(3), "std": np.float32(0.2)})):
        X, y = make(seed=np.uint8(1), **kwargs)
        plain = make(seed=1, **{k: v.item() for k, v in kwargs.items()})
        assert np.array_equal(X, plain[0]) and np.array_equal(y, plain[1])


def test_to_pm1():
    assert data.to_pm1([0, 1, 1]).tolist() == [-1.0, 1.0, 1.0]


# --- the bundled digits (scikit-learn, read offline) -----------------------------------------


def test_load_digits_reads_the_bundled_images():
    from sklearn.datasets import load_digits as sklearn_digits
    X, y = data.load_digits()
    raw = sklearn_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert np.array_equal(X * 16, raw.data) and np.array_equal(y, raw.target)
    assert X.min() == 0.0 and X.max() == 1.0 and sorted(set(y.tolist())) == list(range(10))
    # an 8x8 zero: its centre is blank and its ring is ink
    zero = X[y == 0].mean(axis=0).reshape(8, 8)
    assert zero[3:5, 3:5].mean() < 0.2 < zero[1:7, 1:7].mean()


def test_load_digits_keeps_and_relabels_classes():
    X, y = data.load_digits()
    X3, y3 = data.load_digits(classes=(7, 0, 2))
    assert len(X3) == int(np.sum(np.isin(y, (7, 0, 2))))
    assert np.array_equal(X3[y3 == 0], X[y == 7]) and np.array_equal(X3[y3 == 1], X[y == 0])
    assert set(y3.tolist()) == {0, 1, 2}


@pytest.mark.parametrize("classes", [(1,), (1, 1), (3, 10), (-1, 2)])
def test_load_digits_refuses_bad_classes(classes):
    with pytest.raises(ValueError, match="two or more distinct digits 0-9"):
        data.load_digits(classes=classes)


def test_one_hot():
    assert data.one_hot([2, 0, 1]).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert data.one_hot(np.array([1.0]), 3).tolist() == [[0, 1, 0]]
    with pytest.raises(ValueError, match="does not fit in 2 classes"):
        data.one_hot([0, 2], 2)
    with pytest.raises(ValueError, match="class labels"):
        data.one_hot([0.5, 1])
    # inf equals its own rounding: it reached astype(int) and numpy's IndexError (the
    # bad-input sweep found it); a label past any k allowed would ask for a huge matrix
    for label in (math.inf, 1e300):
        with pytest.raises(ValueError, match=r"^one_hot: y \(the class labels\) must be below"):
            data.one_hot([0, label])


def test_load_digits_without_scikit_learn_says_what_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[digits]"')):
        data.load_digits()


# --- read_points_csv -------------------------------------------------------------------------


def test_read_points_csv_with_and_without_a_header(tmp_path):
    from nn.data import read_points_csv

    f = tmp_path / "points.csv"
    f.write_text("a,b,kind\n0.5,-1,0\n\n1e-3, 2.5 ,2\n3,4,1\n-1,-2,2\n")
    X, y = read_points_csv(f)
    np.testing.assert_array_equal(X, [[0.5, -1], [1e-3, 2.5], [3, 4], [-1, -2]])
    assert y.tolist() == [0, 2, 1, 2] and y.dtype.kind == "i" and X.dtype == float
    g = tmp_path / "plain.csv"
    g.write_text("0,0,1\n1,1,0\n2,2,1\n3,3,0\n")
    assert read_points_csv(str(g))[1].tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize("text, words", [
    ("x1,x2,label\n0,0,0\n1,abc,1\n2,2,0\n3,3,1\n", "row 3, column 2 (x2): 'abc' is not a number"),
    ("x1,x2,label\n0,0,0\n1,nan,1\n2,2,0\n3,3,1\n", "row 3, column 2 (x2): nan (every value must"),
    ("0,0,0\n1,1,0\n2,2,0\n3,3,0\n", "all 4 points are class 0: a classifier needs"),
    ("0,0,0\n1,1,2\n2,2,0\n3,3,2\n", "class 1 has no point (labels [0, 2])"),
    ("0,0,0\n1,1,0.5\n2,2,0\n3,3,1\n", "labels must be whole numbers 0, 1, ..., k-1, got 0.5"),
    ("0,0,0\n1,1\n2,2,0\n3,3,1\n", "row 2: 2 cells, expected 3 (x1, x2, label)"),
    ("0,0,0\n1,1,1\n", "2 points; at least 4 are needed"),
    ("x,y,c\n0,0,0\n1,inf,1\n2,2,0\n3,3,1\n", "row 3, column 2 (y): inf"),
])
def test_read_points_csv_says_what_is_wrong_and_where(tmp_path, text, words):
    from nn.data import read_points_csv

    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(ValueError) as e:
        read_points_csv(f)
    assert "bad.csv" in str(e.value) and words in str(e.value)


def test_read_points_csv_bad_path(tmp_path):
    from nn.data import read_points_csv

    with pytest.raises(FileNotFoundError, match="nope.csv: no such file"):
        read_points_csv(tmp_path / "nope.csv")
    with pytest.raises(TypeError, match="path must be a file name"):
        read_points_csv(3)
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="not a CSV text file"):
        read_points_csv(binary)
