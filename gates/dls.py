"""deeplearning.ai Deep Learning Specialization: course 1 week 4 ("Building your Deep Neural
Network: Step by Step", "Deep Neural Network - Application") and course 2 week 1 ("Regularization",
"Gradient Checking"). Student code: gates/student/dls_*.py.

The course is column-major: X is (n_x, m), W{l} is (n_l, n_{l-1}), b{l} is (n_l, 1), Y is (1, m),
Z = W A + b. Its caches differ from CS231n's (relu_backward's cache is Z, not x), and its models are
plain functions with a parameters dict, checked together as `Steps` say: L_model_backward's grads
against torch and against finite differences of compute_cost(L_model_forward(X, parameters), Y).
The input X of L_model_backward is named A0, so its gradient is the course's key dA0. The course's
backward gives dW and db of the mean cost but dA of the summed loss (its dAL is not divided by m):
`gradient_scale` says so, so linear_backward's dW = dZ A_prevᵀ / m and L_model_backward's dA0 pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from .spec import Array, Call, Convention, Diagnoses, FindingKind, Fixed, GateSpec, Labels, Mistake, Sizes, Steps, st, torch

_DIM = st.integers(1, 4)
_MAX_LAYERS = 4
_NEVER: Callable[[Sizes], bool] = lambda s: False  # forward-only entries: no backward
# Weights of the course's scale order (it starts from 0.01 randn): a deep net's sigmoid output
# stays off 0 and 1, where the course's own log(1 - AL) loses its digits.
_W = (0.5,)
_LABELS = Labels((1, "m"), classes="two")
_BINARY: Callable[[Sizes], dict[str, int]] = lambda s: {"two": 2}  # Y's classes, 0 and 1: a size, not drawn


def _per_example(s: Sizes) -> dict[str, float]:
    """The course's linear_backward: dW and db of the mean over the m examples, dA_prev of the sum
    (the dA it gets is of the sum too: dAL = -(Y/AL - (1-Y)/(1-AL)) is not divided by m)."""
    return {"W": 1 / s["m"], "b": 1 / s["m"]}


def _activation(name: str, z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(z) if name == "sigmoid" else torch.relu(z)


def _cross_entropy(al: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    y = y.to(al.dtype)
    return -torch.sum(y * torch.log(al) + (1 - y) * torch.log(1 - al)) / y.shape[1]


def _deep(x: torch.Tensor, layers: list[tuple[torch.Tensor, torch.Tensor]], masks: list[torch.Tensor | None] | None = None,
          keep: float = 1.0) -> torch.Tensor:  # fmt: skip
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID; `masks` (the student's own D1, D2, ...) drop
    the hidden activations, scaled by 1 / keep."""
    a = x
    for n, (w, b) in enumerate(layers, start=1):
        z = w @ a + b
        a = torch.sigmoid(z) if n == len(layers) else torch.relu(z)
        mask = masks[n - 1] if masks and n - 1 < len(masks) else None
        if mask is not None:
            a = a * mask / keep
    return a


def _layers(ws: tuple[torch.Tensor | None, ...]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    pairs = list(zip(ws[0::2], ws[1::2], strict=True))
    return [(w, b) for w, b in pairs if w is not None and b is not None]


# ---- course 1: L layers, drawn


def _deep_sizes(s: Sizes) -> dict[str, Any]:
    """n0 .. n{L}: the drawn widths, the output layer of width 1 (Y is (1, m)); has{l}: layer l exists."""
    L = s["L"]
    out: dict[str, Any] = {f"n{l}": 1 if l >= L else s[f"h{l}"] for l in range(1, _MAX_LAYERS + 1)}
    out.update({f"has{l}": l <= L for l in range(1, _MAX_LAYERS + 1)})
    return {**out, **_BINARY(s)}


_DEEP_SIZES = {"m": _DIM, "n0": _DIM, "L": st.integers(1, _MAX_LAYERS), **{f"h{l}": st.integers(1, 3) for l in range(1, _MAX_LAYERS)}}


def _weights(differentiable: bool = True) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for l in range(1, _MAX_LAYERS + 1):
        when = None if l == 1 else f"has{l}"
        out[f"W{l}"] = Array((f"n{l}", f"n{l - 1}"), scales=_W, when=when, differentiable=differentiable)
        out[f"b{l}"] = Array((f"n{l}", 1), scales=_W, when=when, differentiable=differentiable)
    return out


_PARAMETERS = tuple(f"{p}{l}" for l in range(1, _MAX_LAYERS + 1) for p in ("W", "b"))


def _l_model_forward(x: torch.Tensor, *ws: torch.Tensor | None) -> torch.Tensor:
    return _deep(x, _layers(ws))


def _l_model_cost(a0: torch.Tensor, *rest: Any) -> torch.Tensor:
    *ws, y = rest
    return _cross_entropy(_deep(a0, _layers(tuple(ws))), y)


def _probabilities(s: Sizes, rng: np.random.Generator) -> np.ndarray:
    """AL as the course's sigmoid output: strictly inside (0, 1)."""
    return 1 / (1 + np.exp(-rng.standard_normal((1, s["m"])) * 2))


def _linear_activation(a: torch.Tensor, w: torch.Tensor, b: torch.Tensor, activation: str) -> torch.Tensor:
    return _activation(activation, w @ a + b)


# ---- course 2: the 3-layer net of "Regularization" and "Gradient Checking"

_THREE = {"m": _DIM, "n0": _DIM, "n1": _DIM, "n2": _DIM}
_CACHE = ("Z1", "A1", "W1", "b1", "Z2", "A2", "W2", "b2", "Z3", "A3", "W3", "b3")
_DROPOUT_CACHE = ("Z1", "D1", "A1", "W1", "b1", "Z2", "D2", "A2", "W2", "b2", "Z3", "A3", "W3", "b3")


Shapes = Mapping[str, tuple[str | int, ...]]  # a net's parameters by name: sizes by name, or ints
_THREE_SHAPES: Shapes = {"W1": ("n1", "n0"), "b1": ("n1", 1), "W2": ("n2", "n1"), "b2": ("n2", 1), "W3": (1, "n2"), "b3": (1, 1)}


def arrays(shapes: Shapes, differentiable: bool = True) -> dict[str, Array]:
    """A net's parameters as inputs, of the course's scale."""
    return {k: Array(v, scales=_W, differentiable=differentiable) for k, v in shapes.items()}


def drawn(shapes: Shapes, s: Sizes, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A net's parameters as one dict argument (the cost's `parameters`), drawn as `arrays` are."""
    return {k: rng.standard_normal(tuple(s[d] if isinstance(d, str) else d for d in v)) * _W[0] for k, v in shapes.items()}


def _three(differentiable: bool = True) -> dict[str, Array]:
    return arrays(_THREE_SHAPES, differentiable)


def _three_parameters(s: Sizes, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return drawn(_THREE_SHAPES, s, rng)


def _l2(ws: Mapping[str, Any] | tuple[torch.Tensor, ...], lambd: float, m: int) -> torch.Tensor:
    weights = [torch.as_tensor(ws[k]) for k in ("W1", "W2", "W3")] if isinstance(ws, Mapping) else list(ws)
    return lambd / (2 * m) * torch.stack([torch.sum(w**2) for w in weights]).sum()


def _regularized_cost(x: torch.Tensor, y: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor,
                      b2: torch.Tensor, w3: torch.Tensor, b3: torch.Tensor, lambd: float) -> torch.Tensor:  # fmt: skip
    a3 = _deep(x, [(w1, b1), (w2, b2), (w3, b3)])
    return _cross_entropy(a3, y) + _l2((w1, w2, w3), lambd, y.shape[1])


def _dropout_net(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor, w3: torch.Tensor,
                 b3: torch.Tensor, keep_prob: float, *, D1: torch.Tensor | None = None, D2: torch.Tensor | None = None) -> torch.Tensor:  # fmt: skip
    """With the student's masks D1, D2 (as checked: from its cache); without them, nothing dropped."""
    return _deep(x, [(w1, b1), (w2, b2), (w3, b3)], [D1, D2], keep_prob)


def _dropout_cost(x: torch.Tensor, y: torch.Tensor, *rest: Any, D1: torch.Tensor | None = None, D2: torch.Tensor | None = None) -> torch.Tensor:
    *ws, keep_prob = rest
    return _cross_entropy(_deep(x, _layers(tuple(ws)), [D1, D2], keep_prob), y)


def _n_cost(x: torch.Tensor, y: torch.Tensor, *ws: torch.Tensor) -> torch.Tensor:
    return _cross_entropy(_deep(x, _layers(ws)), y)


def _gradient_times(t: torch.Tensor, k: float) -> torch.Tensor:
    """`t` in the forward, k times its gradient in the backward."""
    return t.detach() + k * (t - t.detach())


# The notebook hands backward_propagation_n out with two errors for gradient_check_n to find (dW2
# twice, db1 four times the right one) and then asks for them to be corrected: still wrong, and said so.
_PLANTED = Diagnoses(mistakes=(
    Mistake(FindingKind.SCALE, "the course's planted errors",
            "dW2 is 2 times and db1 4 times the right one: the errors the course plants in backward_propagation_n for "
            "gradient_check_n to find; the notebook asks you to correct them (dW2 without the * 2, db1 with 1./m)",
            lambda x, y, w1, b1, w2, b2, w3, b3: _n_cost(x, y, w1, _gradient_times(b1, 4.0), _gradient_times(w2, 2.0), b2, w3, b3)),
))

_KEEP = st.sampled_from([0.8, 0.5, 1.0, 0.25])
_STEPS_N = Steps(forward=(Call("", ("X", "Y", "parameters"), ("cost", "cache")),), output="cost", packs={"parameters": _PARAMETERS[:6]})
_DROPOUT_FORWARD = Call("forward_propagation_with_dropout", ("X", "parameters", "keep_prob"), ("A3", "cache"))

_L_MODEL_BACKWARD = GateSpec(
    name="L_model_backward",
    convention=Convention.FUNCTIONS,
    inputs={"A0": Array(("n0", "m")), **_weights(), "Y": _LABELS},
    sizes=_DEEP_SIZES,
    derive=_deep_sizes,
    reference=_l_model_cost,
    gradient_scale=lambda s: {"A0": s["m"]},
    steps=Steps(
        forward=(Call("L_model_forward", ("A0", "parameters"), ("AL", "caches")), Call("compute_cost", ("AL", "Y"), ("cost",))),
        output="cost",
        backward=Call("", ("AL", "Y", "caches"), ("grads",)),
        packs={"parameters": _PARAMETERS},
    ),
    summary="DLS grads dA0, dW1, db1, ... of compute_cost(L_model_forward(X, parameters), Y) (X is A0)",
)
# the 2017 notebook keys each dA by its layer ("Outputs grads["dA" + str(l + 1)]" for layer l + 1's
# dA_prev), as its dnn_app_utils_v2.py does: X's gradient is dA1 and there is no dA0
_L_MODEL_BACKWARD_2017 = replace(
    _L_MODEL_BACKWARD, steps=replace(_L_MODEL_BACKWARD.steps, grads={"A0": "dA1"}), variant="2017",
    summary="DLS 2017 notebook: grads dA1 (X's), dW1, db1, ... keyed by each layer's own index",
)


DLS = (
    GateSpec(
        name="linear",
        convention=Convention.LAYER_PAIR,
        inputs={"A": Array(("n_prev", "m")), "W": Array(("n", "n_prev")), "b": Array(("n", 1))},
        sizes={"n_prev": _DIM, "n": _DIM, "m": _DIM},
        signature=("A", "W", "b"),
        reference=lambda a, w, b: w @ a + b,
        gradient_scale=_per_example,
        summary="DLS linear_forward(A, W, b): Z = W A + b; linear_backward(dZ, cache) -> (dA_prev, dW, db)",
    ),
    GateSpec(
        name="relu",
        convention=Convention.LAYER_PAIR,
        inputs={"Z": Array(("n", "m"), avoid_zero=True)},
        sizes={"n": _DIM, "m": _DIM},
        signature=("Z",),
        reference=torch.relu,
        summary="DLS relu(Z) -> (A, cache=Z); relu_backward(dA, cache) -> dZ",
    ),
    GateSpec(
        name="sigmoid",
        convention=Convention.LAYER_PAIR,
        inputs={"Z": Array(("n", "m"), scales=(1.0, 10.0))},
        sizes={"n": _DIM, "m": _DIM},
        signature=("Z",),
        reference=torch.sigmoid,
        summary="DLS sigmoid(Z) -> (A, cache=Z); sigmoid_backward(dA, cache) -> dZ",
    ),
    GateSpec(
        name="linear_activation",
        convention=Convention.LAYER_PAIR,
        inputs={
            "A_prev": Array(("n_prev", "m")),
            "W": Array(("n", "n_prev")),
            "b": Array(("n", 1)),
            "activation": Fixed(lambda s, rng: s["activation"]),
        },
        sizes={"n_prev": _DIM, "n": _DIM, "m": _DIM, "activation": st.sampled_from(["relu", "sigmoid"])},
        reference=_linear_activation,
        backward_args=("activation",),
        gradient_scale=_per_example,
        summary="DLS A = g(W A_prev + b), g relu or sigmoid; linear_activation_backward(dA, cache, activation)",
    ),
    GateSpec(
        name="compute_cost",
        convention=Convention.FUNCTIONS,
        inputs={"AL": Fixed(_probabilities), "Y": _LABELS},
        sizes={"m": _DIM},
        derive=_BINARY,
        reference=lambda al, y: _cross_entropy(torch.as_tensor(al), y),
        steps=Steps(forward=(Call("", ("AL", "Y"), ("cost",)),), output="cost"),
        backward_on=_NEVER,
        summary="DLS cross-entropy cost -1/m sum(Y log AL + (1-Y) log(1-AL)), forward only",
    ),
    GateSpec(
        name="L_model_forward",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), **_weights(differentiable=False)},
        sizes=_DEEP_SIZES,
        derive=_deep_sizes,
        reference=_l_model_forward,
        steps=Steps(forward=(Call("", ("X", "parameters"), ("AL", "caches")),), output="AL", packs={"parameters": _PARAMETERS}),
        backward_on=_NEVER,
        summary="DLS [LINEAR->RELU]*(L-1) -> LINEAR->SIGMOID on parameters W1, b1, ... -> (AL, caches), forward only",
    ),
    _L_MODEL_BACKWARD,
    _L_MODEL_BACKWARD_2017,
    GateSpec(
        name="compute_cost_with_regularization",
        convention=Convention.FUNCTIONS,
        inputs={"A3": Fixed(_probabilities), "Y": _LABELS, "parameters": Fixed(_three_parameters), "lambd": Fixed(lambda s, rng: s["lambd"])},
        sizes={**_THREE, "lambd": st.sampled_from([0.7, 0.1, 0.0, 2.0])},
        derive=_BINARY,
        reference=lambda a3, y, p, lambd: _cross_entropy(torch.as_tensor(a3), y) + _l2(p, lambd, y.shape[1]),
        steps=Steps(forward=(Call("", ("A3", "Y", "parameters", "lambd"), ("cost",)),), output="cost"),
        backward_on=_NEVER,
        summary="DLS cross-entropy + lambd/(2m) (||W1||^2 + ||W2||^2 + ||W3||^2), forward only",
    ),
    GateSpec(
        name="backward_propagation_with_regularization",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), "Y": _LABELS, **_three(), "lambd": Fixed(lambda s, rng: s["lambd"])},
        sizes={**_THREE, "lambd": st.sampled_from([0.7, 0.1, 0.0, 2.0])},
        derive=_BINARY,
        reference=_regularized_cost,
        steps=Steps(
            forward=(
                Call("forward_propagation", ("X", "parameters"), ("A3", "cache")),
                Call("compute_cost_with_regularization", ("A3", "Y", "parameters", "lambd"), ("cost",)),
            ),
            output="cost",
            backward=Call("", ("X", "Y", "cache", "lambd"), ("gradients",)),
            packs={"parameters": _PARAMETERS[:6]},
        ),
        summary="DLS gradients dW1 .. db3 of the L2-regularized cost, dW += lambd/m W",
    ),
    GateSpec(
        name="forward_propagation_with_dropout",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), **_three(differentiable=False), "keep_prob": Fixed(lambda s, rng: s["keep_prob"])},
        sizes={**_THREE, "keep_prob": _KEEP},
        reference=_dropout_net,
        steps=Steps(
            forward=(Call("", ("X", "parameters", "keep_prob"), ("A3", "cache")),),
            output="A3",
            packs={"parameters": _PARAMETERS[:6]},
            unpack={"cache": _DROPOUT_CACHE},
            observed={"D1": "A1", "D2": "A2"},
        ),
        backward_on=_NEVER,
        summary="DLS 3-layer net with inverted dropout on A1, A2, judged by its own masks D1, D2 (from its cache)",
    ),
    GateSpec(
        name="backward_propagation_with_dropout",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), "Y": _LABELS, **_three(), "keep_prob": Fixed(lambda s, rng: s["keep_prob"])},
        sizes={**_THREE, "keep_prob": _KEEP},
        derive=_BINARY,
        reference=_dropout_cost,
        steps=Steps(
            forward=(_DROPOUT_FORWARD, Call("compute_cost", ("A3", "Y"), ("cost",))),
            output="cost",
            backward=Call("", ("X", "Y", "cache", "keep_prob"), ("gradients",)),
            packs={"parameters": _PARAMETERS[:6]},
            unpack={"cache": _DROPOUT_CACHE},
            observed={"D1": "A1", "D2": "A2"},
        ),
        summary="DLS gradients dW1 .. db3 through dropout: dA * D / keep_prob with the forward's own masks",
    ),
    # reg_utils's and gc_utils's own 3-layer net, where a notebook defines it (the course hands it
    # out): another forward_propagation(X, parameters) than week 3's planar one, an alternative to it
    GateSpec(
        name="forward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), **_three(differentiable=False)},
        sizes=_THREE,
        reference=_l_model_forward,
        signature=("X", "parameters"),
        steps=Steps(forward=(Call("", ("X", "parameters"), ("A3", "cache")),), output="A3", packs={"parameters": _PARAMETERS[:6]}),
        backward_on=_NEVER,
        variant="3-layer",
        summary="DLS course 2 reg_utils: forward_propagation(X, parameters) -> (A3, cache), LINEAR->RELU x2 -> LINEAR->SIGMOID, forward only",
    ),
    GateSpec(
        name="backward_propagation",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), "Y": _LABELS, **_three()},
        sizes=_THREE,
        derive=_BINARY,
        reference=_n_cost,
        signature=("X", "Y", "cache"),
        steps=Steps(
            forward=(Call("forward_propagation", ("X", "parameters"), ("A3", "cache")), Call("compute_cost", ("A3", "Y"), ("cost",))),
            output="cost",
            backward=Call("", ("X", "Y", "cache"), ("gradients",)),
            packs={"parameters": _PARAMETERS[:6]},
        ),
        summary="DLS course 2 reg_utils: backward_propagation(X, Y, cache) -> gradients dW1 .. db3 of the 3-layer net's cost",
    ),
    GateSpec(
        name="forward_propagation_n",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), "Y": _LABELS, **_three(differentiable=False)},
        sizes=_THREE,
        derive=_BINARY,
        reference=_n_cost,
        steps=_STEPS_N,
        backward_on=_NEVER,
        summary="DLS gradient checking: forward_propagation_n(X, Y, parameters) -> (cost, cache), forward only",
    ),
    GateSpec(
        name="backward_propagation_n",
        convention=Convention.FUNCTIONS,
        inputs={"X": Array(("n0", "m"), differentiable=False), "Y": _LABELS, **_three()},
        sizes=_THREE,
        derive=_BINARY,
        reference=_n_cost,
        steps=Steps(
            forward=(Call("forward_propagation_n", ("X", "Y", "parameters"), ("cost", "cache")),),
            output="cost",
            backward=Call("", ("X", "Y", "cache"), ("gradients",)),
            packs={"parameters": _PARAMETERS[:6]},
        ),
        diagnoses=_PLANTED,
        summary="DLS gradient checking: gradients dW1 .. db3 of forward_propagation_n's cost",
    ),
)
