"""CMU 11-785 MyTorch, HW1P1: stateful classes whose forward keeps what their backward needs and
whose backward leaves the parameters' gradients on the object (checks.stateful). Student code:
gates/student/mytorch/ (the newer years) and gates/student/mytorch_dAdZ/ (the older ones).

Layouts as the course's autograder sets them: Linear's W (out, in), b (out, 1), Z = A Wᵀ + 1 bᵀ;
BatchNorm1d's BW, Bb (1, C), eps 1e-8, the train-mode forward (batch statistics, biased variance).
The years differ (conventions.Era): since the activations' backward takes dLdA, every gradient is
the true one (MSELoss = SSE / (N C), CrossEntropyLoss the mean over the batch). Before, activations'
`backward()` returned dAdZ, the template's Linear averaged dLdW and dLdb over the batch (`self.dLdW
= dLdW / self.N`), CrossEntropyLoss's backward was `softmax - Y` (the summed loss's) and MSELoss was
SSE / (2 N C) with its true gradient (A - Y) / (N C), or (Fall 2022's autograder) SSE / (N C) with
backward() = A - Y.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .spec import torch, F, st, Array, Convention, Era, Fixed, GateSpec, Sizes, Stateful, Upstream

_DIM = st.integers(1, 4)
_ROWS = {"N": _DIM, "C": _DIM}
_Z = Array(("N", "C"), scales=(1.0, 3.0))
BATCHNORM_EPS = 1e-8  # the course's BatchNorm1d


def _linear(A: torch.Tensor, W: torch.Tensor, b: torch.Tensor, **_: Any) -> torch.Tensor:
    return A @ W.T + b.T


def _averaged(s: Sizes) -> dict[str, float]:
    return {"W": 1.0 / s["N"], "b": 1.0 / s["N"]}


def _linear_entry(era: Era, summary: str) -> GateSpec:
    return GateSpec(
        name="Linear",
        convention=Convention.STATEFUL,
        inputs={"A": Array(("N", "C0")), "W": Array(("C1", "C0")), "b": Array(("C1", 1))},
        sizes={"N": _DIM, "C0": _DIM, "C1": _DIM},
        reference=_linear,
        construct=lambda s: {"in_features": s["C0"], "out_features": s["C1"]},
        stateful=Stateful(params={"W": "W", "b": "b"}, stored={"W": "dLdW", "b": "dLdb"}, era=era),
        gradient_scale=_averaged if era is Era.DERIVATIVE else None,
        variant=era.value,
        summary=summary,
    )


def _activation(name: str, reference: Any, summary: str, z: Array = _Z, eras: tuple[Era, ...] = tuple(Era)) -> tuple[GateSpec, ...]:
    """One entry per year the course had it: backward(dLdA) -> dLdZ, or backward() -> dAdZ."""
    upstream = {Era.GRADIENT: Upstream.GRADIENT, Era.DERIVATIVE: Upstream.DERIVATIVE}
    return tuple(
        GateSpec(
            name=name, convention=Convention.STATEFUL, inputs={"Z": z}, sizes=_ROWS, reference=reference,
            stateful=Stateful(upstream=upstream[era], era=era), variant=era.value if len(eras) > 1 else "",
            summary=f"{summary}; {'backward() -> dAdZ (the older years)' if era is Era.DERIVATIVE else 'backward(dLdA) -> dLdZ'}",
        )  # fmt: skip
        for era in eras
    )


def _one_hot(s: Sizes, rng: np.random.Generator) -> np.ndarray:
    return np.eye(s["C"])[rng.integers(0, s["C"], s["N"])]


def _cross_entropy(A: torch.Tensor, Y: np.ndarray, **_: Any) -> torch.Tensor:
    return -(torch.as_tensor(Y, dtype=torch.float64) * F.log_softmax(A, dim=1)).sum() / A.shape[0]


def _mse(half: bool) -> Any:
    def mse(A: torch.Tensor, Y: torch.Tensor, **_: Any) -> torch.Tensor:
        return ((A - Y) ** 2).sum() / (A.numel() * (2 if half else 1))

    return mse


def _loss(name: str, reference: Any, Y: Any, era: Era, summary: str, scale: Any = None, variant: str = "") -> GateSpec:
    return GateSpec(
        name=name, convention=Convention.STATEFUL, inputs={"A": Array(("N", "C"), scales=(1.0, 3.0)), "Y": Y},
        sizes={"N": _DIM, "C": st.integers(2, 4)}, reference=reference, stateful=Stateful(upstream=Upstream.NONE, era=era),
        gradient_scale=scale, variant=variant or era.value, summary=summary,
    )  # fmt: skip


def _batchnorm(Z: torch.Tensor, BW: torch.Tensor, Bb: torch.Tensor, **_: Any) -> torch.Tensor:
    M, V = Z.mean(0, keepdim=True), Z.var(0, unbiased=False, keepdim=True)
    return BW * (Z - M) / torch.sqrt(V + BATCHNORM_EPS) + Bb


_Y = Array(("N", "C"), differentiable=False)
_LABELS = Fixed(_one_hot)

MYTORCH_HW1: tuple[GateSpec, ...] = (
    _linear_entry(Era.GRADIENT, "Z = A Wᵀ + 1 bᵀ; backward(dLdZ) -> dLdA, self.dLdW, self.dLdb"),
    _linear_entry(Era.DERIVATIVE, "Z = A Wᵀ + 1 bᵀ; the older template's dLdW / N, dLdb / N"),
    *_activation("Identity", lambda Z, **_: Z * 1.0, "A = Z"),
    *_activation("Sigmoid", lambda Z, **_: torch.sigmoid(Z), "A = 1 / (1 + exp(-Z)); dAdZ from the stored A"),
    *_activation("Tanh", lambda Z, **_: torch.tanh(Z), "A = tanh(Z)"),
    *_activation("ReLU", lambda Z, **_: torch.relu(Z), "A = max(0, Z), Z off the kink at 0", Array(("N", "C"), scales=(1.0, 3.0), avoid_zero=True)),
    *_activation("GELU", lambda Z, **_: F.gelu(Z), "A = Z Φ(Z), the exact (erf) GELU", eras=(Era.GRADIENT,)),
    *_activation("Softmax", lambda Z, **_: torch.softmax(Z, dim=1), "A = softmax over each row; backward through its Jacobian", eras=(Era.GRADIENT,)),
    _loss("MSELoss", _mse(False), _Y, Era.GRADIENT, "L = SSE / (N C); backward() -> 2 (A - Y) / (N C)"),
    _loss("MSELoss", _mse(True), _Y, Era.DERIVATIVE, "L = SSE / (2 N C); backward() -> (A - Y) / (N C)"),
    # Fall 2022's autograder expects backward() = A - Y beside a mean forward: (N C / 2) times its gradient
    _loss("MSELoss", _mse(False), _Y, Era.DERIVATIVE, "L = SSE / (N C); the 2022 autograder's backward() -> A - Y",
          scale=lambda s: {"A": s["N"] * s["C"] / 2}, variant=f"{Era.DERIVATIVE.value}, A - Y"),  # fmt: skip
    _loss("CrossEntropyLoss", _cross_entropy, _LABELS, Era.GRADIENT, "L = mean cross-entropy of softmax(A), Y one-hot; backward() -> (softmax - Y) / N"),
    _loss("CrossEntropyLoss", _cross_entropy, _LABELS, Era.DERIVATIVE, "L = mean cross-entropy; the older backward() -> softmax - Y",
          scale=lambda s: {"A": float(s["N"])}),  # fmt: skip
    GateSpec(
        name="BatchNorm1d",
        convention=Convention.STATEFUL,
        inputs={"Z": Array(("N", "C"), scales=(1.0, 10.0)), "BW": Array((1, "C")), "Bb": Array((1, "C"))},
        sizes={"N": _DIM, "C": _DIM},
        reference=_batchnorm,
        construct=lambda s: {"num_features": s["C"]},
        stateful=Stateful(params={"BW": "BW", "Bb": "Bb"}, stored={"BW": "dLdBW", "Bb": "dLdBb"}),
        summary="train mode: BZ = BW (Z - M) / sqrt(V + eps) + Bb; backward(dLdBZ) -> dLdZ, self.dLdBW, self.dLdBb",
    ),
)
