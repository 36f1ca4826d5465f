"""micrograd-style scalar engines (checks.scalar_engine, gates/micrograd.py) end to end: discovery by
shape, ops a class lacks listed as not checked, a student's exception as an error at their line, the
sandbox agreeing, notebooks, the JSON schema and the reproduction snippet. (That the student-style
and unusual correct engines pass over several seeds and every mutant fails is test_corpus's: the
files carry the cases.)"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import numpy as np
import pytest
import torch
from gradgate import jsonreport
from gradgate import report as htmlreport
from gradgate.checks.engine import run
from gradgate.checks.expression import evaluate, methods_used
from gradgate.checks.results import Status
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import COURSES, REGISTRY
from gradgate.gates.micrograd import GRAPHS, MICROGRAD
from gradgate.gates.spec import EXPRESSION, Fixed
from nbformat.v4 import new_code_cell, new_notebook

from gradgate.cli import main

from .conftest import MUTANTS, ROOT, STUDENT

ENGINE = STUDENT / "micrograd.py"


def _value_class() -> type:
    spec = importlib.util.spec_from_file_location("_student_micrograd", ENGINE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Value  # type: ignore[no-any-return]


Value = _value_class()
NAMES = {s.name for s in MICROGRAD}

# Karpathy's lecture, up to where it has + and * and backward: nothing else yet.
PARTIAL = '''
import math

class Value:
    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()
        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
'''


def _only(*names: str) -> list:  # type: ignore[type-arg]
    return [s for s in REGISTRY if s.name in names]


def test_an_engine_with_only_add_and_mul_is_checked_for_those_and_lists_the_rest_as_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "engine.py"
    path.write_text(PARTIAL)
    report = run(path, examples=10, seed=0, timeout=20)
    assert report.error is None
    checked = {r.gate for r in report.results}
    assert checked == {"value_add", "value_add_number", "value_mul", "value_mul_number", "value_add_self", "value_mul_self",
                       "value_shared", "value_diamond"}, checked  # fmt: skip
    assert all(r.status is Status.PASS for r in report.results), [(r.implementation, r.message) for r in report.results]
    reasons = {u.name: u.reason for u in report.unchecked}
    # (sigmoid and log, beyond the lecture's operations, are not listed for a class without them)
    assert set(reasons) == {f"Value.{s.ops.label}" for s in MICROGRAD if s.name not in checked and not s.ops.optional}  # type: ignore[union-attr]
    assert "Value.sigmoid" not in reasons and "Value.log" not in reasons
    assert reasons["Value.tanh"] == "not checked: Value has no tanh"
    assert reasons["Value.__rmul__"] == "not checked: Value has no __rmul__"
    assert "__neg__" in reasons["Value.backward[graph]"] and "__truediv__" in reasons["Value.backward[graph]"]
    assert all(u.kind.value == "implementation" for u in report.unchecked)


# nanograd's spelling of relu, an operation no entry checks, and a subclass that only tells
# parameters apart (its operations are its base's)
OWN_WAYS = PARTIAL + '''
    def reLU(self):
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')
        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def softplus(self):
        out = Value(math.log1p(math.exp(self.data)), (self,), 'softplus')
        def _backward():
            self.grad += out.grad / (1 + math.exp(-self.data))
        out._backward = _backward
        return out

    def __repr__(self):
        return f"Value(data={self.data})"


class Weight(Value):
    def __init__(self, data, _children=(), _op=''):
        super().__init__(data, _children, _op)
        self.decay = 0.0
'''


def test_an_operation_is_found_as_the_class_spells_it_and_one_no_entry_checks_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "engine.py"
    path.write_text(OWN_WAYS)
    report = run(path, examples=10, seed=0, timeout=20, registry=_only("value_relu", "value_mul", "value_sigmoid"))
    assert report.error is None
    assert [(r.implementation, r.status.value) for r in report.results] == [("Value.__mul__", "pass"), ("Value.reLU", "pass")]
    reasons = {u.name: u.reason for u in report.unchecked}
    assert set(reasons) == {"Value.softplus"}, reasons  # no Weight rows, no sigmoid row, no __repr__ row
    assert reasons["Value.softplus"].startswith("not checked: gradgate has no entry for a Value.softplus operation")
    # a class that lacks relu in every spelling is still told so
    (tmp_path / "engine.py").write_text(PARTIAL)
    assert {u.name: u.reason for u in run(path, examples=5, seed=0, timeout=20, registry=_only("value_relu")).unchecked} == {
        "Value.relu": "not checked: Value has no relu"}  # fmt: skip


def test_discovery_goes_by_shape_not_by_name(tmp_path: Path) -> None:
    (tmp_path / "scalar.py").write_text(PARTIAL.replace("Value", "Scalar"))
    (tmp_path / "other.py").write_text(
        "class Value:\n"  # a Value that is no autograd scalar: no grad, no backward
        "    def __init__(self, data):\n        self.data = data\n"
        "    def __add__(self, other):\n        return Value(self.data + other.data)\n"
        "    def __mul__(self, other):\n        return Value(self.data * other.data)\n\n\n"
        "class Neuron:\n"  # micrograd's nn.py: parameters and a call, no engine
        "    def __init__(self, nin):\n        self.w = [0.0] * nin\n        self.grad = None\n"
        "    def __call__(self, x):\n        return sum(x)\n"
        "    def parameters(self):\n        return self.w\n"
    )
    report = run(tmp_path, examples=5, seed=0, timeout=20, registry=_only("value_mul"))
    assert [(r.implementation, r.status.value, Path(r.source).name) for r in report.results] == [("Scalar.__mul__", "pass", "scalar.py")]
    assert not report.unchecked


def test_an_exception_in_the_students_engine_is_an_error_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "engine.py"
    path.write_text(PARTIAL.replace("other.grad += self.data * out.grad", "other.grad += self.dat * out.grad"))
    line = 1 + PARTIAL.replace("other.grad += self.data * out.grad", "@@").splitlines().index("            @@")
    report = run(path, examples=10, seed=0, timeout=20, registry=_only("value_mul", "value_add"))
    verdicts = {r.gate: r for r in report.results}
    assert verdicts["value_add"].status is Status.PASS
    mul = verdicts["value_mul"]
    assert mul.status is Status.ERROR
    assert "AttributeError: 'Value' object has no attribute 'dat'" in mul.message, mul.message
    assert f"(at engine.py:{line} in _backward)" in mul.message, mul.message
    assert "gradgate" not in mul.message and "checks/" not in mul.message


def test_an_op_that_returns_none_or_a_float_is_named(tmp_path: Path) -> None:
    path = tmp_path / "engine.py"
    path.write_text(PARTIAL + "\n    def __neg__(self):\n        pass\n\n    def __rmul__(self, other):\n        return self.data * other\n")
    report = run(path, examples=5, seed=0, timeout=20, registry=_only("value_neg", "value_rmul"))
    messages = {r.gate: (r.status.value, r.message) for r in report.results}
    assert messages["value_neg"] == ("error", "not implemented: Value.__neg__ returns None")
    assert messages["value_rmul"][0] == "error" and "Value.__rmul__ should return a Value, got float" in messages["value_rmul"][1]


def test_the_sandbox_gives_the_same_verdicts() -> None:
    cases = {  # a pass (an int exponent, a drawn graph), a failure, a student's exception
        ENGINE: ("value_pow_int", "value_graph"),
        MUTANTS / "value_diamond__no_topological_sort.py": ("value_diamond",),
        MUTANTS / "value_radd__recursion.py": ("value_radd",),
    }
    for path, gates in cases.items():
        here = run(path, examples=15, seed=2, timeout=20, registry=_only(*gates))
        boxed = run(path, examples=15, seed=2, timeout=20, registry=_only(*gates), executor=Sandbox(timeout=20))
        assert boxed.error is None and len(here.results) == len(gates)
        assert sorted((r.implementation, r.status.value, r.message) for r in here.results) == sorted(
            (r.implementation, r.status.value, r.message) for r in boxed.results
        )
    assert [r.status for r in here.results] == [Status.ERROR]


def test_a_notebook_with_the_lectures_value_is_checked_where_it_is_written(tmp_path: Path) -> None:
    nb = new_notebook()
    nb.cells = [
        new_code_cell("import math\nimport numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline", execution_count=1),
        new_code_cell(PARTIAL.replace("import math\n", ""), execution_count=2),
        new_code_cell("a = Value(2.0)\nb = Value(-3.0)\nd = a * b + a\nd.backward()\nd", execution_count=3),
    ]
    path = tmp_path / "micrograd_lecture.ipynb"
    nbformat.write(nb, str(path))
    report = run(path, examples=10, seed=0, timeout=20, registry=_only("value_shared", "value_tanh"))
    (result,) = report.results
    assert (result.implementation, result.status) == ("Value.backward[b=a*c;a+b]", Status.PASS)
    assert result.cell is not None and result.cell["execution_count"] == 2
    assert [u.reason for u in report.unchecked if u.name == "Value.tanh"] == ["not checked: Value has no tanh"]


def test_list_has_the_micrograd_entries_under_their_course(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    heading = next(course for course, specs in COURSES if specs is MICROGRAD)
    section = out.split(f"{heading}:")[1]
    assert all(name in section for name in NAMES) and "affine" not in section
    assert "scalar engine" in section


def test_drawn_graphs_call_only_the_methods_their_entry_declares() -> None:
    rng = np.random.default_rng(0)
    for spec in GRAPHS:
        build = spec.inputs[EXPRESSION]
        assert isinstance(build, Fixed) and spec.ops is not None
        seen: set[str] = set()
        for leaves in range(1, 5):
            for ops in range(2, 13):
                program = build.build({"leaves": leaves, "ops": ops}, rng)
                assert len(program) == ops and program[-1].startswith("out = ")
                used = methods_used(program)
                assert set(used) <= set(spec.ops.methods), (spec.name, program)
                seen |= set(used)
                # the student-style engine and torch agree on each drawn graph, and its values stay finite
                x = rng.standard_normal(leaves)
                mine = evaluate(program, {"x": [Value(float(v)) for v in x]}).data
                theirs = float(evaluate(program, {"x": torch.tensor(x, dtype=torch.float64)}))
                assert np.isfinite(theirs) and abs(mine - theirs) <= 1e-9 * max(1.0, abs(theirs)), (program, mine, theirs)
        assert seen == set(spec.ops.methods), (spec.name, set(spec.ops.methods) - seen)


def test_the_expression_language_refuses_what_it_does_not_know() -> None:
    for bad in (["out = a.tanh(2)"], ["out = a @ b"], ["import os"], ["out = f(a)"]):
        with pytest.raises(ValueError):
            evaluate(bad, {"a": 1.0, "b": 2.0, "f": abs})


def test_the_report_validates_and_its_snippet_reproduces_the_bug_and_passes_on_a_correct_engine(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "schemas" / "gradgate.report-1.schema.json").read_text())
    for mutant in ("value_diamond__no_topological_sort", "value_graph__no_visited_set", "value_rsub__operands_swapped"):
        gate = mutant.split("__")[0]
        report = run(MUTANTS / f"{mutant}.py", examples=60, seed=1, timeout=20, registry=_only(gate))
        data = json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check")))
        jsonschema.validate(data, schema)
        (result,) = data["results"]
        assert result["convention"] == "scalar engine" and result["status"] == "fail"
        page = htmlreport.render(data)
        assert result["implementation"] in page
        code = htmlreport.snippet(data, 0)
        broken = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert broken.returncode != 0 and "AssertionError" in broken.stderr, code
        fixed = code.replace(f"sys.path.insert(0, {str(MUTANTS)!r})", f"sys.path.insert(0, {str(STUDENT)!r})")
        fixed = fixed.replace(f"from {mutant} import", "from micrograd import")
        assert fixed != code
        ok = subprocess.run([sys.executable, "-c", fixed], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
        assert ok.returncode == 0, ok.stderr
