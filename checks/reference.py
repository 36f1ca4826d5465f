"""The PyTorch reference: the spec's forward in float64, autograd for the vector-Jacobian product."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from gradgate.gates.spec import Array, GateSpec, Labels


class Reference:
    """The reference output for one example, and its VJP for any upstream gradient."""

    def __init__(
        self, spec: GateSpec, values: Mapping[str, Any], sizes: Mapping[str, Any], fn: Callable[..., Any] | None = None,
        observed: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """`fn`: the reference forward to use (one of the spec's variants); by default its first.
        `observed`: what the student's forward drew itself (its dropout masks), as keyword arguments."""
        self.spec = spec
        self.leaves: list[torch.Tensor] = []
        self.fixed: dict[str, Any] = {}  # the non-array arguments as the reference left them
        args: list[Any] = []
        for name, inp in spec.inputs.items():
            if name not in values:  # an optional input this example goes without
                args.append(None)
                continue
            value = values[name]
            if isinstance(inp, Array):
                tensor = torch.tensor(value, dtype=torch.float64, requires_grad=inp.differentiable)
                if inp.differentiable:
                    self.leaves.append(tensor)
                args.append(tensor)
            elif isinstance(inp, Labels):
                args.append(torch.as_tensor(value, dtype=torch.int64))
            else:
                self.fixed[name] = copy.deepcopy(value)
                args.append(self.fixed[name])
        kwargs = dict(spec.construct(sizes)) if spec.construct else {}
        kwargs.update({k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in (observed or {}).items()})
        forward = fn if fn is not None else next(iter(spec.references.values()))
        out = forward(*args, **kwargs)
        # Several outputs (lstm_step's next_h, next_c) are one vector, as the layer-pair adapter sees them.
        self._out = torch.cat([o.reshape(-1) for o in out]) if isinstance(out, (tuple, list)) else out
        # the shape of each output, in order (one entry for a single output)
        self.parts = [tuple(o.shape) for o in out] if isinstance(out, (tuple, list)) else [tuple(out.shape)]
        self.out = self._out.detach().numpy().copy()

    def vjp(self, dout: np.ndarray) -> tuple[np.ndarray, ...]:
        # the gradient of sum(out * dout), not autograd.grad(out, grad_outputs=dout): the same values
        # (d sum = 1, times dout, exactly), and torch's first call with grad_outputs imports sympy (0.3 s)
        weighted = (self._out * torch.as_tensor(np.asarray(dout, dtype=np.float64).reshape(self.out.shape))).sum()
        grads = torch.autograd.grad(weighted, self.leaves, retain_graph=True, allow_unused=True)
        return tuple(
            np.zeros(leaf.shape) if g is None else g.detach().numpy().copy()
            for g, leaf in zip(grads, self.leaves, strict=True)
        )

    def flowing(self, dout: np.ndarray) -> float:
        """The largest gradient entry anywhere in the reference's graph for `dout`: the size of the
        terms an input's gradient sums, and so of the rounding residue left where they cancel to zero
        by structure (a conv bias in front of batchnorm, whose terms grow as the batch's spread shrinks,
        however small the final gradients are)."""
        largest = 0.0

        def hook(grad_inputs: tuple[torch.Tensor | None, ...], grad_outputs: tuple[torch.Tensor | None, ...]) -> None:
            nonlocal largest
            for g in (*grad_inputs, *grad_outputs):
                if g is not None and g.numel():
                    largest = max(largest, float(g.detach().abs().max()))

        seen: set[Any] = set()
        handles = []
        stack = [self._out.grad_fn]
        while stack:
            node = stack.pop()
            if node is None or node in seen:
                continue
            seen.add(node)
            handles.append(node.register_hook(hook))
            stack.extend(parent for parent, _ in node.next_functions)
        try:
            self.vjp(dout)
        finally:
            for handle in handles:
                handle.remove()
        return largest

