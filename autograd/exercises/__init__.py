"""Exercises with automatic feedback: checkers that a notebook calls on the learner's answer.

=================================================  ==========================================
``check_local_gradient("tanh", rule)``             a built-in op's local gradient
``check_backward(L)``                              ``.grad`` filled in by hand on a graph
``check_custom_op(op, "swish")``                   an op of one's own (``autograd.op``)
``keep_going()``, ``summary()``                    a student notebook runs to its end and
                                                   says what is done, wrong, not done yet
``grading()``                                      a grader's test: a failed check raises
=================================================  ==========================================

The network's checkers (``check_deltas``, ``check_sgd_step``, ``check_cross_entropy``)
are in ``nn.exercises``, which also offers these: ``from nn import exercises`` gives all.
``checks`` holds the checkers and what they return or raise; ``notebook`` writes the
student version of a notebook (``python -m autograd.exercises --strip ...``);
``graders`` the versions nbgrader and otter-grader read (``--nbgrader``, ``--otter``).
"""

from .checks import (
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
    graded,
    grading,
    keep_going,
    not_done,
    passed,
    sample_points,
    short,
    show,
    summary,
    tolerance,
)
from .command import main
from .notebook import strip_notebook, strip_solutions

__all__ = ["ExerciseError", "WrongAnswer", "NotDoneYet", "Passed", "TODO", "DEFAULT_TOL",
           "check_local_gradient", "check_backward", "check_custom_op", "keep_going",
           "grading", "graded", "sample_points", "summary", "Summary", "checker", "strip_solutions",
           "strip_notebook", "main", "answer_number", "answer_numbers", "close", "not_done",
           "passed", "short", "show", "tolerance"]

_MOVED = {"check_deltas", "check_sgd_step", "check_cross_entropy"}


def __getattr__(name):
    if name in _MOVED:  # autograd knows nothing of nn: the network's checkers live there
        raise AttributeError(f"{name} checks a network: it is nn.exercises.{name} "
                             "(from nn import exercises)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
