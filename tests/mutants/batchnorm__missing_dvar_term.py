# BUG: train-mode dx keeps the path through the mean but drops the path through the variance.
# DIAGNOSIS: missing_term term through var
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_centered = x - sample_mean
        std = np.sqrt(sample_var + eps)
        x_hat = x_centered / std
        out = gamma * x_hat + beta

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        cache = (mode, x_hat, x_centered, std, gamma)
    elif mode == 'test':
        std = np.sqrt(running_var + eps)
        x_hat = (x - running_mean) / std
        out = gamma * x_hat + beta
        cache = (mode, x_hat, None, std, gamma)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    mode, x_hat, x_centered, std, gamma = cache
    N = dout.shape[0]

    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    if mode == 'test':
        dx = dx_hat / std
        return dx, dgamma, dbeta

    # backprop through x_hat = (x - mean) / sqrt(var + eps), step by step
    dvar = np.sum(dx_hat * x_centered, axis=0) * -0.5 * std ** -3
    dmean = -np.sum(dx_hat, axis=0) / std + dvar * -2.0 * np.mean(x_centered, axis=0)
    dx = dx_hat / std + dmean / N
    return dx, dgamma, dbeta
