"""Working stand-ins for the course's fast_layers (course-provided, not the student's work).

The course's fast_layers needs a compiled Cython extension that students rarely build, and many
submissions leave it out: the composites (conv_relu_pool_forward) and ThreeLayerConvNet that call
it could then not be checked at all. gradgate puts these numpy versions in its place (same names,
same arguments and results; the cache is their own), so the student's code around them is checked.
They run in the sandbox's child process too: numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _windows(x: np.ndarray, height: int, width: int, stride: int) -> np.ndarray:
    """(N, C, Ho, Wo, height, width) views of x's windows at the stride."""
    return sliding_window_view(x, (height, width), axis=(2, 3))[:, :, ::stride, ::stride]


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    stride, pad = conv_param["stride"], conv_param["pad"]
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _windows(padded, w.shape[2], w.shape[3], stride)
    # b.reshape(-1), as the course's conv_forward_strides adds it: a (1, F) bias works there too
    out = np.einsum("nchwij,fcij->nfhw", cols, w) + np.reshape(b, -1)[None, :, None, None]
    return out, (x, w, b, conv_param)


def conv_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _windows(padded, HH, WW, stride)
    Ho, Wo = dout.shape[2], dout.shape[3]
    dw = np.einsum("nfhw,nchwij->fcij", dout, cols)
    db = dout.sum(axis=(0, 2, 3))
    dpadded = np.zeros_like(padded)
    for i in range(HH):
        for j in range(WW):
            dpadded[:, :, i : i + stride * Ho : stride, j : j + stride * Wo : stride] += np.einsum(
                "nfhw,fc->nchw", dout, w[:, :, i, j]
            )
    return dpadded[:, :, pad : pad + H, pad : pad + W], dw, db


def max_pool_forward(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Any]:
    windows = _windows(x, pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"])
    return windows.max(axis=(4, 5)), (x, pool_param)


def max_pool_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    x, pool_param = cache
    height, width, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    windows = _windows(x, height, width, stride)
    N, C, Ho, Wo = dout.shape
    flat = windows.reshape(N, C, Ho, Wo, height * width)
    # Ties share the gradient equally, as the course's own max_pool_backward_reshape does.
    mask = (flat == flat.max(axis=4, keepdims=True)).astype(x.dtype)
    mask /= mask.sum(axis=4, keepdims=True)
    share = (mask * dout[..., None]).reshape(N, C, Ho, Wo, height, width)
    dx = np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * stride : i * stride + height, j * stride : j * stride + width] += share[:, :, i, j]
    return dx


# fast_layers' names (conventions.STAFF_API) and what stands in for each
FAST_LAYERS = {
    **{f"conv_forward_{kind}": conv_forward for kind in ("fast", "im2col", "strides")},
    **{f"conv_backward_{kind}": conv_backward for kind in ("fast", "im2col", "strides")},
    **{f"max_pool_forward_{kind}": max_pool_forward for kind in ("fast", "im2col", "reshape")},
    **{f"max_pool_backward_{kind}": max_pool_backward for kind in ("fast", "im2col", "reshape")},
}
