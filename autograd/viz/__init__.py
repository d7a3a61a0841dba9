"""Seeing backpropagation: drawings of the graph, the step-through of a backward pass,
and the player that shows it (a page, or Jupyter).

- ``scene``: ``draw_graph`` and the ``Scene`` every drawing is made from;
- ``trace``: ``backward_trace``, the steps of one real backward pass, and its scalar view;
- ``player``: the page and the Jupyter player (its script and styles are the package
  files ``player.js`` and ``player.css``);
- ``model``: what a model passed as ``module=`` tells a drawing (names, boxes, views);
- ``explore``: change a leaf's value in Jupyter and watch every value and gradient
  recomputed by the engine;
- ``names``: a readable name for every node; ``style``: how numbers and colours look;
  ``dot``: DOT laid out and rendered by Graphviz (the ``dot`` program or pygraphviz).
"""

from .dot import GraphDrawing, GraphvizNotFoundError, render
from .explore import Explorer, explore
from .model import GraphParts
from .names import node_names
from .scene import Scene, draw_graph
from .trace import BackwardTrace, ForwardStep, Step, backward_trace

__all__ = ["BackwardTrace", "Explorer", "ForwardStep", "GraphDrawing", "GraphParts",
           "GraphvizNotFoundError", "Scene", "Step", "backward_trace", "draw_graph", "explore",
           "node_names", "render"]
