"""CS231n assignment 3 rnn_layers.py: vanilla RNN and LSTM steps and sequences, word embeddings, the
temporal affine layer and the masked temporal softmax loss (student code: gates/student/rnn_layers.py)."""

from __future__ import annotations

import numpy as np

from .spec import torch, F, st, Array, Condition, Convention, Diagnoses, Extreme, FindingKind, Fixed, GateSpec, Labels, Mistake, Sizes, Symptom
from .losses import SOFTMAX_ADVICE, SOFTMAX_SPREAD


def _rnn_step(x: torch.Tensor, prev_h: torch.Tensor, Wx: torch.Tensor, Wh: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.tanh(x @ Wx + prev_h @ Wh + b)


def _rnn(x: torch.Tensor, h0: torch.Tensor, Wx: torch.Tensor, Wh: torch.Tensor, b: torch.Tensor, carry: bool = True) -> torch.Tensor:
    """`carry=False` cuts the gradient from each step into the previous one: a known mistake's reference."""
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = _rnn_step(x[:, t], h if carry or t == 0 else h.detach(), Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)


def _lstm_step(x, prev_h, prev_c, Wx, Wh, b):  # type: ignore[no-untyped-def]
    # The course's gate order along the 4H axis: input, forget, output, block input.
    i, f, o, g = (x @ Wx + prev_h @ Wh + b).chunk(4, dim=1)
    next_c = torch.sigmoid(f) * prev_c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(next_c), next_c


def _lstm(x: torch.Tensor, h0: torch.Tensor, Wx: torch.Tensor, Wh: torch.Tensor, b: torch.Tensor, carry: str = "hc") -> torch.Tensor:
    """`carry` names the states whose gradient flows back a step ("hc"); the others are cut."""
    h, c, hs = h0, torch.zeros_like(h0), []
    for t in range(x.shape[1]):
        if t:
            h, c = (h if "h" in carry else h.detach()), (c if "c" in carry else c.detach())
        h, c = _lstm_step(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs, dim=1)


_NOT_THROUGH_TIME = "the gradient is not carried back through time: each step's dprev_h must be added to the upstream dh of the step before"
RNN_TERMS = Diagnoses(mistakes=(
    Mistake(FindingKind.MISSING_TERM, "term through time", _NOT_THROUGH_TIME, lambda *a: _rnn(*a, carry=False)),
))
LSTM_TERMS = Diagnoses(mistakes=(
    Mistake(FindingKind.MISSING_TERM, "term through time", _NOT_THROUGH_TIME, lambda *a: _lstm(*a, carry="")),
    Mistake(FindingKind.MISSING_TERM, "term through the cell state",
            "the cell state's gradient is not carried back through time: dprev_c of each step must flow into the step before",
            lambda *a: _lstm(*a, carry="h")),
))


def _temporal_softmax_loss(x: torch.Tensor, y: torch.Tensor, mask: np.ndarray) -> torch.Tensor:
    N, T, V = x.shape
    losses = F.cross_entropy(x.reshape(N * T, V), y.reshape(N * T), reduction="none")
    return torch.sum(losses * torch.as_tensor(mask.reshape(N * T), dtype=x.dtype)) / N


# Logits spread over thousands: a masked step whose true class underflows gives mask * log(0) =
# 0 * -inf, NaN, where an unmasked one gives inf (the course's own temporal_softmax_loss does).
_MASKED_SPREAD = Extreme(
    SOFTMAX_SPREAD.scale,
    advice={
        **SOFTMAX_ADVICE,
        Symptom.NAN: "the loss is nan once a step's true class is more than ~745 below the row max (log(0) = -inf, "
        "times a mask of 0, is nan) or a logit passes 709 without the row max subtracted: take -log-softmax as "
        "shifted - log(sum(exp(shifted)))",
    },
)

_DIM = st.integers(1, 3)
_STEP = {"N": _DIM, "D": _DIM, "H": _DIM}
_SEQUENCE = {**_STEP, "T": _DIM}


def _four_h(s: Sizes) -> dict[str, int]:
    return {"H4": 4 * s["H"]}  # the LSTM's four gates, stacked

RNN_LAYERS = (
    GateSpec(
        name="rnn_step",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D")),
            "prev_h": Array(("N", "H")),
            "Wx": Array(("D", "H")),
            "Wh": Array(("H", "H")),
            "b": Array(("H",)),
        },
        sizes=_STEP,
        reference=_rnn_step,
        summary="next_h = tanh(x Wx + prev_h Wh + b)",
    ),
    GateSpec(
        name="rnn",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "T", "D")),
            "h0": Array(("N", "H")),
            "Wx": Array(("D", "H")),
            "Wh": Array(("H", "H")),
            "b": Array(("H",)),
        },
        sizes=_SEQUENCE,
        reference=_rnn,
        diagnoses=RNN_TERMS,
        summary="the RNN over T steps -> h (N, T, H); backward through time, dh0 included",
    ),
    GateSpec(
        name="word_embedding",
        convention=Convention.LAYER_PAIR,
        # Few words, several positions: indices repeat, and their gradients must add up in dW.
        inputs={"x": Labels(("N", "T"), classes="V"), "W": Array(("V", "D"))},
        sizes={"N": _DIM, "T": _DIM, "V": st.integers(1, 4), "D": _DIM},
        reference=lambda x, W: W[x],
        diagnoses=Diagnoses(conditions={"a word index repeats": Condition(
            lambda s, v: len(np.unique(v["x"])) < np.size(v["x"]), FindingKind.LOST_ACCUMULATION)}),
        summary="out = W[x] for integer word indices x (N, T); backward returns dW alone",
    ),
    GateSpec(
        name="temporal_affine",
        convention=Convention.LAYER_PAIR,
        inputs={"x": Array(("N", "T", "D")), "w": Array(("D", "M")), "b": Array(("M",))},
        sizes={"N": _DIM, "T": _DIM, "D": _DIM, "M": _DIM},
        reference=lambda x, w, b: x @ w + b,
        summary="out[:, t] = x[:, t] w + b at every time step",
    ),
    GateSpec(
        name="temporal_softmax_loss",
        convention=Convention.LOSS_FUNCTION,
        inputs={
            # The course's own code takes log(probs): logits far apart, or near 1000, only advise.
            "x": Array(("N", "T", "V"), scales=(1.0, 10.0), extremes=(_MASKED_SPREAD, Extreme(1.0, 1000.0, advice=SOFTMAX_ADVICE))),
            "y": Labels(("N", "T"), classes="V"),
            "mask": Fixed(lambda s, rng: rng.random((s["N"], s["T"])) < 0.7),
        },
        sizes={"N": _DIM, "T": _DIM, "V": st.integers(2, 4)},
        reference=_temporal_softmax_loss,
        summary="softmax loss summed over unmasked time steps, divided by N -> (loss, dx)",
    ),
    GateSpec(
        name="lstm_step",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "D")),
            "prev_h": Array(("N", "H")),
            "prev_c": Array(("N", "H")),
            "Wx": Array(("D", "H4")),
            "Wh": Array(("H", "H4")),
            "b": Array(("H4",)),
        },
        sizes=_STEP,
        derive=_four_h,
        reference=_lstm_step,
        outputs=2,
        summary="(next_h, next_c, cache); gates i, f, o, g along 4H; backward takes dnext_h, dnext_c",
    ),
    GateSpec(
        name="lstm",
        convention=Convention.LAYER_PAIR,
        inputs={
            "x": Array(("N", "T", "D")),
            "h0": Array(("N", "H")),
            "Wx": Array(("D", "H4")),
            "Wh": Array(("H", "H4")),
            "b": Array(("H4",)),
        },
        sizes=_SEQUENCE,
        derive=_four_h,
        reference=_lstm,
        diagnoses=LSTM_TERMS,
        summary="the LSTM over T steps from c0 = 0 -> h (N, T, H); backward through time",
    ),
)
