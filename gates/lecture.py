"""The backprop lecture: gate classes and small circuits (student code: gates/student/lecture.py)."""

from __future__ import annotations

from .spec import torch, st, Array, Convention, Extreme, GateSpec, Node, Symptom, graph_reference

_DIM = st.integers(1, 4)
_ELEMENTWISE = {"N": _DIM, "D": _DIM}

# Past exp's float64 range (|x| > 709): only a form that never divides inf by inf is exact there.
SIGMOID_EXTREME = Extreme(
    1000.0,
    advice={
        Symptom.NAN: "exp overflows once |x| passes 709 and inf / inf is nan: take 1 / (1 + exp(-x)) "
        "(exp(-x) = inf gives 0, exactly), and the derivative as out * (1 - out)",
    },
)


def _pair(*names: str, **extra: Array) -> dict[str, Array]:
    return {n: extra.get(n, Array(("N", "D"), scales=(1.0, 3.0))) for n in names}


# The circuits as the lecture draws them; their references are the graphs' outputs.
CIRCUIT = (Node("q", "+", ("x", "y"), torch.add), Node("f", "*", ("q", "z"), torch.mul))
NEURON = (
    Node("dot", "w0 x0 + w1 x1", ("w", "x"), lambda w, x: w[:-1] @ x),
    Node("s", "+ w2", ("dot", "w"), lambda dot, w: dot + w[-1]),
    Node("f", "1/(1+exp(-s))", ("s",), torch.sigmoid),
)
FANOUT = (Node("q", "*", ("x", "y"), torch.mul), Node("f", "+", ("q", "x"), torch.add))
L2_WX = (Node("q", "W x", ("W", "x"), torch.matmul), Node("f", "||q||²", ("q",), lambda q: torch.sum(q**2)))
LINEAR = (Node("f", "W x", ("W", "x"), torch.matmul),)

LECTURE = (
    GateSpec(
        name="AddGate",
        convention=Convention.GATE_CLASS,
        inputs=_pair("x", "y"),
        sizes=_ELEMENTWISE,
        reference=lambda x, y: x + y,
        summary="z = x + y, the gradient distributor",
    ),
    GateSpec(
        name="MultiplyGate",
        convention=Convention.GATE_CLASS,
        inputs=_pair("x", "y"),
        sizes=_ELEMENTWISE,
        reference=lambda x, y: x * y,
        summary="z = x * y, the gradient switcher",
    ),
    GateSpec(
        name="MaxGate",
        convention=Convention.GATE_CLASS,
        # Ties (x == y, from the grid draws) are the kink; torch splits them, students route them.
        inputs={"x": Array(("N", "D")), "y": Array(("N", "D"))},
        sizes=_ELEMENTWISE,
        reference=lambda x, y: torch.maximum(x, y),
        summary="z = max(x, y), the gradient router",
    ),
    GateSpec(
        name="SigmoidGate",
        convention=Convention.GATE_CLASS,
        inputs={"x": Array(("N", "D"), scales=(1.0, 5.0), extremes=(SIGMOID_EXTREME,))},
        sizes=_ELEMENTWISE,
        reference=torch.sigmoid,
        summary="z = 1 / (1 + exp(-x))",
    ),
    GateSpec(
        name="circuit",
        convention=Convention.LAYER_PAIR,
        inputs=_pair("x", "y", "z"),
        sizes=_ELEMENTWISE,
        reference=graph_reference(CIRCUIT, ("x", "y", "z")),
        summary="f(x, y, z) = (x + y) z, the lecture's first circuit",
        graph=CIRCUIT,
    ),
    GateSpec(
        name="sigmoid_neuron",
        convention=Convention.LAYER_PAIR,
        inputs={"w": Array(("D1",)), "x": Array(("D",))},
        sizes={"D": _DIM},
        derive=lambda s: {"D1": s["D"] + 1},
        reference=graph_reference(NEURON, ("w", "x")),
        summary="f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))",
        graph=NEURON,
    ),
    GateSpec(
        name="fanout",
        convention=Convention.LAYER_PAIR,
        inputs=_pair("x", "y"),
        sizes=_ELEMENTWISE,
        reference=graph_reference(FANOUT, ("x", "y")),
        summary="f(x, y) = x y + x: x is used twice, its gradients add at the branch",
        graph=FANOUT,
    ),
    GateSpec(
        name="l2_wx",
        convention=Convention.LAYER_PAIR,
        inputs={"W": Array(("M", "D")), "x": Array(("D",))},
        sizes={"M": _DIM, "D": _DIM},
        reference=graph_reference(L2_WX, ("W", "x")),
        summary="f(x, W) = ||W x||^2, grad_W = 2 q x^T, grad_x = 2 W^T q",
        graph=L2_WX,
    ),
    GateSpec(
        name="linear",
        convention=Convention.LAYER_PAIR,
        inputs={"W": Array(("M", "D")), "x": Array(("D",))},
        sizes={"M": _DIM, "D": _DIM},
        reference=graph_reference(LINEAR, ("W", "x")),
        summary="f = W x, the linear score",
        graph=LINEAR,
    ),
)
