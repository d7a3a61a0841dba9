"""nn.pytorch: to_torch / from_torch round trips; outputs, losses and every parameter
gradient equal to PyTorch's (float64, 1e-12), eager and compiled; the same optimizer
steps; activations and modules that cannot be mapped; the message without torch.

PyTorch is the independent side here: its losses are written below from
torch.nn.functional (or torch ops where there is no builtin), not taken from
nn.pytorch, and gradients are compared by position (Linear.weight[j, i] is neuron j's
weight i), not by walking the same parameter list twice."""

import ast
import subprocess
import sys
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, compile, op
from nn import MLP, Layer, Neuron
from nn.activations import ACTIVATIONS
from nn.pytorch import (
    INSTALL_HINT,
    TORCH_ACTIVATIONS,
    read_sequential,
    to_torch,
    torch_loss,
)

TOL = 1e-12
MAPPABLE = ["relu", "tanh", "sigmoid", "leaky_relu", "softplus", "softsign", "hardtanh",
            "linear"]
ROOT = Path(__file__).resolve().parents[2]


def close(a, b, tol=TOL):
    """|a - b| <= tol * max(1, |b|), elementwise: 1e-12 absolute for numbers of order 1."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    gap = np.abs(a - b) / np.maximum(1.0, np.abs(b))
    assert np.all(gap <= tol), f"largest relative gap {gap.max():.3g} > {tol}"


# name -> (gradlab loss, torch formulation, targets(rng, batch, n_out))
def _torch_mse(out, t):
    return F.mse_loss(out, torch.as_tensor(t).reshape(out.shape))


def _torch_half(out, t):
    return 0.5 * F.mse_loss(out, torch.as_tensor(t).reshape(out.shape), reduction="sum")


def _torch_bce(out, t):
    return F.binary_cross_entropy_with_logits(out[:, 0], torch.as_tensor(t))


def _torch_ce(out, t):
    return F.cross_entropy(out, torch.as_tensor(t).long())


def _torch_hinge(out, t):  # F.multi_margin_loss divides each sample's sum by k
    return out.shape[1] * F.multi_margin_loss(out, torch.as_tensor(t).long(), margin=1.0)


def _torch_max_margin(out, t):  # no builtin: written in torch ops
    return torch.relu(1.0 - torch.as_tensor(t) * out[:, 0]).mean()


def _real_targets(rng, n, k):
    return rng.normal(size=(n, k)) if k > 1 else rng.normal(size=n)


LOSSES = {
    "mse": (nn.mse, _torch_mse, _real_targets),
    "half_squared_error": (nn.half_squared_error, _torch_half, _real_targets),
    "bce": (nn.binary_cross_entropy, _torch_bce, lambda r, n, k: r.integers(0, 2, n) * 1.0),
    "cross_entropy": (nn.cross_entropy, _torch_ce, lambda r, n, k: r.integers(0, k, n)),
    "hinge": (nn.hinge, _torch_hinge, lambda r, n, k: r.integers(0, k, n)),
    "max_margin": (nn.max_margin, _torch_max_margin,
                   lambda r, n, k: r.choice([-1.0, 1.0], size=n)),
}
ONE_SCORE = {"bce", "max_margin"}
CLASSES = {"cross_entropy", "hinge"}


def gradlab_layers(model, attribute="data"):
    """Per layer: the [out, in] weight matrix and the bias vector (or None), read
    neuron by neuron: row j is neuron j, column i its weight i."""
    layers = model.layers if isinstance(model, MLP) else [model]
    out = []
    for layer in layers:
        neurons = layer.neurons if isinstance(layer, Layer) else [layer]
        W = np.array([[getattr(w, attribute) for w in n.w] for n in neurons])
        b = None if neurons[0].b is None else np.array([getattr(n.b, attribute)
                                                        for n in neurons])
        out.append((W, b))
    return out


def torch_layers(seq, attribute="data"):
    out = []
    for m in seq:
        if isinstance(m, torch.nn.Linear):
            W = getattr(m.weight, attribute).detach().numpy()
            b = None if m.bias is None else getattr(m.bias, attribute).detach().numpy()
            out.append((W, b))
    return out


def assert_same_layers(gradlab, torch_side, tol=TOL):
    assert len(gradlab) == len(torch_side)
    for (W, b), (Wt, bt) in zip(gradlab, torch_side):
        close(W, Wt, tol)
        assert (b is None) == (bt is None)
        if b is not None:
            close(b, bt, tol)


def random_model(rng, nin, sizes, acts, out_act, bias):
    model = MLP(nin, sizes, activation=acts, output_activation=out_act, bias=bias,
                rng=int(rng.integers(2**31)))
    if bias:  # biases start at 0: give them numbers so that their gradients mean something
        for layer in model.layers:
            for n in layer.neurons:
                n.b.data = float(rng.normal(scale=0.5))
    return model


@st.composite
def cases(draw):
    loss = draw(st.sampled_from(sorted(LOSSES)))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    if loss in CLASSES:
        n_out = draw(st.integers(2, 4))
    elif loss in ONE_SCORE:
        n_out = 1
    else:
        n_out = draw(st.integers(1, 3))
    acts = draw(st.lists(st.sampled_from(MAPPABLE), min_size=len(hidden), max_size=len(hidden)))
    return dict(loss=loss, nin=draw(st.integers(1, 4)), sizes=hidden + [n_out], acts=acts,
                out_act=draw(st.sampled_from(MAPPABLE)), bias=draw(st.booleans()),
                batch=draw(st.integers(1, 6)), l2=draw(st.sampled_from([0.0, 0.1])),
                seed=draw(st.integers(0, 2**16)))


@settings(max_examples=150, deadline=None)
@given(cases())
def test_outputs_losses_and_every_gradient_agree_with_pytorch(case):
    rng = np.random.default_rng(case["seed"])
    model = random_model(rng, case["nin"], case["sizes"], case["acts"], case["out_act"],
                         case["bias"])
    n_out = case["sizes"][-1]
    X = rng.normal(scale=1.5, size=(case["batch"], case["nin"]))
    gradlab_loss, torch_form, make_targets = LOSSES[case["loss"]]
    T = make_targets(rng, case["batch"], n_out)
    lam = case["l2"]

    # gradlab: one scalar graph for the batch, backward(), each parameter's .grad
    outputs = [model(x) for x in X]
    loss = gradlab_loss(outputs, T) + lam * nn.l2_penalty(model)
    loss.backward()

    # PyTorch: the same batch in float64, loss.backward(), each param.grad
    seq = model.to_torch()
    out = seq(torch.from_numpy(X))
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    torch_total = torch_form(out, T) + lam * 0.5 * sum((m.weight ** 2).sum() for m in linears)
    torch_total.backward()

    eager_out = np.array([[o.data] if isinstance(o, Value) else [v.data for v in o]
                          for o in outputs])
    close(eager_out, out.detach().numpy())
    close(loss.data, torch_total.item())
    assert_same_layers(gradlab_layers(model, "grad"), torch_layers(seq, "grad"))

    # the compiled replay (W @ H over the batch) agrees too: predict and value_and_grad
    close(model.predict(X).reshape(len(X), -1), out.detach().numpy())
    if case["loss"] in CLASSES:
        T = nn.data.one_hot(T, n_out)  # traced targets are one-hot rows
    if case["loss"] == "half_squared_error":  # a sum over the batch, not a mean
        reduction, l2_share = "sum", lam / len(X)
    else:
        reduction, l2_share = "mean", lam
    step = compile(lambda x, t: gradlab_loss([model(x)], [t]) + l2_share * nn.l2_penalty(model))
    model.zero_grad()
    compiled_loss = step.value_and_grad(X, T, reduction=reduction)
    close(compiled_loss, torch_total.item())
    assert_same_layers(gradlab_layers(model, "grad"), torch_layers(seq, "grad"))


def test_cross_entropy_with_one_hot_rows_agrees_with_probability_targets():
    rng = np.random.default_rng(3)
    model = random_model(rng, 3, [4, 3], ["tanh"], "linear", True)
    X, y = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    T = nn.data.one_hot(y, 3)
    loss = nn.cross_entropy([model(x) for x in X], T)
    loss.backward()
    seq = model.to_torch()
    t_loss = F.cross_entropy(seq(torch.from_numpy(X)), torch.from_numpy(T))
    t_loss.backward()
    close(loss.data, t_loss.item())
    assert_same_layers(gradlab_layers(model, "grad"), torch_layers(seq, "grad"))


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_mlp_to_torch_and_back_is_exact(bias):
    model = MLP(3, [4, 5, 2], activation=["softplus", "leaky_relu"], output_activation="sigmoid",
                bias=bias, rng=1)
    seq = model.to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Softplus", "Linear", "LeakyReLU",
                                               "Linear", "Sigmoid"]
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    assert [(m.in_features, m.out_features, m.bias is not None) for m in seq[::2]] == \
        [(3, 4, bias), (4, 5, bias), (5, 2, bias)]
    assert seq[3].negative_slope == 0.01  # Value.leaky_relu's default alpha
    back = MLP.from_torch(seq)
    assert back.config() == model.config()
    assert back.state_dict() == model.state_dict()  # every float bit for bit
    assert_same_layers(gradlab_layers(back), gradlab_layers(model), tol=0.0)


def test_torch_to_mlp_and_back_is_exact():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(2, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
        torch.nn.Linear(4, 3), torch.nn.Identity(), torch.nn.Hardtanh(),
        torch.nn.Linear(3, 3), torch.nn.Softsign(), torch.nn.Linear(3, 1),
    ).double()
    model = MLP.from_torch(seq)
    assert [layer.activation for layer in model.layers] == ["relu", "tanh", "hardtanh",
                                                           "softsign", "linear"]
    assert_same_layers(gradlab_layers(model), torch_layers(seq), tol=0.0)
    again = model.to_torch()
    assert_same_layers(torch_layers(again), torch_layers(seq), tol=0.0)
    X = torch.randn(7, 2, dtype=torch.float64)
    close(model.predict(X.numpy()), seq(X).detach().numpy()[:, 0])


def test_the_copies_are_independent():
    model = MLP(2, [3, 1], rng=0)
    seq = model.to_torch()
    before = seq[0].weight[1, 0].item()
    model.layers[0].neurons[1].w[0].data += 1.0
    assert seq[0].weight[1, 0].item() == before
    back = MLP.from_torch(seq)
    with torch.no_grad():
        seq[0].weight.zero_()
    assert back.layers[0].neurons[1].w[0].data == before


def test_the_output_layer_is_linear_by_default_and_adds_no_module():
    seq = MLP(2, [3, 1], activation="tanh", rng=0).to_torch()
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]


@pytest.mark.parametrize("act", MAPPABLE)
def test_neuron_and_layer_to_torch(act):
    rng = np.random.default_rng(5)
    X = rng.normal(scale=2.0, size=(6, 3))
    for module in (Neuron(3, activation=act, rng=2), Layer(3, 4, activation=act, rng=2)):
        for n in (module.neurons if isinstance(module, Layer) else [module]):
            n.b.data = float(rng.normal())
        seq = module.to_torch()
        out = seq(torch.from_numpy(X))
        outs = [module(x) for x in X]
        total = Value.sum([v for o in outs for v in (o if isinstance(o, list) else [o])])
        total.backward()
        out.sum().backward()
        close(np.array([[o.data] if isinstance(o, Value) else [v.data for v in o]
                        for o in outs]), out.detach().numpy())
        assert_same_layers(gradlab_layers(module, "grad"), torch_layers(seq, "grad"))


def test_an_activation_given_as_the_engine_function_is_translated():
    seq = MLP(2, [3, 1], activation=Value.tanh, rng=0).to_torch()
    assert type(seq[1]) is torch.nn.Tanh


def test_softplus_needs_a_higher_threshold_than_torchs_default_for_1e12():
    """Above its threshold torch's Softplus returns x: off by e^-x, 1.4e-11 at x = 25.
    to_torch writes threshold 40, where e^-40 is below float64's resolution."""
    x = Value(25.0)
    exact = x.softplus()
    exact.backward()
    default = torch.nn.Softplus()(torch.tensor(25.0, dtype=torch.float64))
    assert abs(default.item() - exact.data) > 1e-11
    seq = Neuron.from_weights([1.0], bias=0.0, activation="softplus").to_torch()
    assert seq[1].threshold == 40.0
    t = torch.tensor([[25.0], [39.0], [41.0], [-30.0]], dtype=torch.float64)
    values = [Neuron.from_weights([1.0], 0.0, "softplus")([v]).data for v in t[:, 0].tolist()]
    close(seq(t).detach().numpy()[:, 0], values)
    assert MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(1, 1).double(),
                                              torch.nn.Softplus())).layers[0].activation \
        == "softplus"  # threshold 20 is read: off by at most e^-20 = 2e-9


# --- the same training step --------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_three_optimizer_steps_give_the_same_weights(optimizer):
    rng = np.random.default_rng(7)
    model = random_model(rng, 2, [4, 1], ["tanh"], "linear", True)
    seq = model.to_torch()
    X, y = nn.data.moons(8, noise=0.1, seed=0)
    Y = nn.data.to_pm1(y)
    if optimizer == "adam":
        ours, theirs = nn.Adam(model.parameters(), lr=0.05), torch.optim.Adam(seq.parameters(),
                                                                              lr=0.05)
    else:
        gamma = 0.9 if optimizer == "momentum" else 0.0
        ours = nn.SGD(model.parameters(), lr=0.1, momentum=gamma)
        theirs = torch.optim.SGD(seq.parameters(), lr=0.1, momentum=gamma)
    for _ in range(3):
        ours.zero_grad()
        nn.max_margin([model(x) for x in X], Y).backward()
        ours.step()
        theirs.zero_grad()
        _torch_max_margin(seq(torch.from_numpy(X)), Y).backward()
        theirs.step()
    assert_same_layers(gradlab_layers(model), torch_layers(seq))


# --- torch_loss ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LOSSES) + ["binary_cross_entropy"])
def test_torch_loss_is_gradlabs_loss(name):
    rng = np.random.default_rng(11)
    key = "bce" if name == "binary_cross_entropy" else name
    gradlab_loss, _, make_targets = LOSSES[key]
    k = 1 if key in ONE_SCORE else 3
    model = random_model(rng, 2, [3, k], ["relu"], "linear", True)
    X, T = rng.normal(size=(5, 2)), make_targets(rng, 5, k)
    loss = gradlab_loss([model(x) for x in X], T)
    loss.backward()
    seq = model.to_torch()
    t_loss = torch_loss(name)(seq(torch.from_numpy(X)), T)
    t_loss.backward()
    close(loss.data, t_loss.item())
    assert_same_layers(gradlab_layers(model, "grad"), torch_layers(seq, "grad"))


def test_torch_loss_refuses_what_gradlabs_refuses():
    scores = torch.zeros(3, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        torch_loss("l1")
    with pytest.raises(ValueError, match="targets 0 or 1"):
        torch_loss("bce")(scores, [0, 1, 2])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        torch_loss("max_margin")(scores, [0, 1, 1])
    with pytest.raises(ValueError, match="3 outputs but targets of shape \\(2,\\)"):
        torch_loss("mse")(scores, [0.0, 1.0])
    with pytest.raises(ValueError, match="in \\[0, 3\\)"):
        torch_loss("cross_entropy")(torch.zeros(2, 3, dtype=torch.float64), [0, 3])
    with pytest.raises(ValueError, match="one score per sample"):
        torch_loss("bce")(torch.zeros(2, 2, dtype=torch.float64), [0, 1])
    with pytest.raises(TypeError, match="torch.Tensor, got list"):
        torch_loss("mse")([0.0, 1.0], [0.0, 1.0])


# --- what cannot be mapped -----------------------------------------------------------


@pytest.mark.parametrize("act", ["step", "sign"])
def test_step_and_sign_have_no_counterpart(act):
    with pytest.raises(ValueError, match=f"layer L2 uses the activation '{act}'.*no PyTorch"):
        MLP(2, [3, 1], activation="relu", output_activation=act, rng=0).to_torch()
    with pytest.raises(ValueError, match=f"the neuron uses the activation '{act}'"):
        Neuron(2, activation=act, rng=0).to_torch()


def test_a_custom_activation_is_refused_by_name():
    def swish(v):
        return v * v.sigmoid()

    with pytest.raises(ValueError, match="layer L1 has the custom activation 'swish'"):
        MLP(2, [3, 1], activation=swish, rng=0).to_torch()
    with pytest.raises(ValueError, match="the layer has the custom activation '<lambda>'"):
        Layer(2, 3, activation=lambda v: v.leaky_relu(0.2), rng=0).to_torch()


def test_to_torch_refuses_other_objects():
    with pytest.raises(TypeError, match="nn.MLP, nn.Layer, nn.Neuron, nn.Conv1d, nn.Conv2d or "
                                        "nn.Sequential, got Perceptron"):
        to_torch(nn.Perceptron(2))


def test_a_unary_op_kept_by_its_name_is_refused_as_custom():
    cube = op("cube_for_to_torch", forward=lambda x: x ** 3, local=lambda x, out: 3 * x * x)
    model = MLP(2, [3, 1], activation=cube, rng=0)
    assert model.layers[0].activation == "cube_for_to_torch"  # kept by name (saving)
    with pytest.raises(ValueError, match="layer L1 has the custom activation "
                                         "'cube_for_to_torch', which to_torch cannot"):
        model.to_torch()


def test_every_activation_has_one_row_read_both_ways():
    """One table: each name of nn.activations.ACTIVATIONS has a row, a torch.nn
    module or the reason there is none; to_torch writes the row's module and
    from_torch reads it back as the same name."""
    assert list(TORCH_ACTIVATIONS) == list(ACTIVATIONS)  # a new activation needs a row
    for name, row in TORCH_ACTIVATIONS.items():
        if row.module is None:
            assert row.no_counterpart and not row.settings, name
            with pytest.raises(ValueError, match=f"'{name}', which has no PyTorch counterpart"):
                MLP(2, [1], activation=name, output_activation=name, rng=0).to_torch()
            continue
        seq = MLP(2, [3, 1], activation=name, rng=0).to_torch()
        written = [type(m).__name__ for m in seq]
        assert written == ["Linear"] + [row.module] * row.written + ["Linear"], name
        assert read_sequential(seq)[2] == [name, "linear"]
        if not row.written:  # linear writes nothing, and its module (Identity) reads as no node
            identity = torch.nn.Sequential(lin(2, 3), getattr(torch.nn, row.module)(),
                                           torch.nn.Tanh())
            assert read_sequential(identity)[2] == ["tanh"]


def test_the_bridge_imports_no_model_module():
    """nn.pytorch gets a model's layers from model.linear_layers() and gives
    MLP.from_torch numbers (read_sequential): it imports nn.activations only."""
    tree = ast.parse((ROOT / "nn" / "pytorch.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.level > 0}
    assert imported == {"activations"}


def lin(n_in, n_out, **kw):
    return torch.nn.Linear(n_in, n_out, dtype=torch.float64, **kw)


@pytest.mark.parametrize("seq, match", [
    (lambda: torch.nn.Sequential(lin(4, 3), torch.nn.Conv2d(1, 1, 3)),
     r"module 1, Conv2d\(1, 1.*has no gradlab counterpart"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Dropout(0.5), lin(3, 1)),
     r"module 1, Dropout.*no gradlab counterpart"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.ReLU6()), r"module 1, ReLU6.*no gradlab"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Tanh(), lin(4, 1)),
     r"module 2, Linear\(in_features=4.*expects 4 inputs, but the Linear before it "
     r"\(module 0\) has 3 outputs"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.LeakyReLU(0.2)),
     r"module 1, LeakyReLU\(negative_slope=0.2\).*slope 0.01"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Softplus(beta=2.0)),
     r"module 1.*beta=2.0.*beta 1"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Softplus(threshold=5.0)),
     r"module 1.*threshold=5.0.*at least 20"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Hardtanh(0.0, 1.0)),
     r"module 1.*clips to \[0.0, 1.0\]"),
    (lambda: torch.nn.Sequential(torch.nn.Tanh(), lin(2, 3)),
     r"module 0, Tanh\(\), comes before any torch.nn.Linear"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Tanh(), torch.nn.ReLU()),
     r"module 2, ReLU\(\), follows another activation.*\(module 0\)"),
    (lambda: torch.nn.Sequential(lin(2, 3), torch.nn.Tanh(), lin(3, 1, bias=False)),
     r"module 2.*has no bias but the Linear before it \(module 0\) has one"),
    (lambda: torch.nn.Sequential(), r"empty torch.nn.Sequential"),
    (lambda: torch.nn.Sequential(torch.nn.Identity()), r"no torch.nn.Linear"),
    (lambda: torch.nn.Sequential(torch.nn.LazyLinear(3)), r"module 0, LazyLinear.*no gradlab"),
    (lambda: torch.nn.Sequential(lin(2, 3, device="meta")), r"module 0.*meta or lazy"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.complex128)),
     r"module 0.*dtype torch.complex128"),
    (lambda: torch.nn.Sequential(OrderedDict(hidden=lin(2, 3), act=torch.nn.Sigmoid(),
                                             out=lin(5, 1))),
     r"module 2 \('out'\).*expects 5 inputs"),
], ids=["conv2d", "dropout", "relu6", "sizes", "leaky-slope", "softplus-beta",
        "softplus-threshold", "hardtanh-range", "activation-first", "two-activations",
        "mixed-bias", "empty", "identity-only", "lazy", "meta", "complex", "named"])
def test_from_torch_refuses_what_it_cannot_map(seq, match):
    with pytest.raises(ValueError, match=match):
        MLP.from_torch(seq())


def test_from_torch_refuses_non_finite_weights():
    seq = torch.nn.Sequential(lin(2, 3))
    with torch.no_grad():
        seq[0].bias[1] = float("nan")
    with pytest.raises(ValueError, match=r"module 0.*non-finite numbers \(nan or inf\) in its "
                                         r"bias"):
        MLP.from_torch(seq)


def test_from_torch_wants_a_sequential():
    with pytest.raises(TypeError, match=r"got Linear \(wrap it: torch.nn.Sequential"):
        MLP.from_torch(lin(2, 1))
    with pytest.raises(TypeError, match="torch.nn.Sequential, got list"):
        MLP.from_torch([lin(2, 1)])


def test_float32_weights_are_copied_exactly_with_a_warning():
    torch.manual_seed(1)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    with pytest.warns(UserWarning, match=r"module 0, Linear.*\(torch.float32\) and 3 other "
                                         r"tensors are not float64.*seq.double\(\)"):
        model = MLP.from_torch(seq)
    # every float32 is a float64: the numbers are the same, bit for bit
    assert_same_layers(gradlab_layers(model), [(W.astype(np.float64), b.astype(np.float64))
                                               for W, b in torch_layers(seq)], tol=0.0)
    X = np.random.default_rng(0).normal(size=(4, 3))
    close(model.predict(X), seq.double()(torch.from_numpy(X)).detach().numpy()[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP.from_torch(seq)  # now float64: no warning


def test_from_torch_without_bias():
    seq = torch.nn.Sequential(lin(2, 3, bias=False), torch.nn.Sigmoid(), lin(3, 2, bias=False))
    model = MLP.from_torch(seq)
    assert model.config()["bias"] is False and model.num_parameters == 2 * 3 + 3 * 2
    assert all(n.b is None for layer in model.layers for n in layer.neurons)
    assert [m.bias for m in model.to_torch() if isinstance(m, torch.nn.Linear)] == [None, None]


# --- without torch -----------------------------------------------------------------------


def test_without_torch_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    assert INSTALL_HINT == 'pip install -e ".[torch]"'
    with pytest.raises(ImportError, match=r'needs PyTorch.*pip install -e "\.\[torch\]"'):
        MLP(2, [3, 1], rng=0).to_torch()
    with pytest.raises(ImportError, match=r'pip install -e "\.\[torch\]"'):
        MLP.from_torch(None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[torch\]"'):
        torch_loss("mse")([0.0], [0.0])


def test_import_nn_does_not_need_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import nn, nn.pytorch\n"
            "print(nn.MLP(2, [3, 1], rng=0).predict([[0.5, -0.5]]).shape)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1,)"


def test_read_sequential_gives_what_from_torch_builds():
    model = MLP(2, [2, 1], activation="tanh", rng=4)
    weights, biases, activations = read_sequential(model.to_torch())
    assert activations == ["tanh", "linear"]
    assert MLP.from_weights(weights, biases, activations).state_dict() == model.state_dict()
