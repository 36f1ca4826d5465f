"""The calls of a plain-functions implementation (deeplearning.ai's L_model_forward, compute_cost,
L_model_backward) written out for the HTML report's reproduction snippet, from its registry
entry's `Steps` (the report's JSON names the gate, not the calls)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gradgate.checks.conventions import Call, Convention, Steps


@dataclass(frozen=True)
class StepLines:
    names: list[str]  # the functions to import, the implementation last
    forward: list[str]  # ends with `out = ...`
    backward: list[str]  # ends with the d{input} of each differentiable input, times dout


def _steps(gate: str) -> Steps | None:
    from gradgate.gates import REGISTRY  # the registry loads torch: only for a report that needs it

    return next((s.steps for s in REGISTRY if s.name == gate and s.convention is Convention.FUNCTIONS and s.steps), None)


def lines(gate: str, impl: str, inputs: Sequence[str], grads: Sequence[str]) -> StepLines | None:
    """The snippet's calls, or None where the registry has no such entry (a report of another version)."""
    steps = _steps(gate)
    if steps is None:
        return None

    def call(c: Call) -> str:
        results = ", ".join(c.results)
        return f"{results} = {c.function or impl}({', '.join(c.arguments)})"

    forward = [f"{name} = {{{', '.join(f'{k!r}: {k}' for k in keys if k in inputs)}}}" for name, keys in steps.packs.items()]
    forward += [call(c) for c in steps.forward]
    for name, layout in steps.unpack.items():
        forward.append(f"({', '.join(layout)},) = {name}")
    forward.append(f"out = {steps.output}")
    backward: list[str] = []
    if steps.backward is not None:
        backward.append(call(steps.backward))
        result = steps.backward.results[0]
        backward.append("# gradgate treats the cost as a layer: its gradients, times an upstream gradient dout")
        backward += [f"d{k} = dout * {result}[{steps.grads.get(k, f'd{k}')!r}]" for k in grads]
    names = [c.function for c in (*steps.forward, steps.backward) if c is not None and c.function]
    return StepLines([*dict.fromkeys(names), impl], forward, backward)
