"""The reproduction snippet: Python that reproduces a result's minimal failing example against the
student's file, shown on the page under the example and runnable as it is.

calling.py says how the student's code is called and literal.py writes the values; this module puts
the script together, check by check, so that it ends in the assertion that fails while the bug is there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gradgate.checks.conventions import EXPRESSION, Convention
from gradgate.gates import REGISTRY
from gradgate.checks.discover import NAMESPACE
from gradgate.checks.results import Check
from gradgate.checks.tolerances import FAIL_ABOVE

from . import calling
from .literal import literal
from .schema import is_array, to_numpy

SNIPPET_VALUES = 4096  # entries of one array written into a snippet; larger ones load from the JSON


def _size(value: Any) -> int:
    if is_array(value):
        return int(to_numpy(value).size)
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    return 0


def _expected_shape(message: str) -> tuple[int, ...] | None:
    """The shape a contract message says was expected ("... returned shape (1, 2), expected (1, 3)")."""
    found = re.search(r"expected \(([\d, ]*)\)", message)
    if found is None:
        return None
    return tuple(int(n) for n in found.group(1).replace(" ", "").split(",") if n)


def _comment(text: str) -> str:
    return "\n".join("# " + line if line else "#" for line in text.splitlines()) or "#"


def _engine_forward(cls: str, inputs: Mapping[str, Any], grads: list[str]) -> list[str]:
    """A scalar engine's expression as a function of its inputs: a `cls` per entry of the
    differentiable ones, plain numbers for the others (checks.scalar_engine)."""
    args = [k for k in inputs if k != EXPRESSION]
    out = [f"def build({', '.join(args)}):", f"    # gradgate's leaves: a {cls} per entry of {', '.join(grads) or 'none'}; the other inputs are plain numbers"]
    for k in args:
        value = inputs[k]
        many = is_array(value) and to_numpy(value).ndim > 0  # (a scalar input is a plain number in the JSON)
        if k not in grads and not is_array(value):
            continue  # a number or an exponent, as it is
        make = cls if k in grads else "float"
        out.append(f"    {k} = [{make}(float(v)) for v in np.ravel({k})]" if many else f"    {k} = {make}(float({k}))")
    program = inputs.get(EXPRESSION)
    out.extend(f"    {line}" for line in (program if isinstance(program, list) else []))
    out.append(f"    return out, ({''.join(f'{k}, ' for k in grads)})")
    out.append("")
    out.append(f"graph, leaves = build({', '.join(args)})")
    out.append("out = np.array(graph.data)")
    return out


def _leaf(name: str) -> str:
    return f'Tensor({name}, dtype="float64")'


def _op_forward(cls: str, construct: Mapping[str, Any], grads: list[str]) -> list[str]:
    """A needle TensorOp (checks.tensor_op): constructed with the drawn arguments (a JSON list back
    to the tuple it was), called on leaf Tensors, the node's data read back."""
    values = [tuple(v) if isinstance(v, list) else v for v in construct.values()]
    return [
        f"arguments = {literal(values, 'arguments = ')}  # {', '.join(construct) or 'none'}",
        f"op = {cls}(*arguments)",
        f"node = op({', '.join(_leaf(k) for k in grads)})",
        "out = node.numpy()",
    ]


def _module_params(gate: str) -> dict[str, str]:
    """A needle nn module entry's parameters: input -> the attribute under the course's name."""
    return next((dict(s.stateful.params) for s in REGISTRY if s.name == gate and s.convention is Convention.NN_MODULE
                 and s.stateful is not None), {})  # fmt: skip


def _module_call(inputs: Mapping[str, Any], gate: str) -> str:
    return f"module({', '.join(f'{k}_t' for k in inputs if k not in _module_params(gate))})"


def _module_forward(cls: str, construct: Mapping[str, Any], inputs: Mapping[str, Any], gate: str) -> list[str]:
    """A needle nn module (checks.nn_module): constructed with the drawn arguments, its parameters
    set to gradgate's values under the course's names, called on leaf Tensors."""
    params = _module_params(gate)
    values = [tuple(v) if isinstance(v, list) else v for v in construct.values()]
    lines = [f"arguments = {literal(values, 'arguments = ')}  # {', '.join(construct) or 'none'}", f"module = {cls}(*arguments)"]
    for k in inputs:
        made = _leaf(k) if is_array(inputs[k]) and to_numpy(inputs[k]).dtype.kind == "f" else f"Tensor({k})"
        lines.append(f"module.{params[k]} = {k}_t = {made}" if k in params else f"{k}_t = {made}")
    lines.append(f"node = {_module_call(inputs, gate)}")
    lines.append("out = node.numpy()")
    return lines


def snippet(data: Mapping[str, Any], index: int, json_name: str = "report.json") -> str:
    """Python that reproduces result `index`'s minimal failing example against the student's file.

    It builds the inputs with np.array(...) (exact values), imports the student's code from its
    module, calls forward then backward with the recorded dout, and ends in an assertion that fails
    (or the student's own exception) while the bug is there.
    """
    result = data["results"][index]
    cex = result["counterexample"]
    inputs: dict[str, Any] = dict(cex["inputs"])
    known = calling.differentiable(result, inputs)
    grads = known or []
    convention = calling.convention(result, inputs, grads)
    check = cex["check"]
    failing = cex.get("input")
    declared_outputs = result.get("outputs")
    outputs = declared_outputs if isinstance(declared_outputs, int) and declared_outputs > 1 else 1
    impl = str(result["implementation"])
    configuration = result.get("configuration")
    if isinstance(configuration, str) and impl.endswith(f"[{configuration}]"):
        impl = impl[: -len(configuration) - 2]  # the class, without the configuration it was checked in
    folder, module = calling.module(str(data.get("target", "")), str(result.get("source", "")))
    forward, backward = calling.pair_names(str(result["gate"]), impl)

    lines: list[str] = []
    add = lines.append
    add(f"# gradgate: minimal failing example for {result['gate']} ({impl}), seed {data.get('seed')}")
    add(_comment(f"{check}: {cex.get('message', '')}"))
    add("# Run it from the folder gradgate ran in: the path below is the one gradgate saw.")
    big = [k for k, v in inputs.items() if _size(v) > SNIPPET_VALUES]
    if cex.get("dout") is not None and _size(cex["dout"]) > SNIPPET_VALUES:
        big.append("dout")
    needs_inspect = convention == "model" and calling.construct(result) is None
    if needs_inspect:
        add("import inspect")
    if big:
        add("import json")
    add("import sys")
    add("")
    add("import numpy as np")
    add("")
    steps = calling.step_lines(str(result["gate"]), impl, list(inputs), grads) if convention == "functions" else None
    names = f"{forward}, {backward}" if convention == "layer pair" else ", ".join(steps.names) if steps else impl
    if convention == "scalar engine":
        names = impl.split(".", 1)[0]  # Value.__mul__: the class
    if convention in ("tensor op", "nn module"):
        names = f"{impl}, Tensor"  # the op (or module) and the needle Tensor its module has (from autograd)
    if result.get("source") == NAMESPACE:
        add(f"# Run it in the notebook whose kernel defines {names}.")
    elif str(result.get("source", "")).endswith(".ipynb"):
        add(f"sys.path.insert(0, {folder!r})")
        # a notebook is no module: its definitions, read as gradgate read them, without running it
        add("from gradgate import load_notebook")
        add(f"nb = load_notebook({str(result.get('source'))!r})")
        add(f"{names} = {', '.join(f'nb.{n.strip()}' for n in names.split(','))}")
    else:
        add(f"sys.path.insert(0, {folder!r})")
        add(f"from {module} import {names}")
    add("")
    if big:
        add(f"report = json.load(open({json_name!r}))  # the JSON report this page was made from")
        add(f"example = report['results'][{index}]['counterexample']")

    def assign(name: str, value: Any, path: str) -> None:
        if name in big:
            dtype = "" if to_numpy(value).dtype.kind == "i" else ", dtype=float"
            add(f"{name} = np.array({path}['values']{dtype}).reshape({tuple(value['shape'])!r})")
        else:
            add(f"{name} = {literal(value, name + ' = ')}")

    for k, v in inputs.items():
        assign(k, v, f"example['inputs'][{k!r}]")
    dout = cex.get("dout")
    if dout is not None:
        assign("dout", dout, "example['dout']")
    add("")
    if convention == "functions" and steps is None:
        # a registry entry this gradgate does not have: the inputs above, with the message
        add(_comment(f"gradgate: {cex.get('message', '')}"))
        return "\n".join(lines) + "\n"

    args = ", ".join(inputs)
    grad_names = [f"d{k}" for k in grads]
    arrays = [k for k, v in inputs.items() if is_array(v)]
    mutation_of = failing if check == Check.MUTATION.value else None
    if mutation_of in arrays:
        add(f"{mutation_of}_before = {mutation_of}.copy()")

    # forward
    if convention == "layer pair":
        if outputs > 1:
            outs = [f"out{n}" for n in range(1, outputs + 1)]
            add(f"{', '.join(outs)}, cache = {forward}({args})")
            add("# gradgate sees one output: the outputs flattened and concatenated")
            add(f"out = np.concatenate([{', '.join(f'np.ravel({o})' for o in outs)}])")
        else:
            add(f"out, cache = {forward}({args})")
    elif convention == "gate class":
        add(f"gate = {impl}()")
        add(f"out = gate.forward({args})")
    elif steps is not None:
        lines.extend(steps.forward)
    elif convention == "scalar engine":
        lines.extend(_engine_forward(names, inputs, grads))
    elif convention == "tensor op":
        lines.extend(_op_forward(impl, calling.construct(result) or {}, grads))
    elif convention == "nn module":
        lines.extend(_module_forward(impl, calling.construct(result) or {}, inputs, str(result["gate"])))
    elif convention == "loss function":
        unpack = (grad_names[0] if len(grad_names) == 1 else "(" + ", ".join(grad_names) + ",)") if grad_names else "grads"
        add(f"out, {unpack} = {impl}({args})  # (loss, gradient)")
    else:
        construct = calling.construct(result)
        if construct is not None:
            add(f"model = {impl}(**{literal(construct, '')})")
        else:
            add("# gradgate's JSON does not record the constructor arguments it used: pass the drawn sizes")
            add("# the constructor has a parameter for (reg, ...); the weights are set below anyway")
            add(f"sizes = {literal(cex.get('sizes', {}), 'sizes = ')}")
            add(f"model = {impl}(**{{k: v for k, v in sizes.items() if k in inspect.signature({impl}).parameters}})")
        add("# gradgate's values, in the shapes your constructor made (a (1, D) gamma for the course's (D,))")
        for k in grads:
            add(f"model.params[{k!r}] = {k}.reshape(np.shape(model.params[{k!r}]))")
        data_args = ", ".join(k for k in inputs if k not in grads)
        add(f"out, grads = model.loss({data_args})  # (loss, grads)")

    if mutation_of in arrays:
        add(f"assert np.array_equal({mutation_of}, {mutation_of}_before), 'forward changed its argument {mutation_of} in place'")
        return "\n".join(lines) + "\n"

    reference = "torch" if check in (Check.BACKWARD_TORCH.value, Check.FORWARD.value) else "finite differences"
    compare: str | None = None
    if check == Check.DETERMINISM.value:
        again = {
            "layer pair": f"out2 = {forward}({args})[0]" if outputs == 1 else f"out2 = np.concatenate([np.ravel(o) for o in {forward}({args})[:-1]])",
            "gate class": f"out2 = {impl}().forward({args})",
            "loss function": f"out2 = {impl}({args})[0]",
            "model": f"out2 = model.loss({', '.join(k for k in inputs if k not in grads)})[0]",
            "functions": "\n".join([*steps.forward[:-1], steps.forward[-1].replace("out = ", "out2 = ", 1)]) if steps else "",
            "scalar engine": f"out2 = np.array(build({', '.join(k for k in inputs if k != EXPRESSION)})[0].data)",
            "tensor op": f"out2 = op.__class__(*arguments)({', '.join(_leaf(k) for k in grads)}).numpy()",
            "nn module": f"out2 = {_module_call(inputs, str(result['gate']))}.numpy()",
        }[convention]
        add(again)
        add("assert np.array_equal(out, out2), 'the same input gave a different output on a second forward'")
        return "\n".join(lines) + "\n"
    out_shape = _expected_shape(str(cex.get("message", ""))) if check == Check.CONTRACT.value and failing == "out" else None
    if out_shape is not None:
        add(f"assert np.shape(out) == {out_shape!r}, f'forward returned shape {{np.shape(out)}}, expected {out_shape!r}'")
        return "\n".join(lines) + "\n"
    if check == Check.FORWARD.value and failing in inputs and not is_array(inputs[failing]):
        # a parameter the forward must update (batchnorm's running statistics): the reference's
        # version of it is not in the JSON, only the message
        add(f"print({failing!r}, 'after forward:', {failing})")
        add(_comment(f"gradgate: {cex.get('message', '')}"))
        return "\n".join(lines) + "\n"
    if check == Check.FORWARD.value:
        if is_array(cex.get("expected")):
            compare = "out"
    elif dout is not None:
        # backward
        if mutation_of == "dout":
            add("dout_before = dout.copy()")
        if convention == "layer pair":
            target = ", ".join(grad_names) if len(grad_names) > 1 else (grad_names[0] if grad_names else "grads")
            if outputs > 1:
                douts = [f"dout{n}" for n in range(1, outputs + 1)]
                cuts = ", ".join(" + ".join(f"out{m}.size" for m in range(1, n + 1)) for n in range(1, outputs))
                add(f"{', '.join(douts)} = np.split(dout, [{cuts}])")
                shaped = ", ".join(f"{d}.reshape(out{n}.shape)" for n, d in enumerate(douts, 1))
                add(f"{target} = {backward}({shaped}, cache)")
            else:
                add(f"{target} = {backward}(dout, cache)")
        elif convention == "gate class":
            target = ", ".join(grad_names) if len(grad_names) > 1 else (grad_names[0] if grad_names else "grads")
            add(f"{target} = gate.backward(dout)")
        elif steps is not None:
            lines.extend(steps.backward)
        elif convention == "scalar engine":
            add("graph.backward()")
            add("# gradgate treats the expression as a layer: each leaf's grad, times an upstream gradient dout")
            for n, k in enumerate(grads):
                value = inputs[k]
                many = is_array(value) and to_numpy(value).ndim > 0
                add(f"d{k} = dout * np.array({f'[v.grad for v in leaves[{n}]]' if many else f'leaves[{n}].grad'})")
        elif convention == "tensor op":
            add('grads = op.gradient(Tensor(dout, dtype="float64"), node)')
            add("grads = grads if isinstance(grads, (tuple, list)) else (grads,)")
            add(f"{''.join(g + ', ' for g in grad_names)}= (g.numpy() for g in grads)")
        elif convention == "nn module":
            add('node.backward(Tensor(dout, dtype="float64"))  # needle\'s autograd, through your ops')
            for k in grads:
                add(f"d{k} = {k}_t.grad.numpy()")
        elif convention == "loss function":
            add("# gradgate treats the loss as a layer: its gradient, times an upstream gradient dout")
            for g in grad_names:
                add(f"{g} = dout * {g}")
        else:
            add("# gradgate treats the loss as a layer: its gradients, times an upstream gradient dout")
            for k in grads:
                add(f"d{k} = dout * np.reshape(grads[{k!r}], np.shape({k}))")
        if mutation_of == "dout":
            add("assert np.array_equal(dout, dout_before), 'backward changed dout in place'")
            return "\n".join(lines) + "\n"
        if mutation_of == "cache" and convention in ("layer pair", "gate class"):
            call = f"{backward}(dout.copy(), cache)" if convention == "layer pair" else "gate.backward(dout.copy())"
            add(f"again = {call}")
            first = "(" + ", ".join(grad_names) + ",)" if len(grad_names) != 1 else f"({grad_names[0]},)"
            add("again = again if isinstance(again, tuple) else (again,)")
            add(f"assert all(np.array_equal(a, b) for a, b in zip({first}, again)), "
                "'a second backward on the same cache gave different gradients'")
            return "\n".join(lines) + "\n"
        if failing in grad_names and is_array(cex.get("expected")):
            compare = failing
    if compare is not None:
        limit = FAIL_ABOVE[Check.FORWARD if check == Check.FORWARD.value else (Check.BACKWARD_TORCH if reference == "torch" else Check.BACKWARD_FD)]
        add("")
        source = "finite differences of your forward"
        if reference == "torch":
            source = "the torch reference" if check == Check.FORWARD.value else "torch autograd"
        variant = result.get("variant")
        add(f"# what {source} gives for {compare} here" + (f" (its variant {variant})" if isinstance(variant, str) else ""))
        assign_name = f"{compare}_expected"
        if _size(cex["expected"]) > SNIPPET_VALUES:
            big.append(assign_name)
        assign(assign_name, cex["expected"], "example['expected']")
        add(f"known = np.isfinite({assign_name})  # NaN where finite differences sit on a kink")
        add(f"rel = np.abs({compare} - {assign_name}) / np.maximum(1e-8, np.abs({compare}) + np.abs({assign_name}))")
        add("worst = float(np.max(rel[known], initial=0.0))")
        add(f"print('{compare} yours   ', {compare})")
        add(f"print('{compare} expected', {assign_name})")
        add(f"assert worst <= {limit!r}, f'{compare} is wrong: max relative error {{worst:.1e}}'")
    elif check == Check.CONTRACT.value and grad_names and dout is not None:
        add("")
        for k, g in zip(grads, grad_names, strict=True):
            add(f"assert np.shape({g}) == np.shape({k}) and np.all(np.isfinite({g})), "
                f"f'{g}: shape {{np.shape({g})}}, expected {{np.shape({k})}}, finite: {{np.all(np.isfinite({g}))}}'")
    elif check == Check.CONTRACT.value and dout is not None and convention in ("layer pair", "gate class"):
        floats = [k for k in arrays if to_numpy(inputs[k]).dtype.kind == "f"]
        add("")
        add("# which inputs get a gradient is not in gradgate's JSON: the array inputs, in order")
        add("grads = grads if isinstance(grads, (tuple, list)) else (grads,)")
        add(f"for name, g, a in zip({floats!r}, grads, ({', '.join(floats)},)):")
        add("    print(f'd{name}: shape {np.shape(g)}, expected {np.shape(a)}')")
        add("    assert np.shape(g) == np.shape(a) and np.all(np.isfinite(g)), "
            "f'd{name}: shape {np.shape(g)}, expected {np.shape(a)}, finite: {bool(np.all(np.isfinite(g)))}'")
    return "\n".join(lines) + "\n"
