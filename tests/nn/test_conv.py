"""nn.conv: Conv1d and Conv2d built from the same Values at every position. Outputs and
every gradient against a hand-computed sum and against torch.nn.functional.conv1d/conv2d
(float64, 1e-12); the shared weight's gradient is the sum over positions (the fan-out
rule); compiled = eager; fit at replay speed; saving, loading, to_torch; the positions
drawings name; arguments checked at the boundary."""

import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, compile, topological_order
from nn import Conv1d, Conv2d, Sequential
from tests.nn.reference import NUMPY_ACTIVATIONS

TOL = 1e-12


def _weights(conv) -> tuple[np.ndarray, np.ndarray | None]:
    """PyTorch's weight (filters, channels, *kernel) and bias, read from the filters."""
    W = np.array([[w.data for w in f.w] for f in conv.filters])
    b = None if conv.filters[0].b is None else np.array([f.b.data for f in conv.filters])
    return W.reshape(len(conv.filters), conv.channels, *conv.kernel), b


def _torch_output(conv, x: np.ndarray, activation: str):
    """F.conv1d/conv2d on the same numbers, the activation from the reference formulas,
    flattened as (filter, row, column): the independent side."""
    W, b = _weights(conv)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    Wt = torch.tensor(W, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    op = F.conv1d if len(conv.kernel) == 1 else F.conv2d
    z = op(xt.reshape(1, *conv.in_shape), Wt, bt)
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "linear": lambda t: t}[activation]
    return act(z).reshape(-1), xt, Wt, bt


# --- the lecture's example, by hand --------------------------------------------------------


def test_the_lectures_banded_matrix_is_one_filter_of_three_weights():
    """φ_j = σ(w1 x_j + w2 x_{j+1} + w3 x_{j+2} + w0): six outputs from three weights."""
    conv = Conv1d(8, filters=1, size=3, activation="sigmoid", rng=0)
    (f,) = conv.filters
    for wi, v in zip(f.w, (0.5, -1.0, 2.0)):
        wi.data = v
    f.b.data = 0.25
    x = np.linspace(-1, 1, 8)
    out = conv(x.tolist())
    assert conv.nout == len(out) == 6 and conv.num_parameters == 4
    sigmoid = NUMPY_ACTIVATIONS["sigmoid"][0]
    expected = [sigmoid(0.5 * x[j] - 1.0 * x[j + 1] + 2.0 * x[j + 2] + 0.25) for j in range(6)]
    assert np.allclose([o.data for o in out], expected, rtol=0, atol=TOL)
    # one Value per weight, used at every position: six products read w1
    graph = topological_order(Value.sum(out))
    uses = [v for v in graph if v.op == "*" and v.parents[0] is f.w[0]]
    assert len(uses) == 6 and {v.parents[1].data for v in uses} == set(x[:6])


def test_a_shared_weights_gradient_is_the_sum_over_positions():
    """dE/dw_i = Σ_j dE/du_j · x_{j+i}: the fan-out rule, written out by hand."""
    conv = Conv1d(8, 1, 3, activation="sigmoid", rng=1)
    x = np.random.default_rng(0).normal(size=8)
    targets = np.random.default_rng(1).normal(size=6)
    out = conv(x.tolist())
    loss = Value.sum([(o - t) ** 2 for o, t in zip(out, targets)])
    loss.backward()
    y = np.array([o.data for o in out])
    delta = 2 * (y - targets) * y * (1 - y)  # dE/du_j: the loss's, times σ'(u_j)
    f = conv.filters[0]
    for i in range(3):
        by_position = [delta[j] * x[j + i] for j in range(6)]
        assert abs(f.w[i].grad - sum(by_position)) < TOL
    assert abs(f.b.grad - delta.sum()) < TOL
    assert np.allclose([u.grad for u in _sums(out)], delta, rtol=0, atol=TOL)


def _sums(outputs):
    return [o.parents[0] for o in outputs]  # y = σ(u): u is the activation's input


# --- against torch.nn.functional --------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 9), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.sampled_from(["relu", "tanh", "sigmoid", "linear"]), st.booleans(),
       st.integers(0, 2**16))
def test_conv1d_outputs_and_gradients_equal_torch(length, filters, size, channels, act, bias,
                                                 seed):
    size = min(size, length)
    conv = Conv1d(length, filters, size, channels=channels, activation=act, bias=bias, rng=seed)
    _compare_with_torch(conv, act, seed)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 2), st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
       st.booleans(), st.integers(0, 2**16))
def test_conv2d_outputs_and_gradients_equal_torch(rows, cols, kh, filters, channels, act,
                                                 bias, seed):
    kernel = (min(kh, rows), min(3, cols))
    conv = Conv2d((rows, cols), filters, kernel, channels=channels, activation=act, bias=bias,
                  rng=seed)
    _compare_with_torch(conv, act, seed)


def _compare_with_torch(conv, act: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=conv.nin)
    upstream = rng.normal(size=conv.nout)
    xs = [Value(v) for v in x]
    out = conv(xs)
    Value.sum([o * g for o, g in zip(out, upstream)]).backward()
    t_out, xt, Wt, bt = _torch_output(conv, x, act)
    (t_out * torch.from_numpy(upstream)).sum().backward()
    assert np.allclose([o.data for o in out], t_out.detach().numpy(), rtol=0, atol=TOL)
    grads = np.array([[w.grad for w in f.w] for f in conv.filters])
    assert np.allclose(grads, Wt.grad.numpy().reshape(len(conv.filters), -1), rtol=0, atol=TOL)
    if bt is not None:
        assert np.allclose([f.b.grad for f in conv.filters], bt.grad.numpy(), rtol=0, atol=TOL)
    assert np.allclose([v.grad for v in xs], xt.grad.numpy(), rtol=0, atol=TOL)


def test_the_window_order_is_pytorchs_channel_row_column():
    conv = Conv2d((4, 5), 2, (2, 3), channels=2, rng=0)
    assert conv.in_shape == (2, 4, 5) and conv.kernel == (2, 3) and conv.grid == (3, 3)
    assert conv.out_shape == (2, 3, 3) and conv.nin == 40 and conv.nout == 18
    # weight (c, a, b) at position (r, s) reads input (c, r + a, s + b)
    assert conv.input_index(0, 0) == 0
    assert conv.input_index(4, 0) == 1 * 5 + 1  # position (1, 1)
    assert conv.input_index(4, 1 * 6 + 1 * 3 + 2) == 20 + 2 * 5 + 3  # weight (1, 1, 2)


# --- compiled and trained ----------------------------------------------------------------------


def test_compiled_replay_equals_the_eager_graph_and_fuses_every_position():
    X, y = nn.data.load_digits()
    X, T = X[:24], nn.data.one_hot(y[:24], 10)
    model = Sequential(Conv2d((8, 8), 3, 3, rng=0), nn.Layer(108, 10, activation="linear",
                                                              rng=1))
    step = compile(lambda x, t: nn.cross_entropy([model(x)], [t]))
    model.zero_grad()
    loss = step.value_and_grad(X, T)
    replay = np.array([p.grad for p in model.parameters()])
    model.zero_grad()
    eager = nn.cross_entropy([model(x) for x in X], list(T))
    eager.backward()
    assert abs(loss - eager.data) < TOL
    assert np.allclose(replay, [p.grad for p in model.parameters()], rtol=0, atol=TOL)
    plan = step.plan(X, T)
    assert plan.n_fused == 3 * 36 + 10  # every position of every filter, and the dense layer
    assert "layer of 108 neurons: W (108x64) @ H + bias" in plan.summary()


def test_fit_trains_a_conv_net_on_the_compiled_path():
    X, y = nn.data.load_digits(classes=(0, 1))
    model = Sequential(Conv2d((8, 8), 2, 3, rng=0), nn.Layer(72, 2, activation="linear", rng=1))
    history = nn.fit(model, X, y, loss="cross_entropy", epochs=3, batch_size=32, progress=False,
                     optimizer=nn.Adam(model.parameters(), lr=0.01))
    assert history.path == "compiled"
    assert history.loss[-1] < history.loss[0] and history.accuracy[-1] > 0.95


def test_predict_equals_calling_the_layer():
    conv = Conv2d((5, 4), 2, 2, activation="tanh", rng=3)
    X = np.random.default_rng(0).normal(size=(6, 20))
    expected = np.array([[v.data for v in conv(x)] for x in X])
    assert conv.predict(X).shape == (6, 24)
    assert np.allclose(conv.predict(X), expected, rtol=0, atol=1e-14)
    conv.activation = "relu"  # assigned: the filters, the forward pass and predict follow
    assert all(f.activation == "relu" for f in conv.filters)
    assert np.allclose(conv.predict(X), np.maximum(
        np.array([[v.data for v in Conv2d((5, 4), 2, 2, activation="linear", rng=3)(x)]
                  for x in X]), 0), rtol=0, atol=1e-14)


# --- saving, loading, PyTorch ----------------------------------------------------------------


@pytest.mark.parametrize("build", [
    lambda: Conv1d(9, 2, 4, channels=2, activation="tanh", rng=0),
    lambda: Conv2d((6, 5), 3, (3, 2), activation="sigmoid", bias=False, rng=0),
])
def test_save_and_load_rebuild_the_layer(tmp_path, build):
    conv = build()
    conv.save(tmp_path / "conv.json")
    back = nn.load(tmp_path / "conv.json")
    assert type(back) is type(conv) and repr(back) == repr(conv)
    assert back.state_dict() == conv.state_dict() and back.config() == conv.config()
    x = np.random.default_rng(0).normal(size=conv.nin)
    assert [v.data for v in back(x)] == [v.data for v in conv(x)]


@pytest.mark.parametrize("change, match", [
    ({"filters": 5}, "declares 25 parameters but the file stores 15"),
    ({"shape": [1, 1]}, "larger than the input"),
    ({"shape": [6]}, "'shape' must be a pair of ints"),
    ({"channels": True}, "'channels' must be an int"),
    ({"bias": "yes"}, "'bias' must be true or false"),
    ({"activation": "no_such_activation"}, "no_such_activation"),
])
def test_a_damaged_architecture_is_refused_by_name(tmp_path, change, match):
    import json

    conv = Conv2d((4, 4), 3, 2, activation="relu", bias=True, rng=0)
    conv.save(tmp_path / "conv.json")
    doc = json.loads((tmp_path / "conv.json").read_text())
    doc["architecture"].update(change)
    (tmp_path / "conv.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=match):
        nn.load(tmp_path / "conv.json")


def test_to_torch_is_unflatten_conv_activation_flatten_with_the_same_numbers():
    conv = Conv2d((6, 7), 3, (3, 2), channels=2, activation="tanh", rng=0)
    seq = conv.to_torch()
    assert [type(m).__name__ for m in seq] == ["Unflatten", "Conv2d", "Tanh", "Flatten"]
    assert seq[1].weight.dtype == torch.float64 and seq[1].kernel_size == (3, 2)
    W, b = _weights(conv)
    assert np.array_equal(seq[1].weight.detach().numpy(), W)
    assert np.array_equal(seq[1].bias.detach().numpy(), b)
    assert conv.filters[2].w[7].data == seq[1].weight[2].flatten()[7].item()
    X = np.random.default_rng(0).normal(size=(5, conv.nin))
    assert np.allclose(seq(torch.from_numpy(X)).detach().numpy(), conv.predict(X), rtol=0,
                       atol=TOL)
    one = Conv1d(10, 2, 3, bias=False, activation="linear", rng=0).to_torch()
    assert [type(m).__name__ for m in one] == ["Unflatten", "Conv1d", "Flatten"]
    assert one[1].bias is None


def test_a_layer_pickles():
    conv = Conv1d(6, 2, 2, activation="tanh", rng=0)
    conv.predict(np.zeros((2, 6)))  # a cached trace does not stop pickling
    back = pickle.loads(pickle.dumps(conv))
    assert back.state_dict() == conv.state_dict()
    assert np.array_equal(back.predict(np.ones((2, 6))), conv.predict(np.ones((2, 6))))


# --- what drawings learn: where each sum sits --------------------------------------------


def _filter_sums(conv, out_values, k=0):
    members = topological_order(Value.sum(out_values))
    w0 = conv.filters[k].w[0]
    return [v for v in members if v.op == "sum" and any(
        p.op == "*" and p.parents[0] is w0 for p in v.parents)]


def test_locate_finds_every_sums_position_whatever_order_it_is_given_in():
    conv = Conv2d((5, 6), 2, (2, 3), rng=0)
    out = conv(np.arange(30.0))
    sums = _filter_sums(conv, out, k=1)
    shuffled = [sums[i] for i in np.random.default_rng(0).permutation(len(sums))]
    where = conv.locate(shuffled, conv.filters[1])
    assert conv.grid == (4, 4)
    expected = {o.parents[0]: p for p, o in enumerate(out[16:])}  # filter 2's outputs in order
    assert where == expected
    assert conv.position_name(where[out[16 + 7].parents[0]]) == "[2,4]"  # row 2, column 4
    # two samples in one graph: each position named once per sample
    second = conv(np.ones(30))
    both = _filter_sums(conv, out + second, k=0)
    assert sorted(conv.locate(both, conv.filters[0]).values()) == sorted(list(range(16)) * 2)


def test_locate_gives_up_rather_than_guess():
    conv = Conv1d(6, 1, 2, rng=0)
    out = conv([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    some = _filter_sums(conv, [out[0], out[1], out[3], out[4]])  # position 3 left out
    assert conv.locate(some, conv.filters[0]) is None
    assert conv.locate([], conv.filters[0]) is None
    narrow = Conv2d((3, 3), 1, (2, 1), rng=0)  # 1-wide: nothing links one column to the next
    assert narrow.locate(_filter_sums(narrow, narrow(np.ones(9))), narrow.filters[0]) is None
    xs = [Value(float(i)) for i in range(6)]
    twice = conv(xs) + conv(xs)  # the same inputs twice: which sum is which pass?
    assert conv.locate(_filter_sums(conv, twice), conv.filters[0]) is None
    assert conv.position_name(2) == "3"


# --- arguments -------------------------------------------------------------------------


@pytest.mark.parametrize("make, error, match", [
    (lambda: Conv1d(3, 1, 4), ValueError, r"the filter \(4\) is larger than the input \(3\)"),
    (lambda: Conv2d((3, 5), 1, 4), ValueError, r"the filter \(4x4\) is larger than the input "
                                               r"\(3x5\)"),
    (lambda: Conv1d(0, 1, 1), ValueError, "Conv1d: length"),
    (lambda: Conv1d(5, 0, 1), ValueError, "Conv1d: filters"),
    (lambda: Conv1d(5, 1, 2, channels=0), ValueError, "Conv1d: channels"),
    (lambda: Conv2d((4, 4, 4), 1, 2), ValueError, "Conv2d: shape must be an int or a pair"),
    (lambda: Conv2d((4, 4), 1, "3"), TypeError, "Conv2d: size"),
    (lambda: Conv2d((4, 4), 1, 2, activation="no_such_activation"), ValueError,
     "no_such_activation"),
    (lambda: Conv2d((4, 4), 1, 2, rng=-1), ValueError, "rng"),
])
def test_bad_arguments_are_refused_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_the_filters_are_fixed_and_inputs_checked():
    conv = Conv1d(5, 2, 2, rng=0)
    with pytest.raises(AttributeError, match="filters are fixed"):
        conv.filters = []
    with pytest.raises(TypeError, match="fixed when it is built"):
        conv.filters.append(nn.Neuron(2))
    with pytest.raises(ValueError, match="Conv1d expects 5 inputs, got 4"):
        conv([1.0, 2.0, 3.0, 4.0])
    assert repr(conv) == "Conv1d(5 -> 2 filters of 2 -> 4, relu)"
    assert repr(Conv2d((8, 8), 1, 3, channels=3, bias=False)) == \
        "Conv2d(8x8 -> 1 filter of 3x3 -> 6x6, relu, bias=False)  # 3 channels"
    assert [name for name, _ in conv.named_parameters()][:3] == ["filters.0.w.0", "filters.0.w.1",
                                                                 "filters.0.b"]
