"""What is not the student's, or not checkable, is said so, never an error of theirs (issue 10, part 4).

Whole folders in the course's layout (built as in tests/test_folders.py) with, beside correct student
code: course files that do not load, a package whose __init__.py is only a stale Python 2 .pyc, code
written for torch tensors or needle, a helper of the student's own signature under a course name, a
student's own batchnorm_forward_alt, a backward without its forward and scipy imports. Every function
found by the course's names is judged or listed with its reason, and no message points into gradgate.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from gradgate.checks.adapters import LayerPair
from gradgate.checks.engine import OWN_FAILURE, run
from gradgate.checks.executor import IN_PROCESS
from gradgate.checks.guard import OURS
from gradgate.checks.results import RunReport, Status, UncheckedKind
from gradgate.checks.sandbox import Sandbox

from .test_folders import FAST_NUMPY, _failed, _student, _write, assignment2

# Python 2's magic number and a header: what a .pyc committed from a 2016 checkout starts with.
PY2_PYC = b"\x03\xf3\r\n" + b"\x00" * 4 + b"c\x00\x00\x00"

TORCH_CODE = '''
import torch


def svm_loss(x, y):
    N = x.shape[0]
    correct = x[torch.arange(N), y]
    margins = (x - correct[:, None] + 1).clamp(min=0)
    margins[torch.arange(N), y] = 0
    dx = (margins > 0).to(x.dtype)
    dx[torch.arange(N), y] -= dx.sum(dim=1)
    return margins.sum() / N, dx / N


class Linear(object):
    @staticmethod
    def forward(x, w, b):
        return x.view(x.shape[0], -1).mm(w) + b, (x, w, b)

    @staticmethod
    def backward(dout, cache):
        x, w, b = cache
        return dout.mm(w.t()).view(x.shape), x.view(x.shape[0], -1).t().mm(dout), dout.sum(dim=0)
'''
# numpy code in a module that imports torch for something else: checked as usual.
NUMPY_BESIDE_TORCH = '''
import numpy as np
import torch

torch.manual_seed(0)


def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)
'''
NEEDLE_AUTOGRAD = "class Op:\n    pass\n\n\nclass TensorOp(Op):\n    pass\n"
NEEDLE_OPS = '''
from .autograd import TensorOp


class EWiseMul(TensorOp):
    def compute(self, a, b):
        return a * b

    def gradient(self, out_grad, node):
        lhs, rhs = node.inputs
        return out_grad * rhs, out_grad * lhs
'''
NEEDLE_APP = '''
import needle as ndl


def softmax_loss(Z, y_one_hot):
    return (ndl.log(ndl.exp(Z).sum(axes=(1,))).sum() - (Z * y_one_hot).sum()) / Z.shape[0]
'''
OWN_HELPERS = '''
import numpy as np
import scipy.special
from scipy.misc import imread
from .layers import *


def affine_relu_forward(x, w, b, normalization):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    return affine_backward(relu_backward(dout, relu_cache), fc_cache)


def sigmoid_forward(x):
    out = scipy.special.expit(x)
    return out, out


def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)


def leaky_backward(dout, cache):
    return dout * np.where(cache > 0, 1.0, 0.01)


def net_forward_backward(x, w):
    out = x @ w
    return out, x.T @ np.ones_like(out)
'''
FEATURES_2016 = "import numpy as np\nfrom scipy.ndimage import uniform_filter\n\ndef hog_feature(im):\n    print 'old staff code'\n"


def _folder(root: Path) -> Path:
    files = assignment2(FAST_NUMPY)
    for name in ("cs231n/classifiers/cnn.py", "cs231n/classifiers/fc_net.py", "cs231n/layer_utils.py"):
        del files[name]  # faster: the layers are enough beside what is under test here
    # the student's own alternative forward, beside the course's batchnorm_backward(_alt)
    files["cs231n/layers.py"] += "\n\ndef batchnorm_forward_alt(x, gamma, beta, bn_param):\n    return batchnorm_forward(x, gamma, beta, bn_param)\n"
    files.update({
        "cs231n/features.py": FEATURES_2016,  # course-provided, Python 2
        "cs231n/feature_net.py": "from .features import hog_feature\nfrom .layers import *\n",
        "cs231n/own.py": OWN_HELPERS,
        "cs231n/eecs498.py": TORCH_CODE,
        "cs231n/beside_torch.py": NUMPY_BESIDE_TORCH,
        "needle/__init__.py": "from .autograd import *\nfrom .ops import *\n",
        "needle/autograd.py": NEEDLE_AUTOGRAD,
        "needle/ops.py": NEEDLE_OPS,
        "apps/simple_ml.py": NEEDLE_APP,

        # a package committed with its Python 2 __init__.pyc and without the __init__.py
        "old/linear_svm.py": "from builtins import range\n" + _student("linear_svm.py", 1),
    })
    folder = _write(root, files)
    (folder / "old" / "__init__.pyc").write_bytes(PY2_PYC)
    return folder


def _messages(report: RunReport) -> list[str]:
    return [r.message for r in report.results] + [u.reason for u in report.unchecked]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _folder(tmp_path_factory.mktemp("not_theirs"))


@pytest.fixture(scope="module")
def report(folder: Path) -> RunReport:
    return run(folder, examples=8, seed=4, timeout=30)


def test_only_the_students_code_is_judged_and_the_rest_is_listed_with_its_reason(report: RunReport) -> None:
    assert report.error is None, report.error
    assert report.ok, _failed(report)  # nothing here is the student's error
    unchecked = {u.name: u for u in report.unchecked}
    # the course's Python 2 features.py, imported by a student module: a course file, not an error
    assert unchecked["cs231n.features"].kind is UncheckedKind.COURSE_FILE
    assert "print(...)" in unchecked["cs231n.features"].reason
    # torch code is checked on tensors where the registry has a torch entry of its name (EECS 498's
    # Linear), listed as torch code where not (svm_loss on scores is CS231n's, numpy); needle code is
    # not fed numpy arrays
    assert unchecked["svm_loss"].reason.startswith("not checked: written for torch tensors"), unchecked["svm_loss"]
    assert "Linear" not in unchecked
    assert "a needle TensorOp" in unchecked["EWiseMul"].reason
    assert "written for needle tensors" in unchecked["softmax_loss"].reason
    # a helper of the student's own signature under a course name
    assert unchecked["affine_relu_forward"].reason == (
        "not checked: its parameters (x, w, b, normalization) differ from the course's affine_relu_forward(x, w, b)"
    )
    assert unchecked["leaky_backward"].reason == "no leaky_forward next to it"
    assert "a forward and its backward in one function" in unchecked["net_forward_backward"].reason

    # scipy, not installed here, gets a stand-in: only the call into it makes sigmoid_forward unchecked
    assert "calls expit from scipy.special, which is not installed here" in unchecked["sigmoid_forward"].reason
    # the stale __init__.pyc is said, and the package's modules are still checked
    assert unchecked["old"].kind is UncheckedKind.MODULE and "stale __init__.pyc" in unchecked["old"].reason
    checked = {r.implementation: r for r in report.results}
    assert {"svm_loss_naive", "svm_loss_vectorized", "sigmoid_forward", "batchnorm_forward_alt", "Linear"} <= set(checked)
    assert checked["Linear"].status is Status.PASS and checked["Linear"].source.endswith("eecs498.py")
    assert checked["batchnorm_forward_alt"].gate == "batchnorm"


def test_needle_in_its_python_folder_is_needle_code_not_a_missing_package(tmp_path: Path) -> None:
    """CMU 10-714's layout: needle under python/, which its apps put on sys.path themselves."""
    folder = _write(tmp_path, {
        "hw1/python/needle/__init__.py": "from .autograd import *\nfrom .ops import *\n",
        "hw1/python/needle/autograd.py": NEEDLE_AUTOGRAD,
        "hw1/python/needle/ops.py": "import needle\n" + NEEDLE_OPS,
        "hw1/apps/simple_ml.py": NEEDLE_APP,
    })
    report = run(folder / "hw1", examples=3, seed=0, timeout=30)
    assert report.error is None and not report.results
    # the package is imported as `needle` from python/, so the app that imports it loads, and its
    # needle code is said to be needle's; a needle whose autograd has no Tensor cannot run an op
    # (a real one is checked: tests/test_needle.py)
    unchecked = {u.name: (u.kind, u.reason) for u in report.unchecked}
    assert unchecked["softmax_loss"] == (
        UncheckedKind.IMPLEMENTATION, "not checked: written for needle tensors (CMU 10-714); gradgate checks numpy code"
    )
    assert "defines no Tensor class" in unchecked["EWiseMul"][1]
    pointed = run(folder / "hw1" / "python", examples=3, seed=0, timeout=30)  # the folder on sys.path
    assert "a needle TensorOp" in {u.name: u.reason for u in pointed.unchecked}["EWiseMul"]


def test_no_message_points_into_gradgate(report: RunReport, folder: Path) -> None:
    students = {p.name for p in folder.rglob("*.py")}
    for message in _messages(report):
        for file in re.findall(r"\(at ([\w.]+):\d+", message):
            assert file in students, message
        assert str(OURS) not in message and not re.search(r"\b(guard|engine|adapters|battery|discover|staff)\.py", message), message


def test_a_wrong_arity_call_names_no_gradgate_file(tmp_path: Path) -> None:
    """A TypeError raised by the call itself has no frame of the student's: no location, not ours."""
    folder = _write(tmp_path, {"layers.py": textwrap.dedent('''
        import numpy as np

        def relu_forward(x):
            return np.maximum(x, 0), x

        def relu_backward(dout, cache, extra):
            return dout * (cache > 0)
        ''')})
    (result,) = run(folder, examples=3, seed=0, timeout=30).results
    assert result.status is Status.ERROR
    assert "relu_backward() missing 1 required positional argument: 'extra'" in result.message
    assert "(at " not in result.message and ".py" not in result.message, result.message


def test_the_sandbox_agrees_torch_code_included(folder: Path, report: RunReport) -> None:
    """The same verdicts and list in the grading sandbox: where the code imports torch, its child
    loads torch before it is locked down, so torch code is judged (or listed) there as here."""
    boxed = run(folder, examples=8, seed=4, timeout=30, executor=Sandbox(timeout=30))
    assert [(r.implementation, r.status, r.message) for r in boxed.results] == [
        (r.implementation, r.status, r.message) for r in report.results
    ]
    assert sorted((u.name, u.reason, u.kind) for u in boxed.unchecked) == sorted((u.name, u.reason, u.kind) for u in report.unchecked)
    assert any(r.implementation == "Linear" for r in boxed.results)


DROPOUT_2022 = '''
import numpy as np


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        pass
    elif mode == "test":
        pass
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    dx = None
    if mode == "train":
        pass
    elif mode == "test":
        dx = dout
    return dx
'''


@pytest.mark.parametrize("executor", [IN_PROCESS, Sandbox(timeout=30)], ids=["in_process", "sandbox"])
def test_the_2022_dropout_template_is_not_implemented(tmp_path: Path, executor: object) -> None:
    folder = _write(tmp_path, {"layers.py": DROPOUT_2022})
    report = run(folder, examples=5, seed=0, timeout=30, executor=executor)  # type: ignore[arg-type]
    (result,) = report.results
    assert result.status is Status.ERROR and result.counterexample is None
    assert result.message.startswith("not implemented: out is still the template's None at `out = out.astype(x.dtype, copy=False)`"), result.message


def test_a_failure_of_gradgates_own_is_not_checked_and_the_rest_still_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug of ours on one implementation (one crashed a whole MyTorch run once, with no report)
    lists it as not checked, says whose error it is, and points into no gradgate file."""
    folder = _write(tmp_path, {"layers.py": textwrap.dedent('''
        import numpy as np

        def relu_forward(x):
            return np.maximum(x, 0), x

        def relu_backward(dout, cache):
            return dout * (cache > 0)

        def sigmoid_forward(x):
            out = 1 / (1 + np.exp(-x))
            return out, out

        def sigmoid_backward(dout, cache):
            return dout * cache * (1 - cache)
        ''')})
    real = LayerPair.forward

    def broken(self: LayerPair, args: Any, sizes: Any) -> Any:
        if self.forward_fn.__name__ == "relu_forward":
            raise TypeError("vars() argument must have __dict__ attribute")
        return real(self, args, sizes)

    monkeypatch.setattr(LayerPair, "forward", broken)
    report = run(folder, examples=10, seed=0, timeout=30)
    assert report.error is None
    assert [(r.implementation, r.status) for r in report.results] == [("sigmoid_forward", Status.PASS)], report.results
    (ours,) = [u for u in report.unchecked if u.name == "relu_forward"]
    assert ours.reason.startswith(OWN_FAILURE) and "TypeError: vars()" in ours.reason and str(OURS) not in ours.reason, ours.reason


def test_plot_settings_and_3d_axes_at_the_top_of_a_students_file_are_not_theirs(tmp_path: Path) -> None:
    """`plt.rcParams[...] = ...` at a file's top was an ERROR ('_Missing' object does not support
    item assignment) and `from mpl_toolkits.mplot3d import Axes3D` left a whole two_layer_net.py
    unchecked, where matplotlib is not installed (EECS 498 repositories)."""
    folder = _write(tmp_path, {"layers.py": textwrap.dedent('''
        import numpy as np
        import matplotlib.pyplot as plt
        from mpl_toolkits.mplot3d import Axes3D

        plt.rcParams["figure.figsize"] = (10.0, 8.0)
        plt.rcParams["image.interpolation"] = "nearest"
        size = plt.rcParams["figure.figsize"]

        def relu_forward(x):
            return np.maximum(x, 0), x

        def relu_backward(dout, cache):
            return dout * (cache > 0)
        ''')})
    report = run(folder, examples=5, seed=0, timeout=30)
    assert [(r.implementation, r.status) for r in report.results] == [("relu_forward", Status.PASS)], [r.message for r in report.results]


def test_a_None_of_the_students_own_making_is_still_their_error(tmp_path: Path) -> None:
    """Only a name the function itself set to None reads as the template: other Nones are bugs."""
    folder = _write(tmp_path, {"layers.py": textwrap.dedent('''
        import numpy as np

        def relu_forward(x):
            out = {"a": np.maximum(x, 0)}.get("b")
            return out.astype(x.dtype), x

        def relu_backward(dout, cache):
            return dout * (cache > 0)
        ''')})
    (result,) = run(folder, examples=3, seed=0, timeout=30).results
    assert result.status is Status.ERROR and not result.message.startswith("not implemented"), result.message
    assert "'NoneType' object has no attribute 'astype'" in result.message


@pytest.mark.parametrize("sandboxed", [False, True], ids=["in-process", "sandbox"])
def test_a_cs231n_folder_without_its_init_is_imported_as_python_3_does(tmp_path: Path, sandboxed: bool) -> None:
    """A namespace package: cs231n/ committed without __init__.py, its modules importing
    `cs231n.layers` absolutely, is checked, not listed as a missing module."""
    package = tmp_path / "cs231n"
    layers = (Path(__file__).resolve().parent.parent / "gates" / "student" / "layers.py").read_text()
    _write(package, {
        "layers.py": layers,
        "layer_utils.py": "from cs231n.layers import *\n",
        "classifiers/__init__.py": "",
        "classifiers/sigmoid_user.py": "import numpy as np\nfrom cs231n.layers import relu_forward\n\n"
        "def sigmoid_forward(x):\n    out = 1 / (1 + np.exp(-x))\n    return out, out\n\n"
        "def sigmoid_backward(dout, cache):\n    return dout * cache * (1 - cache)\n",
    })
    report = run(package, examples=5, seed=0, timeout=30, executor=Sandbox(timeout=30) if sandboxed else IN_PROCESS)
    assert report.error is None
    assert {"relu", "affine", "sigmoid"} <= {r.gate for r in report.results}, report.unchecked
    assert not [u for u in report.unchecked if "cs231n" in u.reason], report.unchecked


def test_a_model_naming_its_parameters_its_own_way_is_unchecked_with_the_reason(tmp_path: Path) -> None:
    model = '''
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_dim=3, hidden_dim=4, num_classes=2, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {("W", 0): weight_scale * np.random.randn(input_dim, hidden_dim), ("b", 0): np.zeros(hidden_dim),
                       ("W", 1): weight_scale * np.random.randn(hidden_dim, num_classes), ("b", 1): np.zeros(num_classes)}

    def loss(self, X, y=None):
        return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}
'''
    path = _write(tmp_path, {"fc_net.py": model}) / "fc_net.py"
    report = run(path, examples=5, seed=0)
    assert not report.results
    (entry,) = [u for u in report.unchecked if u.name == "TwoLayerNet"]
    assert "names its parameters ('W', 0)" in entry.reason and "W1, b1, W2, b2" in entry.reason


def test_a_model_naming_only_its_last_layer_its_own_way_is_unchecked_not_an_error(tmp_path: Path) -> None:
    """W1, b1 and then W_final, b_final (a public EECS 498 DeepConvNet's naming): the course's checks
    go by whatever keys params has, so the missing W2 is no error of the student's."""
    model = '''
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_dim=3, hidden_dim=4, num_classes=2, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
                       "W_final": weight_scale * np.random.randn(hidden_dim, num_classes), "b_final": np.zeros(num_classes)}

    def loss(self, X, y=None):
        return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}
'''
    path = _write(tmp_path, {"fc_net.py": model}) / "fc_net.py"
    report = run(path, examples=5, seed=0)
    assert not report.results, [(r.gate, r.status, r.message) for r in report.results]
    (entry,) = [u for u in report.unchecked if u.name == "TwoLayerNet"]
    assert "'W_final', 'b_final' where the course has W2, b2" in entry.reason, entry.reason


def test_a_model_whose_constructor_is_of_its_own_design_is_unchecked_with_the_reason(tmp_path: Path) -> None:
    """A keyword-only constructor without the course's `reg` (a practice repository's design): the
    course's call cannot make the model, which says nothing about its gradients."""
    model = '''
import numpy as np


class TwoLayerNet:
    def __init__(self, input_dim, hidden_dim, num_classes, *, weight_scale=1e-3, seed=None):
        self.params = {"W1": np.zeros((input_dim, hidden_dim)), "b1": np.zeros(hidden_dim),
                       "W2": np.zeros((hidden_dim, num_classes)), "b2": np.zeros(num_classes)}

    def loss(self, X, y=None, *, regularization_strength=0.0):
        return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}
'''
    path = _write(tmp_path, {"fc_net.py": model}) / "fc_net.py"
    report = run(path, examples=5, seed=0)
    assert not report.results, [(r.implementation, r.message) for r in report.results]
    (entry,) = [u for u in report.unchecked if u.name == "TwoLayerNet"]
    assert "has a constructor TwoLayerNet(input_dim, hidden_dim, num_classes, *, weight_scale" in entry.reason, entry.reason
    assert "does not fit" in entry.reason and "reg" in entry.reason


def test_a_notebook_named_as_a_course_module_is_the_students_and_its_failing_cells_are_left_out(tmp_path: Path) -> None:
    """assignment 1's features.ipynb shares its name with the course's features.py: a cell there that
    names a variable of a cell not run here (`fns = [hog, hsv]`, hog a lambda) is left out, the run goes on, and
    the notebook's own functions are checked."""
    nb = new_notebook()
    nb.cells = [
        new_code_cell("import numpy as np\nhog = lambda x: hog_feature(x)\nfns = [hog]"),
        new_code_cell(
            "def relu_forward(x):\n    return np.maximum(0, x), x\n\n\n"
            "def relu_backward(dout, cache):\n    return dout * (cache > 0)"
        ),
        new_code_cell("mean_feat = np.mean(X_train_feats, axis=0, keepdims=True)"),
    ]
    folder = tmp_path / "assignment1"
    folder.mkdir()
    nbformat.write(nb, str(folder / "features.ipynb"))
    report = run(folder, examples=5, seed=0)
    assert report.error is None, report.error
    assert [(r.gate, r.status) for r in report.results] == [("relu", Status.PASS)], report.results


@pytest.mark.parametrize("executor", [IN_PROCESS, Sandbox(timeout=30)], ids=["in_process", "sandbox"])
def test_a_script_that_loads_its_dataset_on_import_is_unchecked_not_broken(tmp_path: Path, executor: object) -> None:
    """A test script beside the student's net that reads CIFAR-10 when imported: the data is not here,
    which is no error of theirs; the net beside it is still checked."""
    script = "import numpy as np\n\nwith open('cifar-10-batches-py/data_batch_1', 'rb') as f:\n    data = f.read()\n"
    relu = "import numpy as np\n\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"
    folder = _write(tmp_path, {"TestNet.py": script, "layers.py": relu})
    report = run(folder, examples=5, seed=0, timeout=30, executor=executor)
    assert report.error is None, report.error
    assert [(r.gate, r.status) for r in report.results] == [("relu", Status.PASS)], report.results
    (entry,) = [u for u in report.unchecked if u.name == "TestNet"]
    assert "reads cifar-10-batches-py/data_batch_1, which is not here" in entry.reason, entry.reason
    assert entry.kind is UncheckedKind.MODULE


@pytest.mark.parametrize("executor", [IN_PROCESS, Sandbox(timeout=30)], ids=["in_process", "sandbox"])
def test_a_script_that_runs_the_courses_missing_test_cases_on_import_is_unchecked_not_broken(tmp_path: Path, executor: object) -> None:
    """A notebook exported as a script calls the test cases it star-imports from the course's
    testCases.py, which the folder lacks: the NameError is the missing file's, not the student's."""
    script = ("import numpy as np\nfrom testCases import *\n\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\n\n"
              "x = relu_forward_test_case()\n")  # fmt: skip
    relu = "import numpy as np\n\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"
    folder = _write(tmp_path, {"Step_by_Step.py": script, "layers.py": relu})
    report = run(folder, examples=5, seed=0, timeout=30, executor=executor)  # type: ignore[arg-type]
    assert report.error is None, report.error
    assert [(r.gate, r.status) for r in report.results] == [("relu", Status.PASS)], report.results
    (entry,) = [u for u in report.unchecked if u.name == "Step_by_Step"]
    assert entry.reason == ("not checked: importing it uses 'relu_forward_test_case', which it takes from course-provided "
                            "testCases by `import *`, and that is missing here"), entry.reason  # fmt: skip
    # a name the student's own code misspells is still their error
    (folder / "Step_by_Step.py").write_text("import numpy as np\n\n\nx = np.zeros(3)\ny = xx + 1\n")
    broken = run(folder, examples=5, seed=0, timeout=30, executor=executor)  # type: ignore[arg-type]
    assert any("NameError: name 'xx' is not defined" in r.message for r in broken.results if r.status is Status.ERROR), broken.results


def test_a_notebook_line_that_goes_on_with_percent_formatting_is_code_not_a_magic(tmp_path: Path) -> None:
    """`print('... %d'` then `% (i, n))` on the next line: string formatting, not a line magic; the
    cell parses and its function is checked (a real %matplotlib line is still left out)."""
    nb = new_notebook()
    nb.cells = [
        new_code_cell("%matplotlib inline\nimport numpy as np"),
        new_code_cell(
            "def relu_forward(x):\n    print('relu on %d rows'\n          % x.shape[0])\n    return np.maximum(0, x), x\n\n\n"
            "def relu_backward(dout, cache):\n    return dout * (cache > 0)"
        ),
    ]
    nbformat.write(nb, str(tmp_path / "layers.ipynb"))
    report = run(tmp_path, examples=5, seed=0)
    assert [(r.gate, r.status) for r in report.results] == [("relu", Status.PASS)], [(r.gate, r.message) for r in report.results]


PY312_FSTRING = '''
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def report(lr, reg):
    print(f"lr: {lr}, reg: {
          reg}")
'''


def test_an_f_string_that_only_python_312_parses_is_unchecked_not_a_syntax_error(tmp_path: Path) -> None:
    """A formatter's f-string broken inside its braces (PEP 701) is valid Python 3.12; on the Python
    gradgate runs on it does not parse, which is no error of the student's. A real unterminated
    string beside it is still theirs."""
    folder = _write(tmp_path, {"net.py": PY312_FSTRING, "typo.py": 'def relu_forward(x):\n    return f"{x}, x\n'})
    report = run(folder, examples=5, seed=0)
    (entry,) = [u for u in report.unchecked if u.name == "net"]
    assert "f-string broken across lines inside its braces" in entry.reason and "3.12" in entry.reason, entry.reason
    assert entry.kind is UncheckedKind.MODULE
    (typo,) = [r for r in report.results if r.gate == "typo"]
    assert typo.status is Status.ERROR and "SyntaxError" in typo.message


def test_the_course_helper_package_loads_where_opencv_is_missing(tmp_path: Path) -> None:
    """EECS 498's eecs598/ folder beside the student's files imports cv2 (to draw images): where
    OpenCV is not installed the package still loads and the student's torch layers are checked."""
    folder = _write(tmp_path, {
        "eecs598/__init__.py": "from .utils import reset_seed\n",
        "eecs598/utils.py": "import cv2\nimport torch\n\n\ndef reset_seed(n):\n    torch.manual_seed(n)\n",
        "fully_connected_networks.py": "import torch\nfrom eecs598 import reset_seed\n" + TORCH_CODE.split("\n\n\n", 2)[2],
    })
    report = run(folder, examples=5, seed=0, timeout=30)
    assert [(r.gate, r.status) for r in report.results] == [("Linear", Status.PASS)], (report.results, report.unchecked)
    assert not [u for u in report.unchecked if "cv2" in u.reason], report.unchecked


def test_an_f_string_with_its_own_quotes_inside_is_unchecked_in_a_file_and_a_notebook_cell(tmp_path: Path) -> None:
    """`f"{shapes["Z"]}"` is Python 3.12's too (PEP 701): in a .py file the module, in a notebook the
    cell, is not checked, never a SyntaxError row; the notebook's other cells still are. A wrong
    quote that no Python parses stays the student's error."""
    line = 'print(f"Z shape: {shapes["Z"]}")'
    folder = _write(tmp_path, {"net.py": "shapes = {'Z': (1,)}\n" + line + "\n", "typo.py": 'def f(x):\n    return f"{x["a"}"\n'})
    nb = new_notebook()
    nb.cells = [
        new_code_cell("import numpy as np\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"),
        new_code_cell("shapes = {'Z': (1,)}\n" + line),
    ]
    nbformat.write(nb, str(folder / "layers.ipynb"))
    report = run(folder, examples=5, seed=0)
    newer = {u.name: u.reason for u in report.unchecked if "own quotes inside its braces" in u.reason}
    assert set(newer) == {"net", "layers"} and all("3.12" in r for r in newer.values()), report.unchecked
    rows = {r.gate: r.status for r in report.results}
    assert rows == {"relu": Status.PASS, "typo": Status.ERROR}, [(r.gate, r.message) for r in report.results]


def test_a_notebook_exported_as_a_script_imports_with_its_magics(tmp_path: Path) -> None:
    """`jupyter nbconvert --to script` writes magics as get_ipython() calls: outside Jupyter that
    was a NameError row against the student (5 rows in one DLS repository); they now do nothing."""
    folder = _write(tmp_path, {"layers.py": textwrap.dedent('''
        # coding: utf-8
        import numpy as np

        get_ipython().run_line_magic("matplotlib", "inline")
        get_ipython().system("pip install -q numpy")


        def relu_forward(x):
            return np.maximum(x, 0), x


        def relu_backward(dout, cache):
            return dout * (cache > 0)
        ''')})
    report = run(folder, examples=5, seed=0, timeout=30)
    assert [(r.implementation, r.status) for r in report.results] == [("relu_forward", Status.PASS)], [r.message for r in report.results]
    import builtins

    assert not hasattr(builtins, "get_ipython")  # nothing of it left in the user's process


def test_a_loss_function_that_returns_the_loss_alone_is_unchecked_not_an_error(tmp_path: Path) -> None:
    """CMU 10-714 hw0's softmax_loss(Z, y) returns the average loss only, as its docstring asks: no
    gradient to check, which is no error of the student's."""
    source = ("import numpy as np\n\n\ndef softmax_loss(Z, y):\n"
              "    return np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(Z.shape[0]), y])\n")  # fmt: skip
    path = _write(tmp_path, {"simple_ml.py": source}) / "simple_ml.py"
    report = run(path, examples=5, seed=0)
    assert not report.results, [(r.gate, r.status, r.message) for r in report.results]
    (entry,) = [u for u in report.unchecked if u.name == "softmax_loss"]
    assert entry.reason.startswith("not checked: it returns the loss alone (float64), with no gradient to check"), entry.reason


def test_a_module_a_notebook_imports_from_a_folder_of_the_target_is_not_called_uninstalled(tmp_path: Path) -> None:
    """10-714 hw0.ipynb: `sys.path.append("./src")` then `import simple_ml`; that file is here, and
    checked on its own."""
    relu = "import numpy as np\n\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"
    folder = _write(tmp_path, {"src/simple_ml.py": relu})
    nb = new_notebook()
    nb.cells = [new_code_cell('import sys\nsys.path.append("./src")\nimport simple_ml\n\n\ndef add(x, y):\n    return simple_ml.relu_forward(x)[0] + y\n')]
    nbformat.write(nb, str(folder / "hw0.ipynb"))
    report = run(folder, examples=5, seed=0, timeout=30)
    assert [(r.gate, r.status) for r in report.results] == [("relu", Status.PASS)], report.results
    (entry,) = [u for u in report.unchecked if u.name == "simple_ml"]
    assert entry.reason.startswith("the module 'simple_ml' is src/simple_ml.py here, not beside the notebook"), entry.reason


def test_a_syntax_error_in_a_module_a_package_init_imports_is_one_row_for_that_module(tmp_path: Path) -> None:
    """classifiers/__init__.py imports linear_classifier.py, which has a Python 2 print: the row is
    linear_classifier.py's, and __init__.py and its other modules point at it."""
    files = {
        "cs231n/__init__.py": "",
        "cs231n/classifiers/__init__.py": "from .linear_classifier import *\nfrom .softmax import *\n",
        "cs231n/classifiers/linear_classifier.py": "def train():\n    print 'loss'\n",
        "cs231n/classifiers/softmax.py": "import numpy as np\n\n\ndef softmax_loss_vectorized(W, X, y, reg):\n    return 0.0, np.zeros_like(W)\n",
    }
    report = run(_write(tmp_path, files), examples=5, seed=0, timeout=30)
    broken = [(Path(r.source).name, r.message) for r in report.results if "cannot be imported" in r.message]
    assert [name for name, _ in broken] == ["linear_classifier.py"], broken
    reasons = {u.name: u.reason for u in report.unchecked}
    assert reasons["__init__"] == "not checked: importing it runs cs231n/classifiers/linear_classifier.py, which cannot be imported (its own row says why)"


def test_a_bias_gradient_of_the_course_layers_shape_for_a_1_by_F_bias_is_compared_as_the_parameter(tmp_path: Path) -> None:
    """A model keeping b as (1, F): the course's own layers give db as (F,), and its Solver's update
    broadcasts it; the same gradient, compared as the parameter's shape, with an advisory."""
    model = '''
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_dim=3, hidden_dim=4, num_classes=2, weight_scale=1e-3, reg=0.0):
        self.reg = reg
        self.params = {"W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros((1, hidden_dim)),
                       "W2": weight_scale * np.random.randn(hidden_dim, num_classes), "b2": np.zeros((1, num_classes))}

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        h = np.maximum(0, X @ W1 + b1)
        scores = h @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        N = X.shape[0]
        loss = -np.log(p[np.arange(N), y]).mean() + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        d = p.copy()
        d[np.arange(N), y] -= 1
        d /= N
        dh = (d @ W2.T) * (h > 0)
        return loss, {"W2": h.T @ d + self.reg * W2, "b2": d.sum(axis=0), "W1": X.T @ dh + self.reg * W1, "b1": dh.sum(axis=0)}
'''
    path = _write(tmp_path, {"fc_net.py": model}) / "fc_net.py"
    report = run(path, examples=20, seed=0)
    (result,) = report.results
    assert result.status is Status.PASS, result.message
    assert any("has shape (1, 4) where the course has (4,)" in a.message or "grads['b1'] has shape" in a.message for a in result.advisories), result.advisories
