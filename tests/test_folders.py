"""Whole CS231n assignment folders, checked folder-wide.

The folders are built in tmp_path in the course's layout (a `cs231n` package with `classifiers/`,
absolute and relative imports, `from builtins import range`, course-provided staff modules beside the
student's) from the registry's own student-style code in gates/student, so every implementation in
them is correct; bugs are planted by appending a mutant from tests/mutants to a module (a later
definition replaces the earlier one). The verdicts are read from one `run` over the whole folder.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from gradgate.checks.conventions import Convention
from gradgate.checks.discover import Candidate, discover
from gradgate.checks.engine import run
from gradgate.checks.matching import match
from gradgate.checks.executor import IN_PROCESS
from gradgate.checks.results import ImplementationResult, RunReport, Status
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import REGISTRY

from gradgate import terminal

from .conftest import MUTANTS, STUDENT

EXAMPLES = 15  # the verdicts, not the fuzzing depth, are under test here (tests/test_corpus.py does that)

Files = dict[str, str]


SIBLINGS = {"layers": "layers", "losses": "layers", "layer_utils": "layer_utils", "rnn_layers": "rnn_layers"}


def _student(name: str, depth: int) -> str:
    """A gates/student module with its flat sibling imports made the package's relative ones (the
    course keeps the losses in layers.py)."""
    dots = "." * depth

    def relative(m: re.Match[str]) -> str:
        return f"from {dots}{SIBLINGS[m[1]]} import" if m[1] in SIBLINGS else m[0]

    return re.sub(r"^from (\w+) import", relative, (STUDENT / name).read_text(), flags=re.MULTILINE)


# Course-provided modules, written as the course ships them (trimmed): the student never edits them.
FAST_LAYERS = '''
from __future__ import print_function
import numpy as np
try:
    from .im2col_cython import col2im_6d_cython
except ImportError:
    print("run the following from the cs231n directory and try again:")
    print("python setup.py build_ext --inplace")


def conv_forward_strides(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def conv_backward_strides(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            dw += np.tensordot(dout[:, :, i, j], win, axes=([0], [0]))
            dxp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
    return DX, dw, dout.sum(axis=(0, 2, 3))


def max_pool_forward_fast(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out = np.zeros((N, C, 1 + (H - ph) // s, 1 + (W - pw) // s))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(N, C, -1).max(axis=2)
    return out, (x, pool_param)


def max_pool_backward_fast(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx


conv_forward_fast = conv_forward_strides
conv_backward_fast = conv_backward_strides
'''
# As shipped: the backward needs the compiled extension. Pure numpy: a student who compiled it.
FAST_NEEDS_CYTHON = FAST_LAYERS.replace("DX", "col2im_6d_cython(dxp, N, C, H, W, HH, WW, pad, stride)")
FAST_NUMPY = FAST_LAYERS.replace("DX", "dxp[:, :, pad:pad + H, pad:pad + W]")
FAST_PYTHON2 = FAST_NUMPY.replace('print("run the following from the cs231n directory and try again:")', "print 'run the following from the cs231n directory and try again:'")

STAFF: Files = {
    "cs231n/data_utils.py": "from imageio import imread\nimport numpy as np\n\ndef load_CIFAR10(root):\n    pass\n",
    "cs231n/gradient_check.py": "from __future__ import print_function\nimport numpy as np\n\ndef eval_numerical_gradient(f, x, verbose=True, h=0.00001):\n    print 'old staff code'\n",
    "cs231n/solver.py": "import numpy as np\nfrom cs231n import optim\n\nclass Solver(object):\n    def train(self):\n        pass\n",
    "cs231n/optim.py": "import numpy as np\n\ndef sgd(w, dw, config=None):\n    return w - dw, config\n",
    "cs231n/vis_utils.py": "import matplotlib.pyplot as plt\n",
    "cs231n/setup.py": "from distutils.core import setup\n",
}


def assignment1() -> Files:
    return {
        "cs231n/__init__.py": "",
        # the course's own package __init__, absolute imports
        "cs231n/classifiers/__init__.py": "from cs231n.classifiers.linear_classifier import *\n",
        "cs231n/classifiers/linear_svm.py": "from random import shuffle\nfrom past.builtins import xrange\n" + _student("linear_svm.py", 2),
        "cs231n/classifiers/softmax.py": "from random import shuffle\nfrom past.builtins import xrange\n" + _student("softmax.py", 2),
        "cs231n/classifiers/neural_net.py": _student("neural_net.py", 2),
        "cs231n/classifiers/linear_classifier.py": textwrap.dedent('''
            from __future__ import print_function
            from builtins import range, object
            import numpy as np
            from cs231n.classifiers.linear_svm import *
            from cs231n.classifiers.softmax import *
            from past.builtins import xrange


            class LinearClassifier(object):
                def __init__(self):
                    self.W = None

                def loss(self, X_batch, y_batch, reg):
                    pass


            class LinearSVM(LinearClassifier):
                def loss(self, X_batch, y_batch, reg):
                    return svm_loss_vectorized(self.W, X_batch, y_batch, reg)
            '''),
        **STAFF,
    }


def assignment2(fast_layers: str | None = FAST_NUMPY) -> Files:
    layer_utils = _student("layer_utils.py", 1).replace("from .layers import *", "from .layers import *\nfrom .fast_layers import *")
    # the course's composites call the staff fast layers
    for name in ("conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward"):
        layer_utils = layer_utils.replace(f"{name}_naive(", f"{name}_fast(")
    files = {
        "cs231n/__init__.py": "",
        "cs231n/layers.py": "from builtins import range\n" + _student("layers.py", 1) + "\n\n" + _student("losses.py", 1),
        "cs231n/layer_utils.py": layer_utils,
        "cs231n/classifiers/__init__.py": "",
        "cs231n/classifiers/fc_net.py": _student("models.py", 2) + "\n\n" + _student("fc_net.py", 2),
        "cs231n/classifiers/cnn.py": _student("cnn.py", 2).replace("from ..layer_utils import *", "from ..fast_layers import *\nfrom ..layer_utils import *"),
        **STAFF,
    }
    if fast_layers is not None:
        files["cs231n/fast_layers.py"] = fast_layers
    return files


def assignment3() -> Files:
    return {
        "cs231n/__init__.py": "",
        "cs231n/rnn_layers.py": "from __future__ import print_function, division\n" + _student("rnn_layers.py", 1),
        "cs231n/classifiers/__init__.py": "",
        "cs231n/classifiers/rnn.py": textwrap.dedent('''
            from builtins import range, object
            import numpy as np
            from ..rnn_layers import *


            class CaptioningRNN(object):
                def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128, hidden_dim=128, cell_type="rnn"):
                    self.params = {}

                def loss(self, features, captions):
                    pass
            '''),
        # a module that needs a package not installed here: not the student's failure
        "cs231n/classifiers/squeezenet.py": "import tensorflow as tf\n\nclass SqueezeNet(object):\n    pass\n",
        "cs231n/coco_utils.py": "import h5py\n",
        "cs231n/captioning_solver.py": "from cs231n import optim\n",
        "cs231n/image_utils.py": "from imageio import imread\n",
    }


def _write(root: Path, files: Files) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _labels(*student_files: str) -> set[str]:
    """The implementations in these files: every candidate but the plain functions (every function
    is one) that the registry does not name, which the engine passes over as helpers."""
    found = set()
    for name in student_files:
        found |= {c.label for c in discover(STUDENT / name).candidates
                  if c.convention is not Convention.FUNCTIONS or not isinstance(match(c, REGISTRY), str)}  # fmt: skip
    return found


def _unconfigured(r: ImplementationResult) -> str:
    """The implementation's own name: FullyConnectedNet for FullyConnectedNet[dropout]."""
    return r.implementation.removesuffix(f"[{r.configuration}]") if r.configuration else r.implementation


def _failed(report: RunReport) -> list[str]:
    return [f"{r.gate} {r.implementation}: {r.message}" for r in report.results if r.status is not Status.PASS]


FOLDERS: dict[str, tuple[Callable[[], Files], tuple[str, ...]]] = {
    "assignment1": (assignment1, ("linear_svm.py", "softmax.py", "neural_net.py")),
    "assignment2": (assignment2, ("layers.py", "losses.py", "layer_utils.py", "models.py", "fc_net.py", "cnn.py")),
    "assignment3": (assignment3, ("rnn_layers.py",)),
}


@pytest.mark.parametrize("name", FOLDERS)
def test_assignment_folder_passes_and_each_implementation_is_checked_once(tmp_path: Path, name: str) -> None:
    build, sources = FOLDERS[name]
    folder = _write(tmp_path / name, build())
    report = run(folder, examples=EXAMPLES, seed=5, timeout=30)
    assert report.error is None, report.error
    assert not _failed(report), _failed(report)
    checked = [(r.gate, r.implementation, Path(r.source).name) for r in report.results]
    assert len(checked) == len(set(checked)), "an implementation was checked twice"
    # everything the student wrote, under its own name, and nothing imported by `from .layers import *`
    assert {_unconfigured(r) for r in report.results} == _labels(*sources)
    # course-provided modules are neither results nor failures, and are not even imported when unused
    assert not any(Path(r.source).stem in {"data_utils", "gradient_check", "solver", "vis_utils"} for r in report.results)
    assert not any("gradient_check" in u.source or "data_utils" in u.source for u in report.unchecked)


def test_same_name_entries_are_told_apart_by_their_signature(tmp_path: Path) -> None:
    folder = _write(tmp_path, {**assignment1(), **assignment2()})
    models = [c for c in discover(folder).candidates if c.name == "TwoLayerNet"]
    specs = {Path(c.source).name: match(c, REGISTRY)[0] for c in models}
    assert set(specs) == {"neural_net.py", "fc_net.py"}
    assert specs["neural_net.py"].signature == ("input_size", "hidden_size", "output_size")  # type: ignore[union-attr]
    assert specs["fc_net.py"].signature == ("input_dim", "hidden_dim", "num_classes")  # type: ignore[union-attr]
    odd = Candidate("TwoLayerNet", models[0].convention, models[0].objects, "TwoLayerNet", "x.py", ("sizes", "reg"))
    assert "fit no registry entry" in str(match(odd, REGISTRY))


# (folder, module the mutant is appended to, mutant): forward-only bugs among them, which only the
# reference comparison sees.
PLANTED = [
    ("assignment2", "cs231n/layers.py", "layernorm__batch_axis.py"),
    ("assignment2", "cs231n/layers.py", "spatial_batchnorm__reshape_without_transpose.py"),
    ("assignment2", "cs231n/layers.py", "spatial_groupnorm__strided_groups.py"),
    ("assignment2", "cs231n/layers.py", "max_pool__out_size_floor.py"),
    ("assignment2", "cs231n/classifiers/fc_net.py", "FullyConnectedNet__no_regularization.py"),
    ("assignment1", "cs231n/classifiers/linear_svm.py", "svm_loss_naive__no_regularization.py"),
    ("assignment3", "cs231n/rnn_layers.py", "lstm_step__gate_order_ifgo.py"),
]


@pytest.mark.parametrize(("name", "module", "mutant"), PLANTED, ids=[p[2][:-3] for p in PLANTED])
def test_planted_bug_is_found_in_place(tmp_path: Path, name: str, module: str, mutant: str) -> None:
    files = FOLDERS[name][0]()
    files[module] += "\n\n" + (MUTANTS / mutant).read_text()
    folder = _write(tmp_path, files)
    gate = mutant.split("__")[0]
    report = run(folder, examples=EXAMPLES * 2, seed=3, timeout=30, registry=[s for s in REGISTRY if s.name == gate])
    assert report.error is None, report.error
    mine = [r for r in report.results if r.gate == gate and Path(r.source).name == Path(module).name]
    assert len({_unconfigured(r) for r in mine}) == 1, mine  # one implementation (one result per configuration)
    assert any(r.status is not Status.PASS for r in mine), f"planted bug not found: {(MUTANTS / mutant).read_text().splitlines()[0]}"


@pytest.mark.parametrize("namespace", [False, True], ids=["package", "namespace_package"])
def test_folders_of_one_package_name_checked_in_one_process_are_each_their_own(tmp_path: Path, namespace: bool) -> None:
    """A kernel or pytest session has imported one `cs231n` and checks another (also without
    __init__.py, a namespace package, which has no __file__): it is imported from its own folder,
    and the earlier import is back in place afterwards."""
    names = {name: _write(tmp_path / name, FOLDERS["assignment1"][0]()) for name in ("first", "second")}
    for folder in names.values() if namespace else ():
        (folder / "cs231n" / "__init__.py").unlink()
        (folder / "cs231n" / "classifiers" / "__init__.py").unlink()
    with (names["second"] / "cs231n" / "classifiers" / "linear_svm.py").open("a") as f:
        f.write("\n\n" + (MUTANTS / "svm_loss_naive__no_regularization.py").read_text())
    import sys

    sys.path.insert(0, str(names["first"]))
    try:
        import cs231n as earlier  # the kernel's own import, from another folder
    finally:
        sys.path.remove(str(names["first"]))
    try:
        gate = [s for s in REGISTRY if s.name in ("svm_loss_naive", "softmax_loss_naive")]
        first = run(names["first"] / "cs231n", examples=EXAMPLES, seed=3, timeout=30, registry=gate)
        second = run(names["second"] / "cs231n", examples=EXAMPLES, seed=3, timeout=30, registry=gate)
        assert sys.modules["cs231n"] is earlier
    finally:
        for name in [n for n in sys.modules if n.partition(".")[0] == "cs231n"]:
            del sys.modules[name]
    assert first.error is None and second.error is None, (first.error, second.error)
    assert not _failed(first), _failed(first)
    mine = {Path(r.source).parts[-4] for r in second.results if r.implementation == "svm_loss_naive"}
    assert mine == {"second"}, [r.source for r in second.results]
    assert [r.status for r in second.results if r.implementation == "svm_loss_naive"] != [Status.PASS]


@pytest.mark.parametrize(
    "fast_layers",
    [None, FAST_NEEDS_CYTHON, FAST_PYTHON2, FAST_NUMPY],
    ids=["missing", "uncompiled_extension", "python2_staff_file", "working"],
)
def test_the_course_fast_layers_are_replaced_so_the_students_conv_code_is_checked(tmp_path: Path, fast_layers: str | None) -> None:
    """fast_layers (course-provided, needing a compiled extension) is replaced by gradgate's numpy
    version whatever the submission holds: the composites and the conv net that call it are checked."""
    files = assignment2(fast_layers)
    del files["cs231n/classifiers/fc_net.py"]  # faster: the networks are not what is under test here
    folder = _write(tmp_path, files)
    report = run(folder, examples=EXAMPLES, seed=1, timeout=30)
    assert report.error is None, report.error
    assert report.ok, _failed(report)
    checked = {r.implementation for r in report.results}
    assert {"conv_relu_forward", "conv_relu_pool_forward", "ThreeLayerConvNet", "affine_forward"} <= checked
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert "replaced by gradgate's numpy version" in unchecked["cs231n.fast_layers"]


def test_a_bug_around_the_fast_layers_is_found(tmp_path: Path) -> None:
    files = assignment2(None)
    files["cs231n/layer_utils.py"] += textwrap.dedent('''

        def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
            a, conv_cache = conv_forward_fast(x, w, b, conv_param)
            s, relu_cache = relu_forward(a)
            out, pool_cache = max_pool_forward_fast(s, pool_param)
            return out, (conv_cache, relu_cache, pool_cache)

        def conv_relu_pool_backward(dout, cache):
            conv_cache, relu_cache, pool_cache = cache
            ds = max_pool_backward_fast(dout, pool_cache)
            dx, dw, db = conv_backward_fast(ds, conv_cache)  # BUG: the relu's backward is skipped
            return dx, dw, db
        ''')
    folder = _write(tmp_path, files)
    report = run(folder, examples=EXAMPLES * 2, seed=3, timeout=30, registry=[s for s in REGISTRY if s.name == "conv_relu_pool"])
    (result,) = [r for r in report.results if Path(r.source).name == "layer_utils.py"]
    assert result.status is Status.FAIL, result.message


def test_other_unusable_staff_code_leaves_the_student_unblamed(tmp_path: Path) -> None:
    """A staff module that is missing (im2col here) gets a stand-in: the student's module loads, and
    what calls into it is listed as not checked, with the module to blame."""
    files = assignment2(FAST_NUMPY)
    del files["cs231n/classifiers/fc_net.py"]
    files["cs231n/layer_utils.py"] += textwrap.dedent('''

        from cs231n.im2col import im2col_indices

        def conv_relu_forward(x, w, b, conv_param):
            cols = im2col_indices(x, w.shape[2], w.shape[3], conv_param["pad"], conv_param["stride"])
            return cols, None

        def conv_relu_backward(dout, cache):
            return None, None, None
        ''')
    folder = _write(tmp_path, files)
    report = run(folder, examples=EXAMPLES, seed=1, timeout=30)
    assert report.error is None, report.error
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert "cs231n.im2col" in unchecked.get("conv_relu_forward", ""), unchecked
    assert "course-provided" in unchecked["conv_relu_forward"]
    assert {"affine_forward", "conv_relu_pool_forward", "batchnorm_backward_alt"} <= {r.implementation for r in report.results}


@pytest.mark.parametrize("name", FOLDERS)
def test_the_grading_sandbox_gives_the_in_process_verdicts(tmp_path: Path, name: str) -> None:
    """Same seed, same verdicts and the same not-checked list, whichever executor runs the student's
    code: same-name entries told apart by signature, several outputs, a model's dtype argument and
    the course's fast layers replaced (assignment 2 without its fast_layers) all cross the process boundary."""
    files = FOLDERS[name][0]() if name != "assignment2" else assignment2(None)
    folder = _write(tmp_path, files)
    in_process = run(folder, examples=5, seed=2, timeout=30)
    boxed = run(folder, examples=5, seed=2, timeout=30, executor=Sandbox(timeout=30))
    assert boxed.error == in_process.error
    verdicts = [(r.gate, r.implementation, r.status, r.message, r.counterexample) for r in in_process.results]
    assert [(r.gate, r.implementation, r.status, r.message, r.counterexample) for r in boxed.results] == verdicts
    assert sorted((u.name, u.reason) for u in boxed.unchecked) == sorted((u.name, u.reason) for u in in_process.unchecked)
    assert in_process.results and not _failed(in_process), _failed(in_process)
    if name == "assignment2":  # the course's fast layers, missing here, replaced in the child too
        assert {"conv_relu_forward", "ThreeLayerConvNet"} <= {r.implementation for r in boxed.results}


@pytest.mark.parametrize("sandboxed", [False, True], ids=["in_process", "sandbox"])
def test_a_template_importing_matplotlib_loads_without_it(tmp_path: Path, sandboxed: bool) -> None:
    """Assignment 1's neural_net.py template imports matplotlib.pyplot to plot; where matplotlib is
    not installed the student's network is still checked."""
    files = assignment1()
    net = "cs231n/classifiers/neural_net.py"
    files[net] = re.sub(r"^import numpy as np$", "import numpy as np\nimport matplotlib.pyplot as plt\nfrom matplotlib import cm",
                        files[net], count=1, flags=re.MULTILINE)
    assert "import matplotlib.pyplot" in files[net]
    folder = _write(tmp_path, files)
    executor = Sandbox(timeout=30) if sandboxed else IN_PROCESS
    report = run(folder, examples=5, seed=0, timeout=30, executor=executor)
    (net_result,) = [r for r in report.results if r.gate == "TwoLayerNet"]
    assert net_result.status is Status.PASS, net_result.message
    assert not any("matplotlib" in u.reason for u in report.unchecked)


def test_a_module_needing_an_uninstalled_package_is_listed_not_failed(tmp_path: Path) -> None:
    folder = _write(tmp_path, assignment3())
    report = run(folder, examples=5, seed=0, timeout=30)
    assert report.ok, _failed(report)
    reasons = {u.name: u.reason for u in report.unchecked}
    assert "tensorflow" in reasons["cs231n.classifiers.squeezenet"]
    assert "no registry entry" in reasons["CaptioningRNN"]


def test_a_file_or_the_package_folder_inside_a_package_is_imported_as_the_package(tmp_path: Path) -> None:
    folder = _write(tmp_path, assignment2())
    whole = {c.label for c in discover(folder).candidates}
    assert {c.label for c in discover(folder / "cs231n").candidates} == whole
    one = run(folder / "cs231n" / "layer_utils.py", examples=5, seed=0, timeout=30)  # from .layers import *
    assert one.error is None and one.ok, (one.error, _failed(one))
    assert {r.implementation for r in one.results} == _labels("layer_utils.py")


TEMPLATE = '''
from builtins import range
import numpy as np


def affine_forward(x, w, b):
    out = None
    ###########################################################################
    # TODO: Copy over your solution from Assignment 1.                        #
    ###########################################################################
    pass
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    pass
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    dx, x = None, cache
    pass
    return dx


def dropout_forward(x, dropout_param):
    raise NotImplementedError("dropout_forward")


def dropout_backward(dout, cache):
    raise NotImplementedError


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    out, cache = None, None
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        bn_param["running_mean"] = 0.9 * bn_param.get("running_mean", np.zeros(x.shape[1])) + 0.1 * mu
        bn_param["running_var"] = 0.9 * bn_param.get("running_var", np.zeros(x.shape[1])) + 0.1 * var
        xhat = (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5))
        out, cache = gamma * xhat + beta, (xhat, gamma, var, bn_param.get("eps", 1e-5))
    elif mode == "test":
        pass
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    dxhat = dout * gamma
    N = dout.shape[0]
    dx = (N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (N * np.sqrt(var + eps))
    return dx, (dout * xhat).sum(0), dout.sum(0)


def softmax_loss_vectorized(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    pass
    return loss, dW


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.params = {}
        pass

    def loss(self, X, y=None):
        loss, grads = 0.0, {}
        return loss, grads
'''


def test_functions_at_their_template_are_not_implemented_not_crashes(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"layers.py": TEMPLATE})
    report = run(folder, examples=10, seed=0, timeout=30)
    results = {r.implementation: r for r in report.results}
    for label in ("affine_forward", "dropout_forward", "softmax_loss_vectorized", "FullyConnectedNet[plain]", "relu_forward", "batchnorm_forward"):
        r = results[label]
        assert r.status is Status.ERROR and r.message.startswith("not implemented"), (label, r.message)
        assert r.counterexample is None
        assert "not implemented" in terminal.implementation_lines(r)[1]
    assert "returns None for out" in results["affine_forward"].message
    assert "relu_backward returns None for dx" in results["relu_forward"].message
    assert "NotImplementedError" in results["dropout_forward"].message
    assert "mode=test" in results["batchnorm_forward"].message  # only the test mode is still a template
    assert "params empty" in results["FullyConnectedNet[plain]"].message
    # one verdict per configuration the course grades, each its own
    assert {f"FullyConnectedNet[{c}]" for c in ("plain", "dropout", "batchnorm", "layernorm")} <= set(results)


LAYER = '''
import numpy as np


def relu_forward(x):
    out = np.maximum(0, x)
    return out, x


def relu_backward(dout, cache):
    {body}
    return dx
'''
PY2 = [
    ("dx = np.zeros_like(dout)\n    for i in xrange(dout.shape[0]):\n        dx[i] = dout[i] * (cache[i] > 0)", "relu_backward", ":12", "use range"),
    ("dx = (dout * (cache > 0)).astype(np.float)", "relu_backward", ":11", "np.float was removed from numpy: use float"),
    ("dx = dout * (cache > 0) * np.asscalar(np.ones(1))", "relu_backward", ":11", "use a.item()"),
    ("dx = dout * (cache > 0)\n    for k, v in {'a': 1}.iteritems():\n        pass", "relu_backward", ":12", "use .items()"),
    ("dx = (dout * (cache > 0))[:, :dout.shape[1] / 1]", "relu_backward", ":11", "use // for sizes"),
    ("print 'relu', dout.shape\n    dx = dout * (cache > 0)", "layers.py", "line 11", "write print(...)"),
    ("dx = np.reshape(dout * (cache > 0), newshape=dout.shape)", "relu_backward", ":11", "np.reshape(a, shape)"),
    ("dx = dout * (cache > 0)\n    dx[0, 0] = float(np.where(cache[0] == cache[0, 0])[0])", "relu_backward", ":12", "a.item() or a[0]"),
    ("dx = dout * (cache > 0)\n\tdx = dx + 0", "layers.py", "line 12", "indent with spaces only"),
    ("dx = dout * (cache > 0)\n    i, j = np.unravel_index(0, dims=dx.shape)", "relu_backward", ":12", "np.unravel_index(i, shape)"),
    ("dx = dout * (cache > 0)\n    dx[np.arange(dx.shape[0]) / 1] += 0", "relu_backward", ":12", "a float array used as an index"),
    ("dx = dout * (cache > 0) + np.zeros(dout.shape[1] / 1)", "relu_backward", ":11", "use // for sizes"),
    ("from numpy.lib.npyio import loadtxt\n    dx = dout * (cache > 0)", "relu_backward", ":11", "use np.loadtxt"),
    ("dx = np.lib.pad(dout, 0) * (cache > 0)", "relu_backward", ":11", "numpy 2 removed np.lib.pad: use np.pad"),
]


@pytest.mark.parametrize(("body", "where", "line", "fix"), PY2, ids=["xrange", "np_float", "asscalar", "iteritems", "true_division", "print_statement", "numpy2_newshape",
                          "numpy2_int_of_array", "tabs_and_spaces", "unravel_index_dims", "true_division_index_array",
                          "true_division_size", "numpy2_private_npyio", "numpy2_lib_pad"])
def test_python2_and_removed_numpy_name_the_line_and_the_fix(tmp_path: Path, body: str, where: str, line: str, fix: str) -> None:
    folder = _write(tmp_path, {"layers.py": LAYER.format(body=body)})
    report = run(folder, examples=5, seed=0, timeout=30)
    (result,) = report.results
    assert result.status is Status.ERROR, result.message
    assert where in result.message and line in result.message and fix in result.message, result.message


def test_python2_implicit_relative_import_in_a_package_says_how_to_write_it(tmp_path: Path) -> None:
    files = assignment2()
    files["cs231n/layer_utils.py"] = files["cs231n/layer_utils.py"].replace("from .layers import *", "from layers import *")
    del files["cs231n/classifiers/cnn.py"], files["cs231n/classifiers/fc_net.py"]
    folder = _write(tmp_path, files)
    found = discover(folder)
    (why,) = [why for path, why in found.broken if path.endswith("layer_utils.py")]
    assert "No module named 'layers'" in why and "from .layers import" in why


def test_a_module_with_an_odd_path_imported_while_loading_is_no_crash(tmp_path: Path) -> None:
    """Anything may land in sys.modules while a target loads (torch.classes has a __path__ that is no
    list of folders): discovery's clean-up must not trip over it."""
    (tmp_path / "layers.py").write_text(
        "import sys, types\n_odd = types.ModuleType('odd_path_module')\n_odd.__path__ = object()\n"
        "sys.modules['odd_path_module'] = _odd\n\n" + (STUDENT / "layers.py").read_text().split("\ndef ", 1)[0]
    )
    try:
        found = discover(tmp_path)
    finally:
        import sys

        sys.modules.pop("odd_path_module", None)
    assert not found.broken


@pytest.mark.parametrize("target", ["micro", "micro/nn.py"])
def test_a_folder_without_init_whose_files_import_each_other_relatively_is_a_package(tmp_path: Path, target: str) -> None:
    """micrograd's layout copied without an __init__.py: nn.py's `from .engine import Value` works
    only with the folder imported as a package, and it is, not listed as nn.py's ImportError."""
    folder = _write(tmp_path, {
        "micro/engine.py": (STUDENT / "micrograd.py").read_text(),
        "micro/nn.py": "import random\nfrom .engine import Value\n\n\nclass Neuron:\n    def __init__(self, nin):\n        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]\n",
    })  # fmt: skip
    found = discover(folder / target)
    assert not found.broken, found.broken
    if target == "micro":
        assert any(c.name == "Value" for c in found.candidates), [c.label for c in found.candidates]
