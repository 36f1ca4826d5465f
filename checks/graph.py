"""The computational graph of one example, for the report: every node's value and gradient from
torch, the student's gradient beside it at the inputs, and the first node, going backward from the
output as backprop does, where the student disagrees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from gradgate.gates.spec import Array, GateSpec, Labels, evaluate

from .examples import Example
from .numeric import elementwise_error
from .results import Check, GraphNode
from .tolerances import FAIL_ABOVE


def trace(
    spec: GateSpec,
    example: Example,
    dout: np.ndarray,
    student: dict[str, np.ndarray],
    jsonable: Callable[[Any], Any],
) -> list[GraphNode]:
    env: dict[str, Any] = dict(spec.construct(example.sizes)) if spec.construct else {}
    leaves: dict[str, torch.Tensor] = {}
    for name, inp in spec.inputs.items():
        value = example.values[name]
        if isinstance(inp, Array):
            env[name] = torch.tensor(value, dtype=torch.float64, requires_grad=inp.differentiable)
            if inp.differentiable:
                leaves[name] = env[name]
        elif isinstance(inp, Labels):
            env[name] = torch.as_tensor(value, dtype=torch.int64)
    values = evaluate(spec.graph, env)
    for tensor in values.values():
        if tensor.requires_grad:
            tensor.retain_grad()
    out = values[spec.graph[-1].name]
    out.backward(torch.as_tensor(np.asarray(dout, dtype=np.float64).reshape(out.shape)))

    nodes = []
    for name, inp in spec.inputs.items():
        if isinstance(inp, (Array, Labels)):
            grad = leaves[name].grad if name in leaves else None
            node = GraphNode(name, None, [], jsonable(example.values[name]), None if grad is None else jsonable(grad.numpy()))
            if name in student and grad is not None:
                node.student_grad = jsonable(student[name])
                err = elementwise_error(student[name], grad.numpy())
                # NaN or inf from the student is as wrong as an entry can be (the error is at most 1)
                node.rel_error = float(np.where(np.isfinite(err), err, 1.0).max(initial=0.0))
            nodes.append(node)
    for gnode in spec.graph:
        tensor = values[gnode.name]
        grad = tensor.grad if tensor.requires_grad else None
        nodes.append(
            GraphNode(gnode.name, gnode.op, list(gnode.inputs), jsonable(tensor.detach().numpy()),
                      None if grad is None else jsonable(grad.numpy()))  # fmt: skip
        )
    # Backward order: the output first, then inputs in reverse; the first disagreement is marked.
    for node in reversed(nodes):
        if node.rel_error is not None and node.rel_error > FAIL_ABOVE[Check.BACKWARD_TORCH]:
            node.disagrees = True
            break
    return nodes
