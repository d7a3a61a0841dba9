"""Batched replay: record the graph of one sample once, run it over a batch with numpy.

``compile(fn)`` calls ``fn`` once on *placeholder* Values (one per input column)
and keeps the graph it builds. The returned ``Program`` then runs that same graph,
with the same local-gradient rules, over a whole batch: each node holds a row of B
numbers instead of one, and every group of nodes with the same operation at the
same depth ("level") runs as one numpy operation. ``torch.compile`` and
``jax.jit``/``jax.vmap`` do this for tensors; here you can watch it happen to the
scalar graph you drew.

    step = compile(lambda x, y: nn.losses.max_margin([model(x)], [y]))
    loss = step.value_and_grad(X, Y)     # X (B, n_in), Y (B,): grads in the parameters

Three kinds of leaves: *inputs* (the placeholders, one column of a batch array
each), *parameters* (Values that existed before tracing: read afresh on every call,
gradients accumulated into their ``.grad``) and *constants* (numbers made into
Values during tracing, such as the 1 in ``1 - y * s``).

The rule: ``fn`` must compute with recorded operations only. Its Python code runs
once, on the first sample, so ``if v.data > 0``, ``float(v)``, ``max(v.data, ...)``
or ``no_grad`` on a per-sample number cannot be replayed; reading such a number
while tracing raises ``TracingError``. Branch-free ops (``relu``, ``abs``,
``step``, ``Value.max``/``min``/``logsumexp``) are fine: they are replayed per sample.
A parameter's number read in Python (``x * (w.data * 3)``, ``if w.data > 0``) is
the same for every sample and allowed, but it is baked into the trace, so it is
tracked: when that parameter changes, the next call traces again (never a stale
number; ``torch.jit.trace`` only warns).

With ``fuse=True`` (the default), a sum of products ``w_i * h_i`` whose weights
do not depend on the sample (a neuron) is recognised, and all such sums at one
level (a layer) run as one matrix product ``W @ H``: the lesson that leads from
scalars to tensors. ``fuse=False`` replays every node as recorded.

The room, one module per concern, each building on the one below it:

- ``program.py``: what the user calls. ``compile(fn)`` returns a ``Program``; it checks
  the batch arrays, traces ``fn`` on placeholders once per input signature (again when
  a parameter's number read in Python has changed), checks what ``require`` asked of the
  targets on every batch, and runs the plan: ``program(X)``, ``value_and_grad``, ``draw``.
- ``plan.py``: one traced graph made ready to run. Its phases number and classify the
  nodes, find the neurons to fuse into ``W @ H``, group the nodes of one level and one
  operation into steps, and lay out the rows every node reads and writes; ``Plan.forward``
  and ``Plan.backward`` then run the steps in order and in reverse.
- ``codegen.py``: from the second call of a batch size on, the plan runs as two generated
  straight-line functions (forward, backward) of numpy calls on views bound once: no loop
  over steps, no step asked what to do. ``Plan.code(batch)`` prints them.
- ``held.py``: between compiled steps the parameters' numbers and gradients stay in two
  arrays (an optimizer steps on them); the first touch of any parameter writes them all
  back, so a Value never shows an old number.
- ``kernels.py``: the array side. Each op of the engine's table over (nodes x batch)
  arrays (``ARRAY_RULES``, ``NARY_REDUCTIONS``, keyed by the op object), and the steps a
  plan runs (``Elementwise``, ``Sum``, ``Segments``, ``Linear``), each with its forward
  and its backward.
"""

from .kernels import array_rules
from .plan import Plan
from .program import Program, compile, require  # noqa: A004 (as torch.compile)

__all__ = ["compile", "Program", "Plan", "require", "array_rules"]
