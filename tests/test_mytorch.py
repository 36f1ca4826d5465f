"""CMU 11-785 MyTorch HW1P1 end to end (issue 12 item 3): a folder shaped like the course's handout
(mytorch/nn, mytorch/optim, models/, the autograder scripts beside them), the student's classes
checked by the year their activations show, everything else listed with a reason.
"""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
from pathlib import Path

import pytest
from gradgate.checks.engine import run
from gradgate.checks.mytorch import OLD_HANDOUT_REASON
from gradgate.checks.results import RunReport, Status
from gradgate.gates import REGISTRY
from gradgate.gates.mytorch_cnn import MYTORCH_HW2

STUDENT = Path(__file__).resolve().parent.parent / "gates" / "student"
EXAMPLES = 15
MYTORCH = {s.name for s in REGISTRY if s.convention.value == "stateful class"}


def _handout(tmp_path: Path, package: str) -> Path:
    """HW1P1 as a student has it: their mytorch package, the course's autograder scripts (which run
    every class on import), models/mlp.py and mytorch/optim/sgd.py of their own."""
    root = tmp_path / "HW1P1"
    shutil.copytree(STUDENT / package, root / "mytorch")
    (root / "mytorch" / "optim").mkdir()
    (root / "mytorch" / "optim" / "__init__.py").write_text("from .sgd import *\n")
    (root / "mytorch" / "optim" / "sgd.py").write_text(textwrap.dedent("""
        class SGD:
            def __init__(self, model, lr=0.1):
                self.l, self.lr = model.layers, lr

            def step(self):
                for layer in self.l:
                    layer.W = layer.W - self.lr * layer.dLdW
    """))
    (root / "models").mkdir()
    (root / "models" / "mlp.py").write_text(textwrap.dedent("""
        from mytorch.nn.linear import Linear
        from mytorch.nn.activation import ReLU

        class MLP0:
            def __init__(self, debug=False):
                self.layers = [Linear(2, 3)]
                self.f = [ReLU()]

            def forward(self, A0):
                return self.f[0].forward(self.layers[0].forward(A0))

            def backward(self, dLdA1):
                raise NotImplementedError
    """))
    boom = "raise SystemExit('the course autograder ran')\n"
    (root / "hw1p1_autograder.py").write_text("from mytorch.nn.linear import Linear\n" + boom)
    (root / "autograder").mkdir()
    (root / "autograder" / "runner.py").write_text(boom)
    return root


def _verdicts(report: RunReport) -> dict[str, Status]:
    return {r.implementation: r.status for r in report.results}


@pytest.mark.parametrize("package", ["mytorch", "mytorch_dAdZ"])
def test_a_handout_folder_is_checked_by_its_year(tmp_path: Path, package: str) -> None:
    report = run(_handout(tmp_path, package), examples=EXAMPLES, seed=0, timeout=20)
    assert report.error is None, report.error
    verdicts = _verdicts(report)
    assert verdicts and set(verdicts) <= MYTORCH, verdicts
    assert all(s is Status.PASS for s in verdicts.values()), [(r.implementation, r.message) for r in report.results]
    # the year is told by the activations, and every judged class that has years says which
    years = {r.variant.split(",")[0] for r in report.results if r.variant}  # ("backward() -> dAdZ, A - Y": that year's MSELoss)
    assert len(years) == 1, years
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert "no registry entry" in unchecked.get("MLP0", ""), unchecked
    assert not any("autograder" in u.source or "sgd" in u.source for u in report.unchecked), report.unchecked


def test_the_older_templates_average_is_a_convention_beside_dadz_activations_only(tmp_path: Path) -> None:
    averaged = (STUDENT / "mytorch_dAdZ" / "nn" / "linear.py").read_text()
    newer = (STUDENT / "mytorch" / "nn" / "activation.py").read_text()
    older = (STUDENT / "mytorch_dAdZ" / "nn" / "activation.py").read_text()
    for name, activations, expected in (("older", older, Status.PASS), ("newer", newer, Status.FAIL)):
        folder = tmp_path / name / "mytorch"
        folder.mkdir(parents=True)
        (folder / "linear.py").write_text(averaged)
        (folder / "activation.py").write_text(activations.replace("from scipy.special import erf", "from math import erf"))
        report = run(folder, examples=EXAMPLES, seed=0, timeout=20, registry=[s for s in REGISTRY if s.name == "Linear"])
        assert _verdicts(report).get("Linear") is expected, (name, [r.message for r in report.results])


def test_templates_are_not_implemented_and_scipy_is_not_the_students_fault(tmp_path: Path) -> None:
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch" / "activation.py").write_text(textwrap.dedent("""
        import numpy as np
        import scipy

        class Sigmoid:
            def forward(self, Z):
                self.A = None
                return self.A

            def backward(self, dLdA):
                return None

        class GELU:
            def forward(self, Z):
                self.Z = Z
                self.A = 0.5 * Z * (1 + scipy.special.erf(Z / np.sqrt(2)))
                return self.A

            def backward(self, dLdA):
                Z = self.Z
                dAdZ = 0.5 * (1 + scipy.special.erf(Z / np.sqrt(2))) + Z * np.exp(-Z * Z / 2) / np.sqrt(2 * np.pi)
                return dLdA * dAdZ
    """))
    (tmp_path / "mytorch" / "activation_local.py").write_text(textwrap.dedent("""
        import numpy as np

        class GELU:
            def forward(self, Z):
                from scipy.special import erf
                self.Z = Z
                return 0.5 * Z * (1 + erf(Z / np.sqrt(2)))

            def backward(self, dLdA):
                from scipy.special import erf
                Z = self.Z
                return dLdA * (0.5 * (1 + erf(Z / np.sqrt(2))) + Z * np.exp(-Z * Z / 2) / np.sqrt(2 * np.pi))
    """))
    (tmp_path / "mytorch" / "linear.py").write_text(textwrap.dedent("""
        import numpy as np

        class Linear:
            def __init__(self, in_features, out_features, debug=False):
                self.W = None
                self.b = None

            def forward(self, A):
                self.A = A
                return A @ self.W.T + self.b.T

            def backward(self, dLdZ):
                dLdA = None
                self.dLdW = None
                self.dLdb = None
                return dLdA
    """))
    report = run(tmp_path / "mytorch", examples=EXAMPLES, seed=0, timeout=20)
    results = {(Path(r.source).name, r.implementation): r for r in report.results}
    for name in (("activation.py", "Sigmoid"), ("linear.py", "Linear")):
        assert results[name].status is Status.ERROR and results[name].message.startswith("not implemented"), results[name].message
    # a GELU with scipy's erf is checked, where scipy is installed and where it is not (its erf supplied)
    assert results[("activation.py", "GELU")].status is Status.PASS, results[("activation.py", "GELU")].message
    if importlib.util.find_spec("scipy") is None:  # an import inside the method: not checked, never the student's error
        assert ("activation_local.py", "GELU") not in results, results[("activation_local.py", "GELU")].message
        (local,) = [u for u in report.unchecked if u.name == "GELU" and u.source.endswith("activation_local.py")]
        assert local.reason.startswith("not checked: it imports scipy, which is not installed here"), local.reason
    else:
        assert results[("activation_local.py", "GELU")].status is Status.PASS


def test_later_templates_are_not_implemented_either(tmp_path: Path) -> None:
    """HW2P1's later handouts: `return NotImplemented`, and a composite whose constructor still has
    `self.conv1d_stride1 = None  # TODO` (it crashed the whole run once, with no report)."""
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch" / "flatten.py").write_text(textwrap.dedent("""
        class Flatten:
            def forward(self, A):
                return NotImplemented

            def backward(self, dLdZ):
                return NotImplemented
    """))
    (tmp_path / "mytorch" / "Conv1d.py").write_text(textwrap.dedent("""
        import numpy as np

        class Conv1d_stride1:
            def __init__(self, in_channels, out_channels, kernel_size, weight_init_fn=None, bias_init_fn=None):
                self.W = np.zeros((out_channels, in_channels, kernel_size))
                self.b = np.zeros(out_channels)

            def forward(self, A):
                return None

            def backward(self, dLdZ):
                return None

        class Conv1d:
            def __init__(self, in_channels, out_channels, kernel_size, stride, padding=0, weight_init_fn=None, bias_init_fn=None):
                self.stride = stride
                self.conv1d_stride1 = None  # TODO

            def forward(self, A):
                return None

            def backward(self, dLdZ):
                return None
    """))
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    assert report.error is None, report.error
    messages = {r.implementation: r.message for r in report.results}
    assert messages["Flatten"].startswith("not implemented: Flatten.forward returns NotImplemented"), messages
    assert messages["Conv1d"].startswith("not implemented: Conv1d() leaves self.conv1d_stride1 None"), messages


def test_the_2020_handout_is_listed_as_its_own_convention_not_as_undone(tmp_path: Path) -> None:
    """2020's hw1p1: activations with forward(x) and derivative(), a Linear leaving self.dW and
    self.db. It read as `not implemented: Linear.backward leaves no self.dLdW`, and its activations
    were neither checked nor listed."""
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch" / "activation.py").write_text(textwrap.dedent("""
        import numpy as np

        class Activation:
            def __init__(self):
                self.state = None

            def __call__(self, x):
                return self.forward(x)

        class Tanh(Activation):
            def forward(self, x):
                self.state = np.tanh(x)
                return self.state

            def derivative(self):
                return 1 - self.state ** 2
    """))
    (tmp_path / "mytorch" / "linear.py").write_text(textwrap.dedent("""
        import numpy as np

        class Linear:
            def __init__(self, in_feature, out_feature, weight_init_fn, bias_init_fn):
                self.W = weight_init_fn(in_feature, out_feature)
                self.b = bias_init_fn(out_feature)
                self.dW = np.zeros((in_feature, out_feature))
                self.db = np.zeros((1, out_feature))

            def forward(self, x):
                self.x = x
                return x @ self.W + self.b

            def backward(self, delta):
                self.dW = self.x.T @ delta / delta.shape[0]
                self.db = delta.mean(axis=0, keepdims=True)
                return delta @ self.W.T
    """))
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    assert not report.results, [(r.implementation, r.message) for r in report.results]
    reasons = {u.name: u.reason for u in report.unchecked}
    assert reasons.get("Tanh") == OLD_HANDOUT_REASON, reasons
    assert reasons.get("Linear", "").startswith("not checked: it leaves self.dW where the course now has self.dLdW"), reasons


def test_a_failing_package_init_is_one_row_and_its_modules_are_still_checked(tmp_path: Path) -> None:
    """mytorch/nn/__init__.py importing a class its activation.py lacks: one error row, for that file;
    the package above it, a models/ importing it, are not checked pointing at it; the modules of the
    package are imported by their files as the course's runner does (`sys.path.append('mytorch/nn')`),
    and checked. 19 error rows hid 17 passing classes in a public repository (adrita78/MyTorch-11785)."""
    nn = tmp_path / "mytorch" / "nn"
    nn.mkdir(parents=True)
    (tmp_path / "models").mkdir()
    (tmp_path / "mytorch" / "__init__.py").write_text("from .nn import *\n")
    (nn / "__init__.py").write_text("from .activation import Identity, Tanh\n")
    (nn / "activation.py").write_text(textwrap.dedent("""
        import numpy as np

        class Tanh:
            def forward(self, Z):
                self.A = np.tanh(Z)
                return self.A

            def backward(self, dLdA):
                return dLdA * (1 - self.A ** 2)
    """))
    (nn / "flatten.py").write_text(FLATTEN)
    (tmp_path / "models" / "__init__.py").write_text("from .mlp import *\n")
    (tmp_path / "models" / "mlp.py").write_text("from mytorch.nn import Tanh\n")
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    rows = [(Path(r.source).relative_to(tmp_path).as_posix(), r.status) for r in report.results]
    assert sorted(rows) == [("mytorch/nn/__init__.py", Status.ERROR), ("mytorch/nn/activation.py", Status.PASS),
                            ("mytorch/nn/flatten.py", Status.PASS)], rows  # fmt: skip
    pointed = {Path(u.source).relative_to(tmp_path).as_posix() for u in report.unchecked if "runs mytorch/nn/__init__.py" in u.reason}
    assert pointed == {"mytorch/__init__.py", "models/__init__.py", "models/mlp.py"}, report.unchecked


FLATTEN = textwrap.dedent("""
    class Flatten:
        def forward(self, A):
            self.shape = A.shape
            return A.reshape(A.shape[0], -1)

        def backward(self, dLdZ):
            return dLdZ.reshape(self.shape)
""")


def test_the_courses_sandbox_scripts_beside_mytorch_are_not_imported(tmp_path: Path) -> None:
    """HW2P1's sandbox/*.py run the student's classes when imported (as its autograder/ does): the
    course's scratch scripts, not the student's modules; a sandbox/ elsewhere is still scanned."""
    (tmp_path / "hw" / "mytorch").mkdir(parents=True)
    (tmp_path / "hw" / "sandbox").mkdir()
    (tmp_path / "hw" / "mytorch" / "flatten.py").write_text(FLATTEN)
    (tmp_path / "hw" / "sandbox" / "flatten_sandbox.py").write_text("import numpy as np\nfrom flatten import Flatten\nFlatten().backward(np.ones(3))\n")
    (tmp_path / "mine" / "sandbox").mkdir(parents=True)
    (tmp_path / "mine" / "sandbox" / "flatten.py").write_text(FLATTEN)
    course = run(tmp_path / "hw", examples=EXAMPLES, seed=0, timeout=20)
    assert [(r.implementation, r.status) for r in course.results] == [("Flatten", Status.PASS)], course.results
    mine = run(tmp_path / "mine", examples=EXAMPLES, seed=0, timeout=20)
    assert [(r.implementation, r.status) for r in mine.results] == [("Flatten", Status.PASS)], mine.results


def test_a_lecture_gate_class_is_not_mytorchs(tmp_path: Path) -> None:
    """forward(x, y) / backward(dz) outside a mytorch package stays the lecture's gate class."""
    path = tmp_path / "gates.py"
    path.write_text(textwrap.dedent("""
        class MultiplyGate:
            def forward(self, x, y):
                self.x, self.y = x, y
                return x * y

            def backward(self, dz):
                return dz * self.y, dz * self.x
    """))
    report = run(path, examples=EXAMPLES, seed=0, timeout=20)
    assert [(r.implementation, r.convention, r.status) for r in report.results] == [("MultiplyGate", "gate class", Status.PASS)]


@pytest.mark.parametrize("package", ["mytorch", "mytorch_dAdZ"])
def test_the_sandbox_gives_the_same_verdicts(tmp_path: Path, package: str) -> None:
    """The grading sandbox's children: the same verdicts, years and unchecked list as in process,
    a wrong BatchNorm1d (dLdBW against BZ, a public 2022 HW1P1's) among them."""
    from gradgate.checks.sandbox import Sandbox

    root = _handout(tmp_path, package)
    (root / "mytorch" / "nn" / "batchnorm.py").write_text((Path(__file__).parent / "mutants" / "BatchNorm1d__mytorch_dldbw_from_bz.py").read_text())
    kinds = [s for s in REGISTRY if s.name in {"Linear", "Sigmoid", "CrossEntropyLoss", "BatchNorm1d"} and s.convention.value == "stateful class"]
    here = run(root, examples=EXAMPLES, seed=0, timeout=20, registry=kinds)
    boxed = run(root, examples=EXAMPLES, seed=0, timeout=20, registry=kinds, executor=Sandbox(timeout=20))
    assert _verdicts(here)["BatchNorm1d"] is Status.FAIL
    assert _verdicts(boxed) == _verdicts(here)
    assert {r.implementation: r.variant for r in boxed.results} == {r.implementation: r.variant for r in here.results}
    assert sorted((u.name, u.reason) for u in boxed.unchecked) == sorted((u.name, u.reason) for u in here.unchecked)


def test_a_hw2p1_folder_imports_its_siblings_by_name(tmp_path: Path) -> None:
    """HW2P1's files import each other by name (`from resampling import *`), as the course's runner
    puts mytorch/ on sys.path; a wrong Downsample2d there fails the pools and the Conv2d that call it."""
    nn = STUDENT / "mytorch" / "nn"
    root = tmp_path / "HW2P1"
    (root / "mytorch").mkdir(parents=True)
    for name in ("Conv1d.py", "Conv2d.py", "pool.py", "resampling.py", "flatten.py"):
        shutil.copy(nn / name, root / "mytorch" / name)
    (root / "autograder").mkdir()
    (root / "autograder" / "runner.py").write_text("raise SystemExit('the course autograder ran')\n")
    hw2 = list(MYTORCH_HW2)
    report = run(root, examples=EXAMPLES, seed=0, timeout=20, registry=hw2)
    verdicts = _verdicts(report)
    assert set(verdicts) == {s.name for s in hw2}, verdicts
    assert all(s is Status.PASS for s in verdicts.values()), [(r.implementation, r.message) for r in report.results]
    square = (Path(__file__).parent / "mutants" / "Downsample2d__mytorch_square_input_assumed.py").read_text()
    resampling = (root / "mytorch" / "resampling.py").read_text()
    start = resampling.index("class Downsample2d")
    (root / "mytorch" / "resampling.py").write_text(resampling[:start] + square[square.index("class Downsample2d"):])
    broken = _verdicts(run(root, examples=EXAMPLES, seed=0, timeout=20, registry=hw2))
    assert {k for k, v in broken.items() if v is not Status.PASS} == {"Downsample2d", "MaxPool2d", "MeanPool2d", "Conv2d"}, broken


def test_what_the_course_passes_or_names_otherwise(tmp_path: Path) -> None:
    """The autograder's initialisers are passed (a constructor that requires and calls them passes),
    parameters named the student's own way are not checked, and the 2020 autograd MyTorch (a Tensor
    with micrograd's shape, Functions with forward(ctx, ...)) is listed, never judged as micrograd."""
    package = tmp_path / "mytorch"
    package.mkdir()
    conv = (STUDENT / "mytorch" / "nn" / "Conv1d.py").read_text().replace("from resampling import *\n", "")
    conv = conv.replace("weight_init_fn=None, bias_init_fn=None):\n        self.in_channels", "weight_init_fn, bias_init_fn):\n        self.in_channels")
    conv = conv.replace("if weight_init_fn is None else weight_init_fn(out_channels, in_channels, kernel_size)", "if False else weight_init_fn(out_channels, in_channels, kernel_size)")
    (package / "conv.py").write_text(conv[: conv.index("class Conv1d:")])
    bn = (STUDENT / "mytorch" / "nn" / "batchnorm.py").read_text().replace("self.BW", "self.gamma").replace("self.Bb", "self.beta")
    (package / "batchnorm.py").write_text(bn)
    (package / "tensor.py").write_text(textwrap.dedent("""
        class Tensor:
            def __init__(self, data, requires_grad=False):
                self.data, self.grad, self.requires_grad = data, None, requires_grad

            def backward(self):
                raise NotImplementedError

            def __add__(self, other):
                return Add.apply(self, other)

            def __mul__(self, other):
                return Add.apply(self, other)


        class Add:
            @staticmethod
            def forward(ctx, a, b):
                return Tensor(a.data + b.data)

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output, grad_output
    """))
    report = run(package, examples=EXAMPLES, seed=0, timeout=20)
    assert _verdicts(report) == {"Conv1d_stride1": Status.PASS}, [(r.implementation, r.message) for r in report.results]
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert "names its parameters its own way" in unchecked["BatchNorm1d"] and "gamma" in unchecked["BatchNorm1d"], unchecked
    assert "autograd MyTorch" in unchecked["Tensor"] and "autograd MyTorch" in unchecked["Add"], unchecked
