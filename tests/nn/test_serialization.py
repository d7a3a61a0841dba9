"""state_dict / load_state_dict, save / load as JSON: exact round trips, rebuilding the
model from the file, atomic writes, and bad files that leave the model untouched."""

import json
import os
import stat
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import StaleGraphError, Value
from nn.modules import MLP, Layer, Neuron, load


def bits(state: dict) -> dict:
    """The exact bit patterns (so -0.0 != 0.0 and every last digit counts)."""
    return {k: struct.pack("<d", v) for k, v in state.items()}


any_finite = st.floats(allow_nan=False, allow_infinity=False)  # subnormals, -0.0, 1e308 ...
tmp_ok = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])


@tmp_ok
@given(values=st.lists(any_finite, min_size=13, max_size=13))
def test_save_load_round_trips_every_float_exactly(tmp_path, values):
    model = MLP(2, [3, 1], rng=0)
    model.load_state_dict(dict(zip([n for n, _ in model.named_parameters()], values)))
    path = tmp_path / "model.json"
    model.save(path)
    other = MLP(2, [3, 1], rng=1).load(path)
    assert bits(other.state_dict()) == bits(model.state_dict())
    assert bits(load(path).state_dict()) == bits(model.state_dict())
    assert json.loads(path.read_text())["format"] == "gradlab.nn"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temporary file


def test_the_file_is_plain_readable_json(tmp_path):
    model = MLP(2, [4, 3, 1], activation=["tanh", "relu"], output_activation="sigmoid", rng=5)
    path = tmp_path / "m.json"
    model.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "gradlab.nn" and document["version"] == 1
    assert document["architecture"] == {"type": "MLP", "nin": 2, "sizes": [4, 3, 1],
                                        "activations": ["tanh", "relu", "sigmoid"],
                                        "bias": True}
    assert document["parameters"] == model.state_dict()
    assert list(document["parameters"]) == [n for n, _ in model.named_parameters()]
    assert document["model"] == repr(model)


@pytest.mark.parametrize("build", [
    lambda: MLP(3, [5, 2], activation="softsign", output_activation="tanh", rng=2),
    lambda: MLP(2, [4, 1], bias=False, rng=3),
    lambda: MLP(2, [16, 1, 1], activation=("leaky_relu", "hardtanh"), rng=4),
    lambda: MLP.from_weights([[[1, 1], [1, 1]], [[1, -2]]], [[0, -1], [0]], "relu"),
    lambda: Layer(3, 2, activation="sigmoid", rng=6),
    lambda: Neuron(4, activation="softplus", bias=False, rng=7),
    lambda: Neuron.from_weights([20, 20], bias=-30, activation="sigmoid"),
])
def test_load_rebuilds_the_saved_model(tmp_path, build):
    model = build()
    path = tmp_path / "m.json"
    model.save(path)
    rebuilt = load(path)
    assert type(rebuilt) is type(model) and repr(rebuilt) == repr(model)
    assert bits(rebuilt.state_dict()) == bits(model.state_dict())
    X = np.random.default_rng(0).normal(size=(6, model.nin))
    assert rebuilt.predict(X).tolist() == model.predict(X).tolist()


def test_state_dict_is_a_copy_of_plain_floats_and_loading_keeps_parameter_identity():
    model = MLP(2, [3, 1], rng=0)
    params = model.parameters()
    state = model.state_dict()
    assert all(type(v) is float for v in state.values())
    state["layers.0.neurons.0.w.0"] = 123.0
    assert model.layers[0].neurons[0].w[0].data != 123.0  # editing the dict changes nothing
    model.load_state_dict(state)
    assert model.layers[0].neurons[0].w[0].data == 123.0
    assert all(a is b for a, b in zip(model.parameters(), params))  # same Values, new numbers
    ints = {k: 1 for k in state}  # ints and numpy numbers are numbers too
    ints["layers.1.neurons.0.b"] = np.float32(0.5)
    model.load_state_dict(ints)
    assert model.layers[1].neurons[0].b.data == 0.5


def test_a_graph_built_before_loading_is_stale():
    model = MLP(2, [3, 1], activation="tanh", rng=0)
    out = model([1.0, 2.0])
    model.load_state_dict(MLP(2, [3, 1], activation="tanh", rng=1).state_dict())
    with pytest.raises(StaleGraphError):
        out.backward()


def _names(model):
    return [n for n, _ in model.named_parameters()]


@pytest.mark.parametrize("change,error,match", [
    (lambda s: s.pop("layers.0.neurons.1.b"), ValueError, r"missing \['layers.0.neurons.1.b'\]"),
    (lambda s: s.update(extra=1.0), ValueError, r"unexpected \['extra'\]"),
    (lambda s: s.update({"layers.0.neurons.0.w.0": "1.0"}), ValueError, "finite number"),
    (lambda s: s.update({"layers.0.neurons.0.w.0": None}), ValueError, "finite number"),
    (lambda s: s.update({"layers.0.neurons.0.w.0": True}), ValueError, "finite number"),
    (lambda s: s.update({"layers.1.neurons.0.b": float("nan")}), ValueError, "finite number"),
    (lambda s: s.update({"layers.1.neurons.0.b": float("-inf")}), ValueError, "finite number"),
])
def test_load_state_dict_checks_everything_before_changing_anything(change, error, match):
    model = MLP(2, [3, 1], rng=0)
    before = bits(model.state_dict())
    state = {name: 0.5 for name in _names(model)}  # every value would change
    change(state)
    with pytest.raises(error, match=match):
        model.load_state_dict(state)
    assert bits(model.state_dict()) == before


def test_load_state_dict_rejects_non_dicts():
    with pytest.raises(TypeError, match="dict of name -> number, got list"):
        MLP(2, [3, 1], rng=0).load_state_dict([1.0] * 13)


def _saved(tmp_path, model=None):
    path = tmp_path / "good.json"
    (model or MLP(2, [4, 1], rng=3)).save(path)
    return path.read_bytes()


@pytest.mark.parametrize("damage,error,match", [
    (lambda good: good[: len(good) // 2], ValueError, "not valid JSON .*truncated"),
    (lambda good: good[:-1], ValueError, "not valid JSON"),
    (lambda good: b"", ValueError, "not valid JSON"),
    (lambda good: b"{not json", ValueError, "not valid JSON"),
    (lambda good: b"\x80\x81\xfe\xff binary", ValueError, "not UTF-8 text"),
    (lambda good: b"[1, 2]", ValueError, "not a gradlab model file"),
    (lambda good: b'{"format": "other"}', ValueError, "not a gradlab model file"),
    (lambda good: good.replace(b'"version": 1', b'"version": 99'), ValueError,
     "unsupported gradlab model file version 99"),
    (lambda good: b'{"format": "gradlab.nn", "version": 1, "parameters": [1, 2]}', ValueError,
     "'parameters' must be an object"),
    (lambda good: good.replace(b'"layers.0.neurons.0.w.0"', b'"layers.0.neurons.0.w.9"'),
     ValueError, "missing .*unexpected"),
    (lambda good: good.replace(b'"layers.1.neurons.0.b": 0.0', b'"layers.1.neurons.0.b": NaN'),
     ValueError, "finite number"),
    # no architecture: model.load names the parameters it misses, load() cannot rebuild
    (lambda good: b'{"format": "gradlab.nn", "version": 1, "parameters": {"x": 1.0}}',
     ValueError, ("missing", "no architecture to rebuild")),
])
def test_bad_files_raise_clearly_and_leave_the_model_untouched(tmp_path, damage, error, match):
    model_match, load_match = match if isinstance(match, tuple) else (match, match)
    bad = tmp_path / "bad.json"
    bad.write_bytes(damage(_saved(tmp_path)))
    model = MLP(2, [4, 1], rng=8)
    before = bits(model.state_dict())
    with pytest.raises(error, match=model_match):
        model.load(bad)
    assert bits(model.state_dict()) == before
    with pytest.raises(error, match=load_match):
        load(bad)


def test_a_file_of_another_shape_leaves_the_model_untouched(tmp_path):
    small = tmp_path / "small.json"
    MLP(2, [4, 1], rng=0).save(small)
    for other in (MLP(2, [5, 1], rng=1), MLP(3, [4, 1], rng=1), MLP(2, [4, 1], bias=False, rng=1),
                  MLP(2, [4, 4, 1], rng=1), Layer(2, 4, rng=1)):
        before = bits(other.state_dict())
        with pytest.raises(ValueError, match="does not fit"):
            other.load(small)
        assert bits(other.state_dict()) == before


def test_missing_file_and_damaged_architecture(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load(tmp_path / "nope.json")
    path = tmp_path / "m.json"
    MLP(2, [3, 1], rng=0).save(path)
    document = json.loads(path.read_text())
    document["architecture"]["sizes"] = [3, 0]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="architecture .* is not valid"):
        load(path)
    del document["architecture"]["sizes"]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="architecture has no 'sizes'"):
        load(path)


def test_save_replaces_the_file_atomically(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    MLP(2, [3, 1], rng=0).save(path)
    first = path.read_bytes()
    MLP(2, [3, 1], rng=1).save(path)
    second = path.read_bytes()
    assert second != first and json.loads(second)

    def crash(src, dst):  # the machine dies just before the rename
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        MLP(2, [3, 1], rng=2).save(path)
    assert path.read_bytes() == second  # the old file is whole
    assert sorted(os.listdir(tmp_path)) == ["m.json"]  # and no temporary file is left


def test_a_diverged_model_is_not_saved(tmp_path):
    path = tmp_path / "m.json"
    model = MLP(2, [3, 1], rng=0)
    model.save(path)
    before = path.read_bytes()
    model.layers[0].neurons[1].w[0].data = float("nan")
    with pytest.raises(ValueError, match="'layers.0.neurons.1.w.0' is nan .*diverge"):
        model.save(path)
    assert path.read_bytes() == before
    with pytest.raises(FileNotFoundError):
        MLP(2, [3, 1], rng=0).save(tmp_path / "no" / "such" / "dir.json")


def test_saved_then_loaded_model_keeps_training(tmp_path):
    model = MLP(1, [4, 1], activation="tanh", rng=0)
    path = tmp_path / "m.json"
    model.save(path)
    rebuilt = load(path)
    loss = (rebuilt([0.5]) - 1.0) ** 2
    loss.backward()
    assert any(p.grad != 0 for p in rebuilt.parameters())
    assert all(isinstance(p, Value) and p.is_leaf for p in rebuilt.parameters())


def test_load_is_at_the_top_of_nn(tmp_path):
    """``nn.load(path)`` as ``torch.load``: no need to know that it lives in nn.modules."""
    import nn as package

    model = MLP(2, [3, 1], rng=0)
    model.save(tmp_path / "m.json")
    again = package.load(tmp_path / "m.json")
    assert package.load is load
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]


# --- what a file may make load() do, and what save() keeps --------------------------------

def _document(**architecture):
    return {"format": "gradlab.nn", "version": 1, "architecture": architecture,
            "parameters": {}}


def test_a_file_declaring_a_huge_model_is_refused_before_anything_is_built(tmp_path,
                                                                           monkeypatch):
    built = []  # every Layer and Neuron that load() starts to build
    for cls in (Layer, Neuron):
        def spy(self, *args, _build=cls.__init__, **kwargs):
            built.append(type(self).__name__)
            _build(self, *args, **kwargs)
        monkeypatch.setattr(cls, "__init__", spy)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(_document(type="MLP", nin=1000, sizes=[1000, 1000],
                                         activations=["relu", "linear"], bias=True)))
    with pytest.raises(ValueError, match="declares 2002000 parameters but the file stores 0"):
        load(path)
    assert built == []  # building it first took 64 s and 639 MB
    path.write_text(json.dumps(_document(type="MLP", nin=10**9, sizes=[1],
                                         activations=["linear"], bias=True)))
    with pytest.raises(ValueError, match="'nin' must be an int from 1 to 10000000"):
        load(path)


def test_devices_folders_and_oversized_files_are_refused(tmp_path, monkeypatch):
    import nn.serialization as serialization

    for where in ("/dev/zero", tmp_path):
        with pytest.raises(ValueError, match="not a regular file"):
            load(where)
    path = tmp_path / "m.json"
    MLP(2, [3, 1], rng=0).save(path)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match="more than a gradlab model file may be"):
        load(path)


@pytest.mark.parametrize("number,match", [
    ("1" + "0" * 400, "integer of 401 digits"), ("9" * 5000, "integer of 5000 digits"),
    ("1e400", "must be a finite number"), ("NaN", "must be a finite number"),
])
def test_bad_numbers_name_the_file_and_the_field(tmp_path, number, match):
    path = tmp_path / "m.json"
    model = MLP(2, [1], rng=0)
    model.save(path)
    text = path.read_text()
    first = next(iter(model.state_dict()))
    document = json.loads(text)
    document["parameters"][first] = "@"
    path.write_text(json.dumps(document).replace('"@"', number))
    before = [p.data for p in model.parameters()]
    for call in (lambda: load(path), lambda: model.load(path)):
        with pytest.raises(ValueError, match=match) as info:
            call()
        assert str(path) in str(info.value)
        if "finite" in match:
            assert first in str(info.value)  # the field
    assert [p.data for p in model.parameters()] == before


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="deep.json"):
        load(path)


def test_save_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    link = tmp_path / "link.json"
    MLP(2, [1], rng=0).save(target)
    link.symlink_to(target)
    MLP(2, [1], rng=1).save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load(target).state_dict() == MLP(2, [1], rng=1).state_dict()


def test_save_keeps_a_files_mode_and_cleans_up_after_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    MLP(2, [1], rng=0).save(path)
    os.chmod(path, 0o600)
    MLP(2, [1], rng=1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    real_replace = os.replace

    def crash(src, dst):
        raise OSError("the machine died")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        MLP(2, [1], rng=2).save(path)
    monkeypatch.setattr(os, "replace", real_replace)
    (tmp_path / ".m.json.0123456789abcdef.tmp").write_text("left by a kill -9")
    MLP(2, [1], rng=3).save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_save_refuses_a_pipe_or_an_empty_path_and_a_full_disk_names_the_file(tmp_path,
                                                                           monkeypatch):
    """save() onto a FIFO replaced it; an empty path or a full disk said nothing of the file."""
    import errno

    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    model = MLP(2, [1], rng=0)
    with pytest.raises(ValueError, match="model.json is a pipe, device or socket, not a "
                                         "regular file: refusing to replace it"):
        model.save(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    for call in (lambda: model.save(""), lambda: load(""), lambda: model.load("")):
        with pytest.raises(ValueError, match="path is empty"):
            call()
    with pytest.raises(TypeError, match="path must be a file name .*got int: 5"):
        model.save(5)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    path = tmp_path / "m.json"
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"could not write {path}: No space left on device"):
        model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


@pytest.mark.parametrize("version,shown", [("true", "True"), ("1.0", "1.0"), ('"1"', "'1'")])
def test_a_version_must_be_the_integer_1_not_true(tmp_path, version, shown):
    path = tmp_path / "m.json"
    MLP(2, [1], rng=0).save(path)
    path.write_text(path.read_text().replace('"version": 1', f'"version": {version}'))
    with pytest.raises(ValueError, match=f"unsupported gradlab model file version {shown}"):
        load(path)
