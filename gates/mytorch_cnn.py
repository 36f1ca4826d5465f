"""CMU 11-785 MyTorch, HW2P1: convolution, pooling and resampling as stateful classes (checks.stateful).
Student code: gates/student/mytorch/nn/ (Conv1d.py, Conv2d.py, pool.py, resampling.py, flatten.py).

As the course's autograder sets and reads them: Conv1d_stride1's W (out, in, K), b (out,), A (N, C_in,
W_in); Conv2d_stride1's W (out, in, K, K); the strided Conv1d / Conv2d keep theirs on
`self.conv1d_stride1` / `self.conv2d_stride1` (a stride-1 convolution, then Downsample), and since
the 2023 handout take `padding` (zeros on both sides) after the stride. MaxPool2d / MeanPool2d are
the stride-1 pool then Downsample2d; Upsample puts the input at every k-th place of k (W - 1) + 1
zeros, Downsample keeps every k-th entry and its backward scatters back into the stored width.
"""

from __future__ import annotations

from typing import Any

from .spec import torch, F, st, Array, Convention, GateSpec, Sizes, Stateful

_FEW = st.integers(1, 2)
_SMALL = st.integers(1, 3)
_STRIDE = st.integers(1, 3)
_CONV = {"W": "W", "b": "b"}
_STORED = {"W": "dLdW", "b": "dLdb"}


def _inner(name: str) -> tuple[dict[str, str], dict[str, str]]:
    """A strided convolution's parameters and gradients, on its stride-1 part."""
    return {k: f"{name}.{v}" for k, v in _CONV.items()}, {k: f"{name}.{v}" for k, v in _STORED.items()}


def _width(out: int, kernel: int, stride: int, rest: int, pad: int) -> tuple[int, int]:
    """An input width (and the padding it can take) whose output is `out` wide: (out - 1) stride +
    kernel + a remainder the stride skips, less the padding on both sides (at most what leaves one entry)."""
    padded = (out - 1) * stride + kernel + rest % stride
    pad = min(pad, (padded - 1) // 2)
    return padded - 2 * pad, pad


def _conv1d_sizes(s: Sizes) -> dict[str, Any]:
    w, pad = _width(s["Wout"], s["K"], s["stride"], s["rest"], s["pad"])
    return {"Win": w, "padding": pad}


def _conv2d_sizes(s: Sizes) -> dict[str, Any]:
    h, pad_h = _width(s["Hout"], s["K"], s["stride"], s["rest"], s["pad"])
    w, pad_w = _width(s["Wout"], s["K"], s["stride"], s["rest"], s["pad"])
    pad = min(pad_h, pad_w)
    return {"H": h + 2 * (pad_h - pad), "Win": w + 2 * (pad_w - pad), "padding": pad}


def _fixed(derive: Any, strided: bool, padded: bool) -> Any:
    """`derive` with stride 1 and no padding where the class takes neither (also as sizes)."""
    constants = {**({} if strided else {"stride": 1}), **({} if padded else {"pad": 0})}

    def sizes(s: Sizes) -> dict[str, Any]:
        return {**constants, **derive({**constants, **s})}

    return sizes


def _conv_entry(name: str, dims: int, strided: bool, padded: bool) -> GateSpec:
    spatial = ("Win",) if dims == 1 else ("H", "Win")
    kernel = ("K",) * dims
    sizes = {"N": _FEW, "Cin": _FEW if dims == 2 else _SMALL, "Cout": _FEW if dims == 2 else _SMALL, "K": _SMALL,
             "Wout": _SMALL, "rest": st.integers(0, 2)}  # fmt: skip
    # a stride or padding the class does not take is a constant, derived rather than drawn
    sizes.update({"stride": _STRIDE} if strided else {})
    sizes.update({"pad": st.integers(0, 2)} if padded else {})
    if dims == 2:
        sizes["Hout"] = _SMALL
    conv = F.conv1d if dims == 1 else F.conv2d

    def reference(A: torch.Tensor, W: torch.Tensor, b: torch.Tensor, **kw: Any) -> torch.Tensor:
        return conv(A, W, b, stride=kw.get("stride", 1), padding=kw.get("padding", 0))

    def construct(s: Sizes) -> dict[str, Any]:
        args = {"in_channels": s["Cin"], "out_channels": s["Cout"], "kernel_size": s["K"]}
        if strided:
            args["stride"] = s["stride"]
        if padded:
            args["padding"] = s["padding"]
        return args

    params, stored = _inner(f"conv{dims}d_stride1") if strided else (_CONV, _STORED)
    what = f"Conv{dims}d" + ("" if strided else "_stride1")
    return GateSpec(
        name=name,
        convention=Convention.STATEFUL,
        inputs={"A": Array(("N", "Cin", *spatial)), "W": Array(("Cout", "Cin", *kernel)), "b": Array(("Cout",))},
        sizes=sizes,
        derive=_fixed(_conv1d_sizes if dims == 1 else _conv2d_sizes, strided, padded),
        reference=reference,
        construct=construct,
        signature=("padding",) if padded else (),
        stateful=Stateful(params=params, stored=stored),
        summary=f"{what}: W, b on {'self.' + params['W'].rpartition('.')[0] if strided else 'self'}"
        + ("; padding (zeros on both sides) after the stride" if padded else ""),
    )


def _pool_sizes(s: Sizes) -> dict[str, Any]:
    h, _ = _width(s["Hout"], s["K"], s["stride"], s["rest"], 0)
    w, _ = _width(s["Wout"], s["K"], s["stride"], s["rest"], 0)
    return {"H": h, "Win": w}


def _pool_entry(name: str, pool: Any, strided: bool, maximum: bool) -> GateSpec:
    sizes = {"N": _FEW, "C": _FEW, "K": _SMALL, "Hout": _SMALL, "Wout": _SMALL, "rest": st.integers(0, 2)}
    sizes.update({"stride": _STRIDE} if strided else {})
    return GateSpec(
        name=name,
        convention=Convention.STATEFUL,
        # ties in a window are max pooling's kink: kept apart
        inputs={"A": Array(("N", "C", "H", "Win"), distinct=maximum)},
        sizes=sizes,
        derive=_fixed(_pool_sizes, strided, False),
        reference=lambda A, **kw: pool(A, kw["kernel"], stride=kw.get("stride", 1)),
        construct=(lambda s: {"kernel": s["K"], "stride": s["stride"]}) if strided else (lambda s: {"kernel": s["K"]}),
        stateful=Stateful(),
        summary=f"{'max' if maximum else 'mean'} pooling, kernel K" + (", stride: the stride-1 pool then Downsample2d" if strided else ", stride 1"),
    )


def _upsample(dims: int) -> Any:
    def reference(A: torch.Tensor, **kw: Any) -> torch.Tensor:
        k = kw["upsampling_factor"]
        shape = (*A.shape[:-dims], *((n - 1) * k + 1 for n in A.shape[-dims:]))
        Z = torch.zeros(shape, dtype=A.dtype)
        if dims == 1:
            Z[..., ::k] = A
        else:
            Z[..., ::k, ::k] = A
        return Z

    return reference


def _downsample(dims: int) -> Any:
    def reference(A: torch.Tensor, **kw: Any) -> torch.Tensor:
        k = kw["downsampling_factor"]
        return A[..., ::k] if dims == 1 else A[..., ::k, ::k]

    return reference


def _resampling(name: str, dims: int, up: bool) -> GateSpec:
    spatial = ("Win",) if dims == 1 else ("H", "Win")
    factor = "upsampling_factor" if up else "downsampling_factor"
    return GateSpec(
        name=name,
        convention=Convention.STATEFUL,
        inputs={"A": Array(("N", "C", *spatial))},
        sizes={"N": _FEW, "C": _FEW, "H": st.integers(1, 5), "Win": st.integers(1, 7), "k": _STRIDE},
        reference=_upsample(dims) if up else _downsample(dims),
        construct=lambda s: {factor: s["k"]},
        stateful=Stateful(),
        summary=("the input at every k-th place of k (W - 1) + 1 zeros" if up else "every k-th entry; backward scatters into the stored width"),
    )


def _flatten(A: torch.Tensor, **_: Any) -> torch.Tensor:
    return A.reshape(A.shape[0], -1)


MYTORCH_HW2: tuple[GateSpec, ...] = (
    _conv_entry("Conv1d_stride1", 1, strided=False, padded=False),
    _conv_entry("Conv1d", 1, strided=True, padded=True),
    _conv_entry("Conv1d", 1, strided=True, padded=False),
    _conv_entry("Conv2d_stride1", 2, strided=False, padded=False),
    _conv_entry("Conv2d", 2, strided=True, padded=True),
    _conv_entry("Conv2d", 2, strided=True, padded=False),
    _pool_entry("MaxPool2d_stride1", F.max_pool2d, strided=False, maximum=True),
    _pool_entry("MeanPool2d_stride1", F.avg_pool2d, strided=False, maximum=False),
    _pool_entry("MaxPool2d", F.max_pool2d, strided=True, maximum=True),
    _pool_entry("MeanPool2d", F.avg_pool2d, strided=True, maximum=False),
    _resampling("Upsample1d", 1, up=True),
    _resampling("Downsample1d", 1, up=False),
    _resampling("Upsample2d", 2, up=True),
    _resampling("Downsample2d", 2, up=False),
    GateSpec(
        name="Flatten", convention=Convention.STATEFUL, inputs={"A": Array(("N", "C", "Win"))},
        sizes={"N": _FEW, "C": _SMALL, "Win": _SMALL}, reference=_flatten, stateful=Stateful(),
        summary="(N, C, W) -> (N, C W); backward reshapes back",
    ),  # fmt: skip
)
