"""gradgate's stand-ins for the course's fast_layers agree with torch, so replacing the course's file
cannot change a student's verdict."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gradgate.checks import course_layers


@pytest.mark.parametrize(
    ("N", "C", "H", "W", "F_", "HH", "WW", "stride", "pad"),
    [(2, 3, 5, 5, 2, 3, 3, 2, 1), (1, 2, 4, 6, 3, 1, 2, 1, 0), (2, 1, 7, 5, 2, 3, 3, 3, 1), (1, 1, 1, 1, 1, 1, 1, 1, 0)],
)
def test_conv_matches_torch(N: int, C: int, H: int, W: int, F_: int, HH: int, WW: int, stride: int, pad: int) -> None:
    rng = np.random.default_rng(N * 100 + H)
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F_, C, HH, WW)), rng.standard_normal(F_)
    out, cache = course_layers.FAST_LAYERS["conv_forward_fast"](x, w, b, {"stride": stride, "pad": pad})
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    dout = rng.standard_normal(ref.shape)
    ref.backward(torch.tensor(dout))
    dx, dw, db = course_layers.FAST_LAYERS["conv_backward_fast"](dout, cache)
    for mine, theirs in ((out, ref.detach()), (dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("H", "W", "ph", "pw", "stride"), [(4, 4, 2, 2, 2), (5, 5, 3, 2, 1), (6, 5, 2, 3, 2), (3, 3, 1, 1, 1)])
def test_max_pool_matches_torch(H: int, W: int, ph: int, pw: int, stride: int) -> None:
    rng = np.random.default_rng(H * 10 + W)
    x = rng.standard_normal((2, 3, H, W))
    out, cache = course_layers.FAST_LAYERS["max_pool_forward_fast"](x, {"pool_height": ph, "pool_width": pw, "stride": stride})
    xt = torch.tensor(x, requires_grad=True)
    ref = F.max_pool2d(xt, (ph, pw), stride=stride)
    dout = rng.standard_normal(ref.shape)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(course_layers.FAST_LAYERS["max_pool_backward_fast"](dout, cache), xt.grad.numpy(), atol=1e-15)


def test_max_pool_ties_share_the_gradient() -> None:
    x = np.zeros((1, 1, 2, 2))
    out, cache = course_layers.FAST_LAYERS["max_pool_forward_fast"](x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = course_layers.FAST_LAYERS["max_pool_backward_fast"](np.ones_like(out), cache)
    assert dx.sum() == 1.0 and np.all(dx == 0.25)
