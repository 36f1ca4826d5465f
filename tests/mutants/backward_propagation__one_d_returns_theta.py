# BUG: the one-dimensional backward_propagation(x, theta) of J = theta * x returns theta where dJ/dtheta is x.
def forward_propagation(x, theta):
    J = theta * x
    return J


def backward_propagation(x, theta):
    dtheta = theta
    return dtheta
