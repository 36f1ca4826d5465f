"""CMU 10-714 needle (checks.tensor_op, gates/needle.py) end to end: the course's folder layout found
from any of its levels, the package imported as `needle` from python/, each op checked through the
student's own Tensor, the template's NotImplementedError said as not implemented, what is not an op
listed with its reason, the sandbox agreeing, and the report's snippet reproducing a bug. (That the
student-style needle and the unusual correct one pass over several seeds and every mutant fails is
test_corpus's: the files carry the cases.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from gradgate import jsonreport
from gradgate.checks.engine import run
from gradgate.checks.executor import IN_PROCESS
from gradgate.checks.conventions import Convention
from gradgate.checks.results import RunReport, Status, UncheckedKind
from gradgate.checks.sandbox import Sandbox
from gradgate.checks.shipped import source_fingerprint
from gradgate.cli import main
from gradgate.gates import COURSES, REGISTRY
from gradgate.gates.needle import NEEDLE
from gradgate.report import snippet

from .conftest import CORRECT, MUTANTS, ROOT, STUDENT

PACKAGE = STUDENT / "needle_hw" / "python" / "needle"
NAMES = {s.name for s in NEEDLE}
OPS = {s.name for s in NEEDLE if s.convention is Convention.TENSOR_OP}


def _only(*names: str) -> list:  # type: ignore[type-arg]
    return [s for s in REGISTRY if s.name in names]


def _homework(tmp_path: Path, name: str = "hw1") -> Path:
    """The course's layout: hw1/python/needle, hw1/apps/simple_ml.py, hw1/tests/."""
    hw = tmp_path / name
    shutil.copytree(PACKAGE, hw / "python" / "needle")
    (hw / "apps").mkdir()
    (hw / "apps" / "simple_ml.py").write_text(
        'import sys\nsys.path.append("python/")\nimport needle as ndl\n\n\n'
        "def softmax_loss(Z, y_one_hot):\n    return (ndl.log(ndl.exp(Z).sum((1,))).sum() - (Z * y_one_hot).sum()) / Z.shape[0]\n"
    )
    (hw / "tests").mkdir()
    (hw / "tests" / "test_autograd_hw.py").write_text("import needle as ndl\n\ndef test_nothing():\n    assert ndl\n")
    return hw


def _template(op: str, text: str) -> str:
    """`op`'s gradient back to the course's template: raise NotImplementedError()."""
    head, _, rest = text.partition(f"class {op}(TensorOp):")
    body, sep, tail = rest.partition("\n\ndef ")
    before, _, after = body.partition("    def gradient(self, out_grad, node):\n")
    lines = after.split("\n")
    end = next(i for i, line in enumerate(lines) if line.strip() == "### END YOUR SOLUTION")
    gradient = "    def gradient(self, out_grad, node):\n        ### BEGIN YOUR SOLUTION\n        raise NotImplementedError()\n"
    return head + f"class {op}(TensorOp):" + before + gradient + "\n".join(lines[end:]) + sep + tail


@pytest.mark.parametrize("level", ["hw1", "hw1/python", "hw1/python/needle", "hw1/python/needle/ops/ops_mathematic.py"])
def test_every_level_of_the_course_layout_checks_the_ops_through_needle(tmp_path: Path, level: str) -> None:
    _homework(tmp_path)
    report = run(tmp_path / level, examples=8, seed=0, timeout=30)
    assert report.error is None, report.error
    assert all(r.status is Status.PASS for r in report.results), [(r.gate, r.message) for r in report.results if r.status is not Status.PASS]
    results = {r.gate: r for r in report.results if r.convention == "tensor op"}  # hw2's modules beside them: their test's
    mathematic = OPS - {"LogSumExp", "LogSoftmax"}
    assert mathematic <= set(results), sorted(OPS - set(results))
    assert all("ops_mathematic.py" in results[n].source or "ops_logarithmic.py" in results[n].source for n in results)
    unchecked = {u.name: u.reason for u in report.unchecked}
    # the course's autograd core (Tensor, Value, Op) and the ops' helper functions are not implementations
    assert not {"Tensor", "Value", "Op", "TensorOp", "add", "relu"} & set(unchecked), unchecked
    if level == "hw1":  # its app imports the student's needle, and is needle code, not numpy code
        assert unchecked["softmax_loss"].startswith("not checked: written for needle tensors"), unchecked


def test_a_template_gradient_is_not_implemented_and_other_ops_still_pass(tmp_path: Path) -> None:
    hw = _homework(tmp_path)
    ops = hw / "python" / "needle" / "ops" / "ops_mathematic.py"
    ops.write_text(_template("Summation", _template("MatMul", ops.read_text())))
    report = run(hw, examples=10, seed=1, timeout=30, registry=_only("Summation", "MatMul", "EWiseAdd", "BroadcastTo"))
    verdicts = {r.gate: (r.status, r.message) for r in report.results}
    for op in ("Summation", "MatMul"):
        status, message = verdicts[op]
        assert status is Status.ERROR and message.startswith("not implemented: raises NotImplementedError"), (op, message)
        assert "ops_mathematic.py" in message
    # BroadcastTo's gradient calls the student's summation: its compute still works
    assert verdicts["EWiseAdd"][0] is Status.PASS and verdicts["BroadcastTo"][0] is Status.PASS
    assert report.summary["fail"] == 0


def test_ops_of_no_entry_nn_modules_and_a_gradient_of_numpy_arrays_are_said(tmp_path: Path) -> None:
    hw = _homework(tmp_path, "hw2")
    needle = hw / "python" / "needle"
    (needle / "ops" / "ops_mathematic.py").write_text((needle / "ops" / "ops_mathematic.py").read_text() + '''

class Flip(TensorOp):
    def __init__(self, axes):
        self.axes = axes

    def compute(self, a):
        return array_api.flip(a, self.axes)

    def gradient(self, out_grad, node):
        return flip(out_grad, self.axes)


def flip(a, axes):
    return Flip(axes)(a)


class Sigmoid(TensorOp):
    def compute(self, a):
        return 1 / (1 + array_api.exp(-a))

    def gradient(self, out_grad, node):
        s = node.realize_cached_data()
        return out_grad.numpy() * s * (1 - s)
''')
    basic = needle / "nn" / "nn_basic.py"  # the course's container, which only calls other modules
    basic.write_text(basic.read_text() + '''

class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        self.modules = modules

    def forward(self, x):
        for module in self.modules:
            x = module(x)
        return x
''')
    report = run(hw, examples=8, seed=2, timeout=30, registry=_only("EWiseAdd", "Sigmoid"))
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert unchecked["Flip"] == "no registry entry for tensor op 'Flip'"
    assert unchecked["Sigmoid"] == "no registry entry for tensor op 'Sigmoid'"
    assert unchecked["Sequential"] == "no registry entry for nn module 'Sequential'"  # it only calls others
    assert "Parameter" not in unchecked and "Module" not in unchecked
    assert all(u.kind is UncheckedKind.IMPLEMENTATION for u in report.unchecked)
    # a gradient that hands back numpy arrays breaks the course's backward (it sums Tensors)
    (needle / "ops" / "ops_mathematic.py").write_text(
        (needle / "ops" / "ops_mathematic.py").read_text().replace("        return out_grad, out_grad\n", "        return out_grad.numpy(), out_grad.numpy()\n")
    )
    report = run(hw, examples=8, seed=2, timeout=30, registry=_only("EWiseAdd"))
    (result,) = report.results
    assert result.status is Status.ERROR
    assert "EWiseAdd.gradient's gradient for input 1 should be a needle Tensor, got array" in result.message, result.message


def test_a_repository_of_homeworks_loads_each_needle_on_its_own(tmp_path: Path) -> None:
    _homework(tmp_path, "hw1")
    hw2 = _homework(tmp_path, "hw2")
    ops = hw2 / "python" / "needle" / "ops" / "ops_mathematic.py"
    ops.write_text(ops.read_text().replace("        return out_grad, out_grad\n", "        return out_grad, out_grad * 2\n"))
    report = run(tmp_path, examples=10, seed=0, timeout=30, registry=_only("EWiseAdd", "Negate"))
    verdicts = sorted((Path(r.source).parts[-5], r.gate, r.status.value) for r in report.results)
    assert verdicts == [("hw1", "EWiseAdd", "pass"), ("hw1", "Negate", "pass"), ("hw2", "EWiseAdd", "fail"), ("hw2", "Negate", "pass")]


def test_the_sandbox_gives_the_same_verdicts(tmp_path: Path) -> None:
    hw = _homework(tmp_path)
    cases = {
        hw: ("Summation", "MatMul", "LogSumExp"),  # passes, through the needle package under python/
        MUTANTS / "BroadcastTo__only_new_axes_summed.py": ("BroadcastTo",),  # an exception of theirs
        MUTANTS / "MatMul__batch_axes_not_summed.py": ("MatMul",),  # a failure
    }
    for path, gates in cases.items():
        here = run(path, examples=12, seed=2, timeout=30, registry=_only(*gates))
        boxed = run(path, examples=12, seed=2, timeout=30, registry=_only(*gates), executor=Sandbox(timeout=30))
        assert boxed.error is None and len(here.results) == len(gates), (boxed.error, here.results)
        assert sorted((r.implementation, r.status.value, r.message) for r in here.results) == sorted(
            (r.implementation, r.status.value, r.message) for r in boxed.results
        )


def test_list_has_the_needle_ops_under_their_course(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    heading = next(course for course, specs in COURSES if specs is NEEDLE)
    section = out.split(f"{heading}:")[1]
    assert all(name in section for name in NAMES) and "affine" not in section


def test_the_drawn_arguments_fit_the_drawn_shapes() -> None:
    """Summed axes are valid and distinct, a broadcast's source broadcasts to its shape, a reshape
    keeps the entries, Transpose's pair is two axes (or None), MatMul's batch axes broadcast."""
    import numpy as np
    from gradgate.checks.examples import examples
    from hypothesis import given, settings

    by_name = {s.name: s for s in NEEDLE}
    seen: dict[str, set[object]] = {n: set() for n in ("Summation", "BroadcastTo", "Transpose")}

    def checker(spec, name):  # type: ignore[no-untyped-def]
        @settings(max_examples=60, database=None, deadline=None)
        @given(examples(spec))
        def check(example):  # type: ignore[no-untyped-def]
            kwargs = spec.construct(example.sizes) if spec.construct else {}
            a = example.values["a"]
            if "axes" in kwargs and name != "Transpose":
                axes = kwargs["axes"]
                assert axes is None or (len(set(axes)) == len(axes) and all(0 <= x < a.ndim for x in axes))
                seen.get(name, set()).add(axes is None)
            if name == "BroadcastTo":
                assert np.broadcast_to(a, kwargs["shape"]).shape == tuple(kwargs["shape"])
                seen[name].add(a.shape == tuple(kwargs["shape"]))
            if name == "Reshape":
                assert a.reshape(kwargs["shape"]).size == a.size
            if name == "Transpose":
                axes = kwargs["axes"]
                assert axes is None or (len(axes) == 2 and axes[0] != axes[1] and all(0 <= x < a.ndim for x in axes))
                seen[name].add(axes is None)
            if name == "MatMul":
                assert np.matmul(a, example.values["b"]).ndim >= 2

        return check

    for name in ("Summation", "LogSumExp", "BroadcastTo", "Reshape", "Transpose", "MatMul"):
        checker(by_name[name], name)()
    assert all(seen[n] == {True, False} for n in seen), seen  # both the default and drawn arguments


def _reproduced(report: RunReport, convention: str) -> None:
    """The report of one failing implementation validates, and its snippet fails as the bug does."""
    schema = json.loads((ROOT / "schemas" / "gradgate.report-1.schema.json").read_text())
    data = json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check")))
    jsonschema.validate(data, schema)
    (result,) = data["results"]
    assert result["convention"] == convention and result["status"] == "fail", result
    code = snippet(data, 0)
    broken = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert broken.returncode != 0 and "AssertionError" in broken.stderr, (code, broken.stderr)


def test_the_report_validates_and_its_snippet_reproduces_the_bug(tmp_path: Path) -> None:
    hw = _homework(tmp_path)
    ops = hw / "python" / "needle" / "ops" / "ops_mathematic.py"
    ops.write_text(ops.read_text().replace(  # sums over the summed axes' sizes, not their positions (seen in a repository)
        "        kept = [1 if i in axes else d for i, d in enumerate(in_shape)]\n        return broadcast_to(reshape(out_grad, kept), in_shape)\n",
        "        old, kept, j = out_grad.shape, [1] * len(in_shape), 0\n        for i, d in enumerate(in_shape):\n"
        "            if j < len(old) and old[j] == d:\n                kept[i] = d\n                j += 1\n"
        "        return broadcast_to(reshape(out_grad, tuple(kept)), in_shape)\n",
    ))
    cases = [(hw, "Summation"), (MUTANTS / "Transpose__default_swaps_first_axes.py", "Transpose"), (MUTANTS / "Log__times_input.py", "Log")]
    for path, gate in cases:
        _reproduced(run(path, examples=60, seed=1, timeout=30, registry=_only(gate)), "tensor op")
    assert "from needle.ops.ops_mathematic import Summation, Tensor" in snippet(
        json.loads(json.dumps(jsonreport.to_dict(run(hw, examples=60, seed=1, timeout=30, registry=_only("Summation")), "gradgate check"))), 0
    )


def test_the_correct_variant_and_the_student_needle_are_in_the_corpora() -> None:
    assert (CORRECT / "MatMul__own_roads.py").is_file() and PACKAGE.is_dir()
    mutated = {p.name.split("__")[0] for p in MUTANTS.glob("*__*.py")}
    assert NAMES <= mutated


def test_hw3_code_for_needles_own_backend_is_not_checked_here(tmp_path: Path) -> None:
    """hw3+: a needle that imports its compiled backend (not built here) cannot load, and an op
    written for its NDArray (`.compact()`) cannot run on numpy; neither is the student's error."""
    hw = _homework(tmp_path, "hw3")
    needle = hw / "python" / "needle"
    ops = needle / "ops" / "ops_mathematic.py"
    ops.write_text(ops.read_text().replace("        return array_api.reshape(a, self.shape)\n", "        return a.compact().reshape(self.shape)\n"))
    report = run(hw, examples=8, seed=0, timeout=30, registry=_only("Reshape", "Negate"))
    assert [r.gate for r in report.results] == ["Negate"] and report.ok
    (reshape,) = [u for u in report.unchecked if u.name == "Reshape"]
    assert reshape.reason.startswith("not checked: it is written for needle's NDArray backend (it calls .compact()")
    (needle / "backend_ndarray").mkdir()
    (needle / "backend_ndarray" / "__init__.py").write_text("from .ndarray import *\n")
    (needle / "backend_ndarray" / "ndarray.py").write_text("from . import ndarray_backend_numpy\nfrom . import ndarray_backend_cpu\n")
    (needle / "backend_ndarray" / "ndarray_backend_numpy.py").write_text("")
    (needle / "__init__.py").write_text((needle / "__init__.py").read_text() + "from . import backend_ndarray\n")
    report = run(hw, examples=8, seed=0, timeout=30, registry=_only("Negate"))
    assert report.ok and report.error is None
    reasons = {u.name: (u.kind, u.reason) for u in report.unchecked}
    assert reasons["needle"][0] is UncheckedKind.MODULE and "compiled NDArray backend" in reasons["needle"][1], reasons


def test_an_ndarray_method_numpy_lacks_is_hw3_code_only_where_the_package_holds_its_backend(tmp_path: Path) -> None:
    """`a.maximum(0)` is hw3's NDArray API: in a package with backend_ndarray/ it is code for that
    backend (not checked here); in hw1's, where NDArray is numpy's, it is the student's error. Code
    naming the NDArray backend's API at import (`array_api.SparseMatrix`) is hw3's too."""
    for name, backend in (("hw1", False), ("hw4", True)):
        hw = _homework(tmp_path, name)
        needle = hw / "python" / "needle"
        ops = needle / "ops" / "ops_mathematic.py"
        ops.write_text(ops.read_text().replace("        return array_api.maximum(a, 0)\n", "        return a.maximum(0)\n"))
        if backend:
            (needle / "backend_ndarray").mkdir()
            (needle / "backend_ndarray" / "__init__.py").write_text("")
        report = run(hw, examples=5, seed=0, timeout=30, registry=_only("ReLU", "Negate"))
        statuses = {r.implementation: r.status for r in report.results}
        unchecked = {u.name: u.reason for u in report.unchecked}
        assert statuses.get("Negate") is Status.PASS, statuses
        if backend:
            assert "ReLU" not in statuses and unchecked["ReLU"].startswith("not checked: it is written for needle's NDArray backend (it calls .maximum()")
        else:
            assert statuses["ReLU"] is Status.ERROR and "has no attribute 'maximum'" in report.results[0].message + "".join(r.message for r in report.results)
    ops.write_text(ops.read_text() + "\n\nclass SparseMatrixMultiply(TensorOp):\n    def __init__(self, m: array_api.SparseMatrix):\n        self.m = m\n")
    report = run(hw, examples=5, seed=0, timeout=30, registry=_only("Negate"))
    assert not [r for r in report.results if r.status is Status.ERROR], [(r.implementation, r.message) for r in report.results]
    assert any("compiled NDArray backend" in u.reason for u in report.unchecked if u.name.startswith("needle")), report.unchecked


def test_hw2_modules_are_checked_through_needles_autograd(tmp_path: Path) -> None:
    """hw2's nn modules in the course's layout (python/needle/nn/nn_basic.py), in process and in the
    sandbox alike; a module whose op gradient is wrong fails with it; a gradient that leaves the
    graph is said; the snippet of a failing module reproduces it."""
    hw = _homework(tmp_path, "hw2")
    modules = ("Linear", "SoftmaxLoss", "LayerNorm1d", "BatchNorm1d", "Flatten", "Dropout")
    here = run(hw, examples=12, seed=3, timeout=30, registry=_only(*modules))
    boxed = run(hw, examples=12, seed=3, timeout=30, registry=_only(*modules), executor=Sandbox(timeout=30))
    assert sorted(r.implementation for r in here.results) == sorted(modules)
    assert all(r.status is Status.PASS for r in here.results), [(r.implementation, r.message) for r in here.results]
    assert [(r.implementation, r.status, r.message) for r in here.results] == [(r.implementation, r.status, r.message) for r in boxed.results]
    # the student's BroadcastTo gradient summing the wrong axes: Linear's bias gradient is wrong with it
    ops = hw / "python" / "needle" / "ops" / "ops_mathematic.py"
    text = ops.read_text()
    start = text.index("class BroadcastTo(TensorOp):")
    body = text[start:text.index("\ndef broadcast_to", start)]
    assert "return reshape(summation(out_grad, axes), in_shape)" in body, body
    ops.write_text(text.replace(body, body.replace("return reshape(summation(out_grad, axes), in_shape)", "return reshape(summation(out_grad, axes), in_shape) * 2"), 1))
    report = run(hw, examples=30, seed=3, timeout=30, registry=_only("Linear", "BroadcastTo"))
    status = {r.implementation: r.status for r in report.results}
    assert status == {"Linear": Status.FAIL, "BroadcastTo": Status.FAIL}, [(r.implementation, r.message) for r in report.results]
    # a bias broadcast through numpy leaves the graph: no gradient reaches it
    (result,) = run(MUTANTS / "Linear__bias_gradient_detached.py", examples=10, seed=0, registry=_only("Linear")).results
    assert result.status is Status.ERROR and "no gradient reached b" in result.message, result.message
    _reproduced(run(MUTANTS / "SoftmaxLoss__summed_not_averaged.py", examples=30, seed=1, registry=_only("SoftmaxLoss")), "nn module")


@pytest.mark.parametrize("level", ["hw2", "hw2/python", "hw2/python/needle", "hw2/python/needle/nn/nn_basic.py"])
def test_a_module_importing_its_needle_as_python_needle_is_checked_at_every_level(tmp_path: Path, level: str) -> None:
    """`from python.needle.init.init_basic import randb` works where the course's tests run (the
    homework's folder); checked from below it, the package is still `needle` and that import resolves."""
    hw = _homework(tmp_path, "hw2")
    nn = hw / "python" / "needle" / "nn" / "nn_basic.py"
    nn.write_text(nn.read_text().replace("import needle.init as init\n", "import needle.init as init\nfrom python.needle.init.init_basic import randb\n", 1))
    report = run(tmp_path / level, examples=8, seed=0, timeout=30, registry=_only("Dropout", "Linear", "EWiseAdd"))
    assert report.error is None, report.error
    verdicts = {r.implementation: r.status for r in report.results}
    expected = {"Dropout", "Linear"} | (set() if level.endswith("nn_basic.py") else {"EWiseAdd"})
    assert verdicts == dict.fromkeys(expected, Status.PASS), [(r.implementation, r.message) for r in report.results]
    needle_code = [u for u in report.unchecked if "python/needle" in u.source and u.reason.startswith("not checked: written for needle")]
    assert not needle_code, needle_code  # the package itself is not taken for numpy code


# The course's own EWisePow.gradient, as the 2023-on homeworks hand it out (no YOUR SOLUTION block):
# its guard raises for the needle Tensors it is given.
_HANDOUT = '''    def gradient(self, out_grad, node):
        if not isinstance(node.inputs[0], NDArray) or not isinstance(
            node.inputs[1], NDArray
        ):
            raise ValueError("Both inputs must be tensors (NDArray).")

        a, b = node.inputs[0], node.inputs[1]
        grad_a = out_grad * b * (a ** (b - 1))
        grad_b = out_grad * (a**b) * array_api.log(a.data)
        return grad_a, grad_b
'''


@pytest.mark.parametrize("handout, verdict", [
    (_HANDOUT, "unchecked"),
    # the other year's handout, annotated by the student: still the course's code
    (_HANDOUT.replace("array_api.log(a.data)", "log(a)").replace("(self, out_grad, node)", "(self, out_grad: Tensor, node: Tensor)"), "unchecked"),
    # the handout's guard kept, the lines after it rewritten (Ymriri's `a, b = node.inputs`): it raises in the guard
    (_HANDOUT.replace("a, b = node.inputs[0], node.inputs[1]", "a, b = node.inputs"), "unchecked"),
    # the student's own guard: their error
    (_HANDOUT.replace("Both inputs must be tensors (NDArray).", "inputs must be arrays"), "error"),
])  # fmt: skip
def test_the_gradient_the_course_hands_out_is_not_the_students_error(tmp_path: Path, handout: str, verdict: str) -> None:
    # the registry's fingerprints are the handout's own (checks.shipped, as an entry's are made)
    pow_spec = next(s for s in REGISTRY if s.name == "EWisePow")
    # (of the whole function, or of the guard it raises in)
    shipped = {source_fingerprint(textwrap.dedent(handout)), source_fingerprint(textwrap.dedent(handout), upto=1)}
    assert bool(shipped & pow_spec.shipped) is (verdict == "unchecked")
    hw = _homework(tmp_path, "hw2")
    ops = hw / "python" / "needle" / "ops" / "ops_mathematic.py"
    text = ops.read_text()
    start = text.index("class EWisePow(TensorOp):")
    mine = text[text.index("    def gradient(self, out_grad, node):\n", start):text.index("\n\ndef power(", start) + 1]
    ops.write_text(text.replace(mine, handout, 1))
    for executor in (IN_PROCESS, Sandbox(timeout=30)):
        report = run(ops, examples=5, seed=0, timeout=30, registry=_only("EWisePow", "EWiseAdd"), executor=executor)
        statuses = {r.implementation: r.status.value for r in report.results}
        unchecked = {u.name: u.reason for u in report.unchecked}
        assert statuses.get("EWiseAdd") == "pass", statuses
        if verdict == "unchecked":
            assert "EWisePow" not in statuses, statuses
            assert unchecked["EWisePow"].startswith("not checked: EWisePow.gradient raises inside the code the course hands out"), unchecked
            assert "Both inputs must be tensors" in unchecked["EWisePow"], unchecked
        else:
            assert statuses["EWisePow"] == "error" and "inputs must be arrays" in report.results[0].message + "".join(r.message for r in report.results), statuses
