# VARIANT: circuit with a dict cache and the add-gate gradient written as an explicit ones_like product.
import numpy as np


def circuit_forward(x, y, z):
    q = x + y
    return q * z, {'q': q, 'z': z, 'shape': np.shape(x)}


def circuit_backward(dout, cache):
    dq = dout * cache['z']
    dz = dout * cache['q']
    ones = np.ones(cache['shape'])
    return ones * dq, ones * dq, dz
