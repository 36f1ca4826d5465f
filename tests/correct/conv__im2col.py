# VARIANT: conv via im2col / col2im (columns built by looping over kernel offsets, col2im scatters with +=), no per-output loops.
import numpy as np


def _im2col(x_pad, HH, WW, stride, H_out, W_out):
    N, C = x_pad.shape[:2]
    cols = np.empty((N, C, HH, WW, H_out, W_out), dtype=x_pad.dtype)
    for r in range(HH):
        for q in range(WW):
            cols[:, :, r, q] = x_pad[:, :, r:r + stride * H_out:stride, q:q + stride * W_out:stride]
    # rows: (C*HH*WW), columns: (N*H_out*W_out)
    return cols.transpose(1, 2, 3, 0, 4, 5).reshape(C * HH * WW, -1)


def _col2im(cols, x_pad_shape, HH, WW, stride, H_out, W_out):
    N, C = x_pad_shape[:2]
    cols = cols.reshape(C, HH, WW, N, H_out, W_out).transpose(3, 0, 1, 2, 4, 5)
    x_pad = np.zeros(x_pad_shape, dtype=cols.dtype)
    for r in range(HH):
        for q in range(WW):
            x_pad[:, :, r:r + stride * H_out:stride, q:q + stride * W_out:stride] += cols[:, :, r, q]
    return x_pad


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _im2col(x_pad, HH, WW, stride, H_out, W_out)
    out = w.reshape(F, -1).dot(cols) + b[:, None]
    out = out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    return out, (x.shape, x_pad.shape, cols, w, conv_param)


def conv_backward_naive(dout, cache):
    x_shape, x_pad_shape, cols, w, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x_shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    dout_r = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    db = dout_r.sum(axis=1)
    dw = dout_r.dot(cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T.dot(dout_r)
    dx_pad = _col2im(dcols, x_pad_shape, HH, WW, stride, H_out, W_out)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
