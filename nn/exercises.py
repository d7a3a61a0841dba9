"""The network's exercises: the deltas of a layer, an SGD step, softmax cross-entropy,
checked against what ``nn`` computes (see ``autograd.exercises`` for the engine's
checkers, re-exported here, and for what a check returns or raises).

=================================================  ==========================================
``check_deltas(model, x, t, layer=0, deltas=...)`` the δ = ∂E/∂u of one layer of an MLP
``check_sgd_step(θ, g, new_θ, lr=, momentum=)``    one (momentum) SGD step, as ``nn.SGD``
``check_cross_entropy(z, target, loss, grad)``     softmax cross-entropy and its p − t
=================================================  ==========================================
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from autograd import Value, _internal, topological_order
from autograd import grad as _grad
from autograd.exercises import (  # noqa: F401 (one import gives every checker)
    DEFAULT_TOL,
    TODO,
    ExerciseError,
    NotDoneYet,
    Passed,
    Summary,
    WrongAnswer,
    answer_number,
    answer_numbers,
    check_backward,
    check_custom_op,
    check_local_gradient,
    checker,
    close,
    grading,
    keep_going,
    not_done,
    passed,
    short,
    show,
    summary,
    tolerance,
)

from . import losses
from .graph import layer_name, neuron_name
from .modules import MLP
from .optim import SGD

__all__ = ["check_deltas", "check_sgd_step", "check_cross_entropy", "check_local_gradient",
           "check_backward", "check_custom_op", "keep_going", "grading", "summary", "Summary",
           "ExerciseError", "WrongAnswer", "NotDoneYet", "Passed", "TODO"]


# --- 3. the deltas of an MLP layer -------------------------------------------------------------


def _loss_function(loss, who: str):
    named = {"half_squared_error": losses.half_squared_error, "mse": losses.mse,
             "cross_entropy": losses.cross_entropy,
             "binary_cross_entropy": losses.binary_cross_entropy}
    if callable(loss):
        return loss, getattr(loss, "__name__", "loss")
    if isinstance(loss, str) and loss in named:
        return named[loss], loss
    raise ValueError(f"{who}: loss must be one of {', '.join(named)} or a function "
                     f"(outputs, targets) -> Value, got {loss!r:.40}")


def _sum_node(neuron, order) -> Value:
    """The weighted sum u = Σ w_i x_i + b of ``neuron`` in the graph ``order``."""
    for v in order:
        if v.op != "sum":
            continue
        ps = v.parents
        if neuron.b is not None and any(p is neuron.b for p in ps):
            return v
        if any(p.op == "*" and p.parents[0] is neuron.w[0] for p in ps):
            return v
    raise ValueError("check_deltas: a neuron of the layer is not in the graph")


def _layer_checked(model, x, target, layer, *args, **kwargs) -> str:
    try:
        return f"layer {layer_name(layer % len(model.layers))}"
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        return str(layer)


@checker(_layer_checked)
def check_deltas(model, x, target, layer: int, deltas, loss="half_squared_error",
                 tol: float = DEFAULT_TOL) -> Passed:
    """Check the local sensitivities δ_j = ∂E/∂u_j of one layer of ``model``
    (an ``nn.MLP``) on one sample ``x`` with target ``target``, where
    ``u_j = Σ_i w_ji y_i + b_j`` is neuron j's weighted sum and ``E = loss([model(x)],
    [target])`` (``"half_squared_error"``: E = ½‖y − t‖²; or ``"mse"``,
    ``"cross_entropy"``, ``"binary_cross_entropy"``, or a function). The reference is
    ``u.grad`` after ``backward()``, as the network view of ``backward_trace`` shows
    it. ``layer`` is the index in ``model.layers``, counted from 0: ``layer=0`` is L1, the
    first hidden layer (``nn.graph.layer_name``); -1 is the output layer.
    The hint spells out the lecture's recursion: output δ = ∂E/∂y · f'(u),
    hidden δ_j = f'(u_j) Σ_k w_kj δ_k.
    """

    who = "check_deltas"
    layer = _layer_index(model, layer, who)
    xs = answer_numbers(x, f"{who}: x", model.nin)
    loss_fn, loss_name = _loss_function(loss, who)
    tol = tolerance(tol, who)
    neurons = model.layers[layer].neurons
    not_done(deltas, who, f"your list of the {len(neurons)} δ of layer {layer_name(layer)}")
    got = answer_numbers(deltas, f"{who}: deltas", len(neurons))

    lecture = _LayerDeltas(model, layer, xs, target, loss_fn)
    expected = lecture.deltas
    wrong = [j for j in range(len(neurons)) if not close(got[j], expected[j], tol)]
    if not wrong:
        return passed(f"deltas of layer {layer_name(layer)}: all {len(neurons)} right "
                       f"({', '.join(short(d) for d in expected)})")
    j = wrong[0]
    hint = lecture.hint(j, loss_name)
    if lecture.fprime[j] != 1.0 and close(got[j], lecture.dE_dy[j], tol):
        hint += ". You have ∂E/∂y: multiply by f'(u)"
    elif close(got[j], -expected[j], tol):
        hint += (". Yours has the opposite sign: δ = ∂E/∂u, and for E = ½(y − t)² the output's "
                 "∂E/∂y is y − t, not t − y")
    if len(wrong) > 1:
        hint += f". Wrong for {len(wrong)} of the {len(neurons)} neurons"
    raise WrongAnswer(f"δ = ∂E/∂u of layer {layer_name(layer)}",
                      f"at neuron {neuron_name(layer, j)}", expected[j], got[j], hint + ".")


def _layer_index(model, layer, who: str) -> int:
    """The layer of the MLP ``model``, counted from 0 (-1, the output layer, allowed)."""
    if not isinstance(model, MLP):
        raise TypeError(f"{who}: model must be an nn.MLP, got {type(model).__name__}")
    n_layers = len(model.layers)
    layer = _internal.integer(layer, f"{who}: layer")
    if not -n_layers <= layer < n_layers:
        raise ValueError(f"{who}: layer must be in 0..{n_layers - 1} (model.layers[0] is L1; -1 "
                         f"for the output layer) for this MLP of {n_layers} layers, got {layer}")
    return layer % n_layers


class _LayerDeltas:
    """The numbers of the lecture's δ recursion for one layer on one sample, from the
    graph of E: each neuron's δ = ∂E/∂u (``u.grad`` after ``backward()``), f'(u), and
    ∂E/∂y, which for a hidden layer is Σ_k w_kj δ_k over the layer above."""

    def __init__(self, model: MLP, layer: int, xs: list, target, loss_fn):
        self.layer = layer
        neurons = model.layers[layer].neurons
        out = model([Value(v) for v in xs])
        E = loss_fn([out], [target])
        if not isinstance(E, Value):
            raise TypeError(f"check_deltas: loss must return a Value (the sample's loss), got "
                            f"{type(E).__name__}: {E!r:.40}")
        order = topological_order(E)
        us = [_sum_node(n, order) for n in neurons]
        self.deltas = _grad(E, us)
        self.fprime = []  # f'(u_j): the activation's derivative at u_j (1 for a linear neuron)
        for n, u in zip(neurons, us):
            leaf = Value(u.data)
            self.fprime.append(1.0 if n._f is None else _grad(n._f(leaf), leaf))
        self.above = None
        if layer + 1 < len(model.layers):  # hidden: ∂E/∂y_j = Σ_k w_kj δ_k over the layer above
            above_neurons = model.layers[layer + 1].neurons
            d_above = _grad(E, [_sum_node(n, order) for n in above_neurons])
            w_above = [[n.w[j].data for n in above_neurons] for j in range(len(neurons))]
            self.above = (d_above, w_above)
            self.dE_dy = [sum(w * d for w, d in zip(w_above[j], d_above))
                          for j in range(len(neurons))]
        else:  # output: ∂E/∂y from the loss
            self.dE_dy = _grad(E, out if isinstance(out, list) else [out])

    def hint(self, j: int, loss_name: str) -> str:
        """Neuron j's δ spelled out: output δ = ∂E/∂y · f'(u), hidden δ_j = f'(u_j) Σ_k w_kj δ_k."""
        dE_dy, fprime, delta = self.dE_dy[j], self.fprime[j], self.deltas[j]
        if self.above is None:
            hint = (f"an output neuron's δ = ∂E/∂y · f'(u); here ∂E/∂y = {short(dE_dy)} "
                    f"(for {loss_name}) and f'(u) = {short(fprime)}, so δ = {short(delta)}")
            if loss_name == "half_squared_error":
                hint += " (∂E/∂y = y − t for E = ½‖y − t‖²)"
            return hint
        d_above, w = self.above
        terms = " + ".join(f"{short(wk)}×{short(dk)}" for wk, dk in zip(w[j], d_above))
        return (f"a hidden neuron's δ_j = f'(u_j) · Σ_k w_kj δ_k over the neurons k of "
                f"layer {layer_name(self.layer + 1)}: Σ_k w_kj δ_k = {terms} = {short(dE_dy)} "
                f"and "
                f"f'(u_j) = {short(fprime)}, so δ_j = {short(delta)}")


# --- 4. one SGD / momentum step ----------------------------------------------------------------


@checker(lambda *a, momentum=0.0, **k: "momentum step" if momentum else "SGD step")
def check_sgd_step(params, grads, new_params, *, lr: float, momentum: float = 0.0,
                   velocity=None, new_velocity=None, weight_decay: float = 0.0,
                   tol: float = 1e-9) -> Passed:
    """Check one step of (momentum) SGD against ``nn.SGD``, in the lectures' form::

        v ← γ v − α (g + λ θ)      (γ = momentum, α = lr, λ = weight_decay)
        θ ← θ + v

    ``params`` θ and ``grads`` g are the numbers before the step, ``new_params``
    the learner's θ after it; with momentum > 0 also ``velocity`` (v before,
    zeros if omitted) and ``new_velocity`` (the learner's v after). Without
    momentum the step is θ ← θ − α g. (PyTorch's SGD keeps v with the opposite sign
    and lr outside it: the same steps for a constant lr.)
    """

    who = "check_sgd_step"
    theta = answer_numbers(params, f"{who}: params")
    if not theta:
        raise ValueError(f"{who}: params must not be empty")
    n = len(theta)
    g = answer_numbers(grads, f"{who}: grads", n)
    lr, gamma, decay, v = _step_settings(lr, momentum, weight_decay, velocity, new_velocity,
                                         n, who)
    tol = tolerance(tol, who)
    if gamma > 0:
        not_done(new_velocity, who, "your new velocity v (new_velocity)")
    not_done(new_params, who, "your new parameters θ (new_params)")
    got_theta = answer_numbers(new_params, f"{who}: new_params", n)
    got_v = answer_numbers(new_velocity, f"{who}: new_velocity", n) if gamma > 0 else None

    ref_theta, ref_v = _sgd_step(theta, g, v, lr, gamma, decay)
    hints = _StepHints(theta, g, v, lr, gamma, decay, ref_theta, ref_v, tol)
    if gamma > 0:
        wrong = [i for i in range(n) if not close(got_v[i], ref_v[i], tol)]
        if wrong:
            raise WrongAnswer("momentum step", f"new_velocity[{wrong[0]}]", ref_v[wrong[0]],
                              got_v[wrong[0]], hints.velocity_hint(wrong[0], got_v) + ".")
    wrong = [i for i in range(n) if not close(got_theta[i], ref_theta[i], tol)]
    what = "momentum step" if gamma > 0 else "SGD step"
    if not wrong:
        return passed(f"{what}: new params {show(ref_theta)}"
                       + (f", new velocity {show(ref_v)}" if gamma > 0 else ""))
    raise WrongAnswer(what, f"new_params[{wrong[0]}]", ref_theta[wrong[0]],
                      got_theta[wrong[0]], hints.params_hint(wrong[0], got_theta) + ".")


def _step_settings(lr, momentum, weight_decay, velocity, new_velocity, n: int,
                   who: str) -> tuple:
    """lr α, momentum γ, weight decay λ and the velocity v before the step, checked."""
    lr = _internal.real(lr, f"{who}: lr", above=0)
    gamma = _internal.real(momentum, f"{who}: momentum", minimum=0)
    if gamma > 1:
        raise ValueError(f"{who}: momentum must be in [0, 1], got {gamma:g}")
    decay = _internal.real(weight_decay, f"{who}: weight_decay", minimum=0)
    v = [0.0] * n if velocity is None else answer_numbers(velocity, f"{who}: velocity", n)
    if gamma == 0 and (velocity is not None or new_velocity is not None):
        raise ValueError(f"{who}: velocity and new_velocity are for momentum > 0; "
                         "without momentum there is no velocity")
    if gamma > 0 and new_velocity is None:
        raise ValueError(f"{who}: with momentum, give new_velocity too (v after the step)")
    return lr, gamma, decay, v


def _sgd_step(theta, g, v, lr, gamma, decay) -> tuple[list, list]:
    """θ and v after one step of ``nn.SGD`` from θ, g and v: the reference."""
    ps = [Value(t) for t in theta]
    for p, gi in zip(ps, g):
        p.grad = gi
    optimizer = SGD(ps, lr=lr, momentum=gamma, weight_decay=decay)
    optimizer.velocity[:] = v
    optimizer.step()
    return [p.data for p in ps], optimizer.velocity.tolist()


class _StepHints:
    """One (momentum) SGD step, right, spelled out for the hints: the formula with the
    numbers, and the usual mistakes (PyTorch's buffer, a sign, a plain step)."""

    def __init__(self, theta, g, v, lr, gamma, decay, ref_theta, ref_v, tol):
        self.theta, self.v, self.lr, self.gamma = theta, v, lr, gamma
        self.ref_theta, self.ref_v, self.tol = ref_theta, ref_v, tol
        self.g_eff = [gi + decay * t for gi, t in zip(g, theta)]
        self.grad_text = "(g + λθ)" if decay else "g"

    def _everywhere(self, got: list, other: Callable[[int], float]) -> bool:
        """Whether the learner's numbers are the ``other`` formula's at every index."""
        return all(close(got[k], other(k), self.tol) for k in range(len(got)))

    def velocity_hint(self, i: int, got_v: list) -> str:
        gamma, v, lr, g_eff = self.gamma, self.v, self.lr, self.g_eff
        hint = (f"v ← γv − α{self.grad_text} = {short(gamma)}×{short(v[i])} − "
                f"{short(lr)}×{short(g_eff[i])} = {short(self.ref_v[i])}")
        if self._everywhere(got_v, lambda k: gamma * v[k] + g_eff[k]):
            hint += (". Yours is PyTorch's buffer v ← γv + g (with θ ← θ − αv); this "
                     "course's velocity has the step in it: v ← γv − αg, θ ← θ + v")
        elif self._everywhere(got_v, lambda k: gamma * v[k] + lr * g_eff[k]):
            hint += ". Mind the sign: the velocity moves against the gradient, −αg"
        return hint

    def params_hint(self, i: int, got_theta: list) -> str:
        theta, lr, g_eff, ref_v = self.theta, self.lr, self.g_eff, self.ref_v
        if self.gamma > 0:
            hint = (f"θ ← θ + v = {short(theta[i])} + {short(ref_v[i])} = "
                    f"{short(self.ref_theta[i])}")
            if self._everywhere(got_theta, lambda k: theta[k] - ref_v[k]):
                hint += ". θ + v, not θ − v: the minus sign is already in v"
            elif self._everywhere(got_theta, lambda k: theta[k] - lr * g_eff[k]):
                hint += ". Yours is a plain SGD step; with momentum θ moves by the new velocity v"
            return hint
        hint = (f"θ ← θ − α{self.grad_text} = {short(theta[i])} − {short(lr)}×{short(g_eff[i])}"
                f" = {short(self.ref_theta[i])}")
        if self._everywhere(got_theta, lambda k: theta[k] + lr * g_eff[k]):
            hint += ". You stepped uphill: subtract the gradient"
        return hint


# --- 5. softmax cross-entropy and its gradient -------------------------------------------------


@checker(lambda *a, **k: "")
def check_cross_entropy(logits, target, loss, gradient, tol: float = DEFAULT_TOL) -> Passed:
    """Check a softmax cross-entropy value ``loss`` = −log p_target and its
    ``gradient`` ∂E/∂z = p − t at the ``logits`` z (one sample; ``target`` a class
    index or a one-hot list) against ``nn.losses.cross_entropy`` and ``backward()``.
    (PyTorch: ``F.cross_entropy``.)"""

    who = "check_cross_entropy"
    z = answer_numbers(logits, f"{who}: logits")
    k = len(z)
    if k < 2:
        raise ValueError(f"{who}: logits must have at least 2 classes, got {k}")
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < k:
            raise ValueError(f"{who}: target must be a class index in 0..{k - 1}, got {target}")
        t = [1.0 if i == target else 0.0 for i in range(k)]
    else:
        t = answer_numbers(target, f"{who}: target (a class index or a one-hot list)", k)
        if sorted(t) != [0.0] * (k - 1) + [1.0]:
            raise ValueError(f"{who}: target must be a class index or a one-hot list, got {t}")
    tol = tolerance(tol, who)
    not_done(loss, who, "your loss E = −log p_target")
    got_loss = answer_number(loss, f"{who}: loss")
    not_done(gradient, who, "your gradient ∂E/∂z (one number per logit)")
    got_grad = answer_numbers(gradient, f"{who}: gradient", k)

    zs = [Value(v) for v in z]
    E = losses.cross_entropy([zs], [t])
    E.backward()
    ref_grad = [v.grad for v in zs]
    m = max(z)
    total = sum(math.exp(v - m) for v in z)
    p = [math.exp(v - m) / total for v in z]
    c = t.index(1.0)
    if not close(got_loss, E.data, tol):
        hint = f"E = −log p_target = −log {short(p[c])} = {short(E.data)}, with p = softmax(z)"
        if close(got_loss, -E.data, tol):
            hint += ". Yours is log p_target: the minus sign is missing"
        elif close(got_loss, p[c], tol):
            hint += ". Yours is the probability p_target itself; take −log of it"
        elif close(got_loss, E.data / math.log(10), tol):
            hint += ". Yours uses log base 10; cross-entropy uses the natural log"
        raise WrongAnswer("cross-entropy loss", "loss", E.data, got_loss, hint + ".")
    wrong = [i for i in range(k) if not close(got_grad[i], ref_grad[i], tol)]
    if not wrong:
        return passed(f"cross-entropy: loss {short(E.data)} and gradient p − t = "
                       f"{show([round(g, 6) for g in ref_grad])} right")
    i = wrong[0]
    hint = f"∂E/∂z_i = p_i − t_i = {short(p[i])} − {short(t[i])} = {short(ref_grad[i])}"
    if all(close(got_grad[j], p[j], tol) for j in range(k)):
        hint += ". Yours is p: subtract the one-hot target t"
    elif all(close(got_grad[j], t[j] - p[j], tol) for j in range(k)):
        hint += ". Yours is t − p: the gradient points up the loss, p − t"
    raise WrongAnswer("cross-entropy gradient", f"gradient[{i}] (class {i})", ref_grad[i],
                      got_grad[i], hint + ".")


