# VARIANT: batchnorm with the simplified closed-form backward dx = gamma*istd/N * (N*dout - sum(dout) - x_hat*sum(dout*x_hat)).
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    if mode == 'train':
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        istd = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * istd
        bn_param['running_mean'] = momentum * running_mean + (1 - momentum) * mu
        bn_param['running_var'] = momentum * running_var + (1 - momentum) * var
    elif mode == 'test':
        istd = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * istd
        bn_param['running_mean'] = running_mean
        bn_param['running_var'] = running_var
    else:
        raise ValueError(mode)
    out = gamma * x_hat + beta
    return out, (mode, x_hat, istd, gamma)


def batchnorm_backward(dout, cache):
    mode, x_hat, istd, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if mode == 'test':
        return dout * gamma * istd, dgamma, dbeta
    dx = (gamma * istd / N) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
