"""deeplearning.ai Deep Learning Specialization, before the L-layer net: course 1 week 2 ("Logistic
Regression with a Neural Network mindset": `propagate`), course 1 week 3 ("Planar data
classification with one hidden layer": `forward_propagation`, `compute_cost`, `backward_propagation`)
and course 2 week 1's one-dimensional warm-up of "Gradient Checking" (J = theta x). Student code:
gates/student/dls_shallow.py.

Column-major as the rest of the course (X is (n_x, m), Y is (1, m)); each backward gives the true
gradients of the mean cross-entropy cost, checked against torch and finite differences of the
student's own forward and cost. The planar net is tanh then sigmoid: A2 = σ(W2 tanh(W1 X + b1) + b2).
Its compute_cost took `parameters` as well until 2021 (unused); either is called as written.
"""

from __future__ import annotations


import numpy as np

from .dls import _BINARY, _DIM, _LABELS, _NEVER, _W, Shapes, _cross_entropy, _probabilities, arrays, drawn
from .spec import Array, Call, Convention, Fixed, GateSpec, Sizes, Steps, torch

_PLANAR_SHAPES: Shapes = {"W1": ("n_h", "n_x"), "b1": ("n_h", 1), "W2": (1, "n_h"), "b2": (1, 1)}
_PLANAR = tuple(_PLANAR_SHAPES)


def _planar(differentiable: bool = True) -> dict[str, Array]:
    return arrays(_PLANAR_SHAPES, differentiable)


def _planar_parameters(s: Sizes, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """compute_cost's unused `parameters` argument (2017-2020), as the notebook passes it."""
    return drawn(_PLANAR_SHAPES, s, rng)


def _planar_net(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(w2 @ torch.tanh(w1 @ x + b1) + b2)


def _planar_cost(x: torch.Tensor, y: torch.Tensor, *ws: torch.Tensor) -> torch.Tensor:
    return _cross_entropy(_planar_net(x, *ws), y)


def _logistic_cost(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return _cross_entropy(torch.sigmoid(w.T @ x + b), y)


_SIZES = {"m": _DIM, "n_x": _DIM, "n_h": _DIM}
_TO_COST = Call("compute_cost", ("A2", "Y"), ("cost",))
_TO_COST_2017 = Call("compute_cost", ("A2", "Y", "parameters"), ("cost",))


def _backward_propagation(cost: Call, variant: str = "") -> GateSpec:
    """backward_propagation(parameters, cache, X, Y) -> grads, the cost its forward is judged by
    computed by the student's compute_cost as their notebook's year calls it."""
    return GateSpec(
        name="backward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n_x", "m"), differentiable=False), "Y": _LABELS, **_planar()},
        sizes=_SIZES,
        derive=_BINARY,
        reference=_planar_cost,
        signature=("parameters", "cache", "X", "Y"),
        steps=Steps(
            forward=(Call("forward_propagation", ("X", "parameters"), ("A2", "cache")), cost),
            output="cost",
            backward=Call("", ("parameters", "cache", "X", "Y"), ("grads",)),
            packs={"parameters": _PLANAR},
        ),
        variant=variant,
        summary=f"DLS week 3 planar net: grads dW1, db1, dW2, db2 of {cost.function}({', '.join(cost.arguments)}) after forward_propagation",
    )


DLS_SHALLOW = (
    GateSpec(
        name="propagate",
        convention=Convention.FUNCTIONS,
        inputs={"w": Array(("n_x", 1), scales=_W), "b": Array(()), "X": Array(("n_x", "m"), differentiable=False), "Y": _LABELS},
        sizes={"m": _DIM, "n_x": _DIM},
        derive=_BINARY,
        reference=_logistic_cost,
        signature=("w", "b", "X", "Y"),
        # one function gives both: called again for the gradients, read from the result not the cost
        steps=Steps(
            forward=(Call("", ("w", "b", "X", "Y"), ("grads", "cost")),),
            output="cost",
            backward=Call("", ("w", "b", "X", "Y"), ("grads", "cost")),
        ),
        summary="DLS week 2 logistic regression: propagate(w, b, X, Y) -> (grads {dw, db}, cost), A = σ(wᵀX + b)",
    ),
    GateSpec(
        name="forward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n_x", "m"), differentiable=False), **_planar(differentiable=False)},
        sizes=_SIZES,
        reference=_planar_net,
        signature=("X", "parameters"),
        steps=Steps(forward=(Call("", ("X", "parameters"), ("A2", "cache")),), output="A2", packs={"parameters": _PLANAR}),
        backward_on=_NEVER,
        summary="DLS week 3 planar net: forward_propagation(X, parameters) -> (A2, cache), A2 = σ(W2 tanh(W1 X + b1) + b2), forward only",
    ),
    GateSpec(
        name="compute_cost",
        convention=Convention.FUNCTIONS,
        inputs={"A2": Fixed(_probabilities), "Y": _LABELS, "parameters": Fixed(_planar_parameters)},
        sizes=_SIZES,
        derive=_BINARY,
        reference=lambda a2, y, p: _cross_entropy(torch.as_tensor(a2), y),
        steps=Steps(forward=(Call("", ("A2", "Y", "parameters"), ("cost",)),), output="cost"),
        backward_on=_NEVER,
        variant="2017",
        summary="DLS week 3 (2017-2020): compute_cost(A2, Y, parameters), the cross-entropy cost, forward only",
    ),
    _backward_propagation(_TO_COST),
    _backward_propagation(_TO_COST_2017, variant="2017"),
    GateSpec(
        name="forward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"x": Array((), differentiable=False), "theta": Array(())},
        sizes={},
        reference=lambda x, theta: theta * x,
        signature=("x", "theta"),
        steps=Steps(forward=(Call("", ("x", "theta"), ("J",)),), output="J"),
        backward_on=_NEVER,
        summary="DLS gradient checking, one dimension: forward_propagation(x, theta) -> J = theta x, forward only",
    ),
    GateSpec(
        name="backward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"x": Array((), differentiable=False), "theta": Array(())},
        sizes={},
        reference=lambda x, theta: theta * x,
        signature=("x", "theta"),
        steps=Steps(
            forward=(Call("forward_propagation", ("x", "theta"), ("J",)),),
            output="J",
            backward=Call("", ("x", "theta"), ("dtheta",)),
        ),
        summary="DLS gradient checking, one dimension: backward_propagation(x, theta) -> dtheta of J = theta x",
    ),
)
