"""How the reproduction snippet calls the student's code, from what the JSON records or implies: the
calling convention, the differentiated inputs, a model's constructor arguments, the module to import
from, a layer pair's two names, and the calls of a plain-functions implementation (deeplearning.ai's
L_model_forward, compute_cost, L_model_backward), written out from its registry entry's `Steps`
(the report's JSON names the gate, not the calls).

Reports written before the engine recorded a field (`convention`, `differentiable`, `construct`)
still get a snippet: the field is inferred from the names and the checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from gradgate.checks.conventions import Call, Convention, Steps
from gradgate.checks.results import Check

from .schema import is_array, to_numpy


def convention(result: Mapping[str, Any], inputs: Mapping[str, Any], differentiable: Sequence[str]) -> str:
    """How the student's code is called: recorded by the engine; inferred for reports that predate it."""
    declared = result.get("convention")
    if isinstance(declared, str):
        return declared
    impl = str(result["implementation"])
    if impl.endswith(("_forward", "_forward_naive")) or impl.startswith(f"{result['gate']}_backward"):
        return "layer pair"
    if impl[:1].isupper():
        arrays = [k for k, v in inputs.items() if is_array(v)]
        labels = [k for k in arrays if to_numpy(inputs[k]).dtype.kind == "i"]
        if labels or (differentiable and any(k not in differentiable for k in arrays)):
            return "model"
        return "gate class"
    return "loss function"


def differentiable(result: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[str] | None:
    """The differentiated inputs in call order, None if the JSON does not tell.

    The finite-difference check names them all (its input is the joint direction "dx,dw,db"), and so
    do the backward-vs-torch checks together; a run that stopped at a contract failure names neither.
    """
    for holder in (result.get("counterexample") or {}, result):
        declared = holder.get("differentiable")
        if isinstance(declared, list):
            return [str(k) for k in declared]
    fd = [c for c in result.get("checks", []) if c.get("check") == Check.BACKWARD_FD.value and c.get("input")]
    torch = [str(c["input"]) for c in result.get("checks", []) if c.get("check") == Check.BACKWARD_TORCH.value and c.get("input")]
    grads = [g.strip() for g in str(fd[0]["input"]).split(",")] if fd else torch
    if not grads:
        return None
    names = {g[1:] for g in grads if g.startswith("d")}
    return [k for k in inputs if k in names]


def construct(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """A model's constructor arguments, where the JSON records them (a counterexample of a model)."""
    for holder in (result.get("counterexample") or {}, result):
        construct = holder.get("construct")
        if isinstance(construct, dict):
            return construct
    return None


def module(target: str, source: str) -> tuple[str, str]:
    """(folder for sys.path, module name) of the student's file, as discovery imported it."""
    src, tgt = PurePath(source), PurePath(target)
    if "needle" in src.parts[:-1]:  # CMU 10-714: the package is imported as `needle` from the folder above it
        at = len(src.parts) - 2 - src.parts[:-1][::-1].index("needle")
        parts = list(src.with_suffix("").parts[at:])
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(p.isidentifier() for p in parts):
            return str(PurePath(*src.parts[:at])), ".".join(parts)
    if src != tgt and tgt in src.parents:
        parts = list(src.relative_to(tgt).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            return str(tgt), ".".join(parts)
    return str(src.parent), src.stem


def pair_names(gate: str, label: str) -> tuple[str, str]:
    """(forward, backward) of a layer pair from its label: the forward's name, or an alternative
    backward's name (batchnorm_backward_alt, beside batchnorm_forward), as discovery labels them."""
    for suffix in ("_forward_naive", "_forward"):
        if label.endswith(suffix):
            return label, label[: -len(suffix)] + suffix.replace("forward", "backward")
    if "_forward_" in label:  # a forward of the student's own suffix (batchnorm_forward_alt)
        return label, label.replace("_forward_", "_backward_", 1)
    return f"{gate}_forward", label


@dataclass(frozen=True)
class StepLines:
    names: list[str]  # the functions to import, the implementation last
    forward: list[str]  # ends with `out = ...`
    backward: list[str]  # ends with the d{input} of each differentiable input, times dout


def _steps(gate: str) -> Steps | None:
    from gradgate.gates import REGISTRY  # the registry loads torch: only for a report that needs it

    return next((s.steps for s in REGISTRY if s.name == gate and s.convention is Convention.FUNCTIONS and s.steps), None)


def step_lines(gate: str, impl: str, inputs: Sequence[str], grads: Sequence[str]) -> StepLines | None:
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
