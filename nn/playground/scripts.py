"""A playground's run as the plain script that trains the same model (``pg.to_code()``):
in gradlab (``nn.fit`` with the playground's seed: the same batches, the same numbers)
or in PyTorch (the same starting weights, ``model.to_torch()``, trained by hand on the
same batches). Each script prints the final train loss: this run's
``history.loss[-1]`` (PyTorch's to float rounding). (TensorFlow Playground has no
such export; its peers' "export to code" writes the model, not the run.)
"""

from __future__ import annotations

from .knobs import DATASETS, FEATURES

__all__ = ["script", "FRAMEWORKS"]

FRAMEWORKS = ("gradlab", "torch")

# a feature as numpy code of the plane's points P (n, 2): what knobs.FEATURES computes
FEATURE_CODE = {
    "x1": "P[:, 0]", "x2": "P[:, 1]", "x1^2": "P[:, 0] ** 2", "x2^2": "P[:, 1] ** 2",
    "x1*x2": "P[:, 0] * P[:, 1]", "sin(x1)": "np.sin(P[:, 0])", "sin(x2)": "np.sin(P[:, 1])",
}
assert set(FEATURE_CODE) == set(FEATURES)
TARGETS = {  # the targets each loss trains on, from the labels y (as the playground's)
    "bce": "{y}.astype(float)", "mse": "{y}.astype(float)",
    "max_margin": "datasets.to_pm1({y})", "cross_entropy": "datasets.one_hot({y}, {k})",
}


def _data_code(k: dict) -> list[str]:
    """The lines that make X, y as the playground's data knobs do."""
    data = k["data"]
    if not isinstance(data, str):
        X, y = data
        return ["# your points (data=(X, y)), as the playground holds them",
                f"X = np.array({X.tolist()!r})", f"y = np.array({y.tolist()!r})"]
    noise = DATASETS[data][1] if k["noise"] is None else k["noise"]
    n, seed, classes = k["n_samples"], k["seed"], k["classes"]
    call = {
        "circle": f"datasets.circles({n}, noise={noise!r}, seed={seed})",
        "xor": f"datasets.xor_quadrants({n}, noise={noise!r}, seed={seed})",
        "moons": f"datasets.moons({n}, noise={noise!r}, seed={seed})",
        "spiral": f"datasets.spirals({n}, arms={classes}, noise={noise!r}, seed={seed})",
    }.get(data)
    lines = [f"# the data: {data}, {classes} classes, noise {noise!r}, seed {seed}"]
    if call is not None:
        return lines + [f"X, y = {call}"]
    if classes == 2:  # gauss: the playground's two blobs, spread 0.3 + noise
        centres = "[[-1.0, -1.0], [1.0, 1.0]]"
    else:
        lines.append(f"angles = np.pi / 2 + 2 * np.pi * np.arange({classes}) / {classes}")
        centres = "1.6 * np.column_stack([np.cos(angles), np.sin(angles)])"
    return lines + [f"X, y = datasets.blobs({n}, centers={centres}, std=0.3 + {noise!r}, "
                    f"seed={seed})"]


def _model_code(pg, framework: str) -> list[str]:
    k, model = pg.knobs, pg.model
    if not pg._own_model:
        sizes = [*k["layers"], model.layers[-1].nout]
        return [f"model = nn.MLP({len(k['features'])}, {sizes}, activation={k['activation']!r},"
                f" rng={k['seed']})  # the playground's starting weights"]
    start = pg._s["initial"]
    weights, biases = [], []
    for i, layer in enumerate(model.layers):
        prefix = f"layers.{i}.neurons."
        weights.append([[start[f"{prefix}{j}.w.{m}"] for m in range(layer.nin)]
                        for j in range(layer.nout)])
        biases.append([start[f"{prefix}{j}.b"] for j in range(layer.nout)])
    acts = [layer.activation for layer in model.layers]
    if not all(isinstance(a, str) for a in acts):
        raise ValueError("playground: to_code: your model has a custom activation, which a "
                         "script cannot write down")
    return ["# your model (model=...), with the weights it started from",
            f"model = nn.MLP.from_weights({weights!r},", f"                            "
            f"{biases!r},", f"                            activations={acts!r})"]


def _head(pg, framework: str) -> list[str]:
    k = pg.knobs
    features = ", ".join(FEATURE_CODE[f] for f in k["features"])
    return [
        f'"""The playground\'s run as a plain {"PyTorch" if framework == "torch" else "gradlab"}'
        f' script (written by pg.to_code({framework!r})):',
        f"{pg!r}",
        f'It trains {pg.history.epochs} epochs and prints the final train loss."""',
        "import numpy as np", "", *(["import torch", ""] if framework == "torch" else []),
        "import nn", "from nn import data as datasets",
        *(["from nn.pytorch import torch_loss"] if framework == "torch" else []), "",
        *_data_code(k),
        f"X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, "
        f"{k['test_fraction']!r}, seed={k['seed']})", "", "",
        "def features(P):", f"    \"\"\"the input features: {', '.join(k['features'])}\"\"\"",
        f"    return np.column_stack([{features}])", "", "",
        "F_train, F_test = features(X_train), features(X_test)",
        *_model_code(pg, framework)]


def _gradlab_lines(pg) -> list[str]:
    k = pg.knobs
    optimizer = f"nn.Adam(model.parameters(), lr={k['lr']!r})" if k["optimizer"] == "adam" \
        else (f"nn.SGD(model.parameters(), lr={k['lr']!r}, "
              f"momentum={0.9 if k['optimizer'] == 'momentum' else 0.0})")
    return [f"optimizer = {optimizer}",
            f"history = nn.fit(model, F_train, y_train, loss={k['loss']!r}, optimizer=optimizer,",
            f"                 epochs={pg.history.epochs}, batch_size={k['batch_size']}, "
            f"l2={k['l2']!r}, seed={k['seed']},",
            "                 validation=(F_test, y_test), progress=False)",
            'print(f"final train loss {history.loss[-1]!r}, test loss '
            '{history.val_loss[-1]!r}")']


def _torch_lines(pg) -> list[str]:
    k = pg.knobs
    targets = TARGETS[k["loss"]].format(y="y_train", k=pg.model.layers[-1].nout)
    optimizer = f"torch.optim.Adam(net.parameters(), lr={k['lr']!r})" \
        if k["optimizer"] == "adam" else \
        (f"torch.optim.SGD(net.parameters(), lr={k['lr']!r}, "
         f"momentum={0.9 if k['optimizer'] == 'momentum' else 0.0})")
    l2 = ["        loss = loss + l2 * 0.5 * sum((m.weight ** 2).sum() for m in net",
          "                                     if isinstance(m, torch.nn.Linear))"] \
        if k["l2"] else []
    return [
        "net = model.to_torch()  # the same weights, float64: torch.nn.Sequential",
        f"optimizer = {optimizer}", f"loss_fn = torch_loss({k['loss']!r})",
        f"T_train = torch.tensor({targets})", "inputs = torch.tensor(F_train)",
        f"l2, batch_size = {k['l2']!r}, {k['batch_size']}",
        f"rng = np.random.default_rng({k['seed']})  # the playground's batches: a new "
        "order each epoch",
        f"for epoch in range({pg.history.epochs}):",
        "    order, total = rng.permutation(len(F_train)), 0.0",
        "    for start in range(0, len(order), batch_size):",
        "        batch = torch.from_numpy(order[start:start + batch_size])",
        "        optimizer.zero_grad()",
        "        loss = loss_fn(net(inputs[batch]), T_train[batch])", *l2,
        "        loss.backward()", "        optimizer.step()",
        "        total += loss.item() * len(batch)", "    epoch_loss = total / len(F_train)",
        'print(f"final train loss {epoch_loss!r}")']


def script(pg, framework: str = "gradlab") -> str:
    """``pg.to_code(framework)`` (the caller holds the playground's lock)."""
    if not isinstance(framework, str) or framework not in FRAMEWORKS:
        raise ValueError(f"playground: to_code: framework must be one of "
                         f"{', '.join(map(repr, FRAMEWORKS))}, got {framework!r}")
    if pg._changes:
        step, knobs = pg._changes[0]
        raise ValueError(f"playground: to_code: this run changed {', '.join(knobs)} at step "
                         f"{step} as it trained, which one script cannot write; share it "
                         "with pg.setup(), or reset() and play with the final knobs")
    if not pg.history.epochs:
        raise ValueError("playground: to_code writes the run's whole epochs, and there is "
                         "none yet: play(epochs=n) first")
    body = _torch_lines(pg) if framework == "torch" else _gradlab_lines(pg)
    return "\n".join(_head(pg, framework) + body) + "\n"
