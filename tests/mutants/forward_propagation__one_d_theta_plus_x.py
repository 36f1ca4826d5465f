# BUG: the one-dimensional forward_propagation(x, theta) adds where J = theta * x multiplies.
def forward_propagation(x, theta):
    J = theta + x
    return J
