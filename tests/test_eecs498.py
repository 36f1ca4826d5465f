"""UMich EECS 498-007/598-005 end to end (issue 12 item 1): folders shaped like the course's A2 and
A3, torch code only, the course's helper package `eecs598` (and torchvision) not installed.

The student's files keep the course's own template code around their work (LinearClassifier,
sample_batch, a Solver from eecs598) and a model of the student's own: what the registry has a torch
entry for (the layers, and A3's TwoLayerNet, FullyConnectedNet, ThreeLayerConvNet and DeepConvNet,
one verdict per configuration) is checked on tensors, the rest of the torch code is listed as not
checked with TORCH_REASON, never an error of the student's; the grading sandbox says the same.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from gradgate.checks.engine import run
from gradgate.checks.foreign import TORCH_REASON
from gradgate.checks.results import RunReport, Status
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import COURSES, REGISTRY

from .conftest import FULL

STUDENT = Path(__file__).resolve().parent.parent / "gates" / "student"
LOSSES = (STUDENT / "eecs498_linear_classifier.py").read_text()
LAYERS = (STUDENT / "eecs498_fully_connected.py").read_text()
CONV = (STUDENT / "eecs498_convolutional.py").read_text()
NET = (STUDENT / "eecs498_two_layer_net.py").read_text()
EXAMPLES = 15

# The course's template code around the student's functions (shortened), as A2 ships it.
A2_TEMPLATE = textwrap.dedent('''
    import random
    from abc import abstractmethod


    def hello_linear_classifier():
        print("Hello from linear_classifier.py!")


    class LinearClassifier(object):
        def __init__(self):
            random.seed(0)
            torch.manual_seed(0)
            self.W = None

        @abstractmethod
        def loss(self, W, X_batch, y_batch, reg):
            raise NotImplementedError


    class LinearSVM(LinearClassifier):
        def loss(self, W, X_batch, y_batch, reg):
            return svm_loss_vectorized(W, X_batch, y_batch, reg)


    def sample_batch(X, y, num_train, batch_size):
        idx = torch.randint(num_train, (batch_size,))
        return X[idx], y[idx]
''')
# A3's fully_connected_networks.py imports the course's helpers at its top: eecs598 (not installed)
# and a3_helper beside it (which imports torchvision, eecs598 and matplotlib).
A3_HEADER = "import torch\nfrom a3_helper import svm_loss, softmax_loss\nfrom eecs598 import Solver\n"
# The student's models (TwoLayerNet, FullyConnectedNet) come from their file (LAYERS); beside them, a
# model of the student's own design, which no entry names.
A3_TEMPLATE = textwrap.dedent('''

    class SoftmaxClassifier(object):
        def __init__(self, input_dim=3 * 32 * 32, num_classes=10, weight_scale=1e-3, reg=0.0,
                     dtype=torch.float32, device="cpu"):
            self.params = {"W1": weight_scale * torch.randn(input_dim, num_classes, dtype=dtype, device=device)}
            self.reg = reg

        def loss(self, X, y=None):
            scores, cache = Linear.forward(X, self.params["W1"], torch.zeros(self.params["W1"].shape[1]))
            return softmax_loss(scores, y)


    def create_solver_instance(data_dict, dtype, device):
        model = TwoLayerNet(hidden_dim=200, dtype=dtype, device=device)
        return Solver(model, data_dict, device=device)
''')
A3_HELPER = textwrap.dedent('''
    import torch
    import torchvision
    import eecs598
    import matplotlib.pyplot as plt


    def hello_helper():
        print("Hello from a3_helper.py!")


    def svm_loss(x, y):
        N = x.shape[0]
        correct = x[torch.arange(N), y]
        margins = (x - correct[:, None] + 1.0).clamp(min=0.0)
        margins[torch.arange(N), y] = 0.0
        num_pos = (margins > 0).sum(dim=1)
        dx = torch.zeros_like(x)
        dx[margins > 0] = 1.0
        dx[torch.arange(N), y] -= num_pos.to(dx.dtype)
        return margins.sum() / N, dx / N


    def softmax_loss(x, y):
        shifted = x - x.max(dim=1, keepdim=True).values
        log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
        N = x.shape[0]
        dx = log_probs.exp()
        dx[torch.arange(N), y] -= 1
        return -log_probs[torch.arange(N), y].sum() / N, dx / N
''')
EECS = {s.name for s in REGISTRY if s.tensors}
A2 = {"svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive", "softmax_loss_vectorized", "nn_forward_backward", "nn_forward_pass"}
MODELS = {"TwoLayerNet", "FullyConnectedNet", "ThreeLayerConvNet", "DeepConvNet"}


def verdict_names(names: set[str]) -> set[str]:
    """What a report names the entries' verdicts: a configurable model's one per configuration."""
    specs = {s.name: s for s in REGISTRY if s.tensors}
    return {f"{n}[{c}]" if c else n for n in names for c in (specs[n].configurations or [None])}


IMPLEMENTATIONS = verdict_names(EECS)


def course_folder(root: Path, losses: str = LOSSES, layers: str = LAYERS) -> Path:
    """root/A2 (linear_classifier.py) and root/A3 (fully_connected_networks.py, convolutional_networks.py,
    a3_helper.py), as a
    student's Colab Drive folder has them, without the course's eecs598/ package."""
    (root / "A2").mkdir(parents=True)
    (root / "A3").mkdir()
    (root / "A2" / "linear_classifier.py").write_text(losses + A2_TEMPLATE)
    # nn_forward_backward (checked) beside the course's train and predict helpers (torch, listed)
    helpers = "\n\ndef nn_predict(params, loss_func, X):\n    return torch.argmax(loss_func(params, X), dim=1)\n"
    (root / "A2" / "two_layer_net.py").write_text(NET + helpers)
    body = layers.replace("import torch\n", "", 1)
    (root / "A3" / "fully_connected_networks.py").write_text(A3_HEADER + body + A3_TEMPLATE)
    (root / "A3" / "a3_helper.py").write_text(A3_HELPER)
    # as the course's: the fully connected layers and the helpers imported by name
    conv_header = "import torch\nfrom a3_helper import softmax_loss\nfrom fully_connected_networks import *\n"
    conv = CONV.replace("import torch\n", "", 1).replace("from eecs498_fully_connected import Linear, Linear_ReLU\n", "")
    assert "eecs498_fully_connected" not in conv
    (root / "A3" / "convolutional_networks.py").write_text(conv_header + conv)
    return root


def _verdicts(report: RunReport) -> dict[str, tuple[str, str]]:
    return {r.implementation: (r.status.value, r.message) for r in report.results}


def _assignments(folder: Path, **options: object) -> RunReport:
    """`gradgate check A2/` and `gradgate check A3/` (each folder is run as the course runs it, its
    files importing each other by name), as one report."""
    a2, a3 = (run(folder / a, examples=EXAMPLES, seed=0, timeout=20, **options) for a in ("A2", "A3"))  # type: ignore[arg-type]
    assert a2.error is None and a3.error is None, (a2.error, a3.error)
    a2.results += a3.results
    a2.unchecked += a3.unchecked
    return a2


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return course_folder(tmp_path_factory.mktemp("eecs498"))


@pytest.fixture(scope="module")
def report(folder: Path) -> RunReport:
    return _assignments(folder)


def test_the_course_folder_is_checked_on_tensors(report: RunReport) -> None:
    assert report.error is None, report.error
    verdicts = _verdicts(report)
    assert set(verdicts) == IMPLEMENTATIONS, verdicts
    assert all(status == "pass" for status, _ in verdicts.values()), verdicts
    assert {r.convention for r in report.results} == {"layer pair", "loss function", "functions", "model"}


def test_torch_code_the_registry_does_not_know_is_listed_as_torch_code(report: RunReport) -> None:
    unchecked = {u.name: u.reason for u in report.unchecked}
    # the course's own classes around the student's functions: torch code without an entry
    for name in ("LinearSVM", "LinearClassifier", "SoftmaxClassifier"):
        assert unchecked.get(name) == TORCH_REASON, (name, unchecked)
    # nothing from the helpers: a3_helper is the course's, eecs598 and torchvision get stand-ins
    assert not any(name in ("svm_loss", "softmax_loss") for name in unchecked), unchecked
    assert not [r for r in report.results if r.status is not Status.PASS]


def test_an_assignment_folder_loads_the_course_helper_beside_it(folder: Path) -> None:
    """`gradgate check A3/`: fully_connected_networks.py imports a3_helper beside it, which imports
    torchvision, eecs598 and matplotlib (none installed: stand-ins); nothing of it is listed."""
    report = run(folder / "A3", examples=5, seed=0, timeout=20)
    assert report.error is None, report.error
    a3 = {"Linear", "ReLU", "Linear_ReLU", "Dropout", "Conv", "MaxPool", "BatchNorm", "SpatialBatchNorm", "Conv_ReLU", "Conv_ReLU_Pool",
          "Linear_BatchNorm_ReLU", "Conv_BatchNorm_ReLU", "Conv_BatchNorm_ReLU_Pool", *MODELS}
    assert {r.implementation: r.status for r in report.results} == dict.fromkeys(verdict_names(a3), Status.PASS)
    assert [u.name for u in report.unchecked] == ["SoftmaxClassifier"], report.unchecked


# The planted bug's run checks every A3 entry under GRADGATE_FULL=1; by default the planted layer,
# the sandwich that calls it, and one layer that does not (the rest of A3 is the course folder's own test).
PLANTED_SHARE = EECS - A2 if FULL else {"ReLU", "Linear_ReLU", "Linear"}


def test_a_planted_bug_fails_and_the_rest_still_passes(tmp_path: Path) -> None:
    planted = LAYERS.replace("        dx = dout * (x > 0)", "        dx = dout * (dout > 0)")
    assert planted != LAYERS
    share = [s for s in REGISTRY if s.tensors and s.name in PLANTED_SHARE]
    report = run(course_folder(tmp_path, layers=planted) / "A3", examples=EXAMPLES, seed=0, timeout=20, registry=share)
    verdicts = _verdicts(report)
    assert verdicts["ReLU"][0] == "fail" and "dx differs" in verdicts["ReLU"][1], verdicts["ReLU"]
    # Linear_ReLU calls the planted ReLU.backward, and the models that use Linear_ReLU call it: they
    # fail too; DeepConvNet (conv sandwiches, then Linear) and the other layers pass
    calling = verdict_names({"ReLU", "Linear_ReLU", "TwoLayerNet", "FullyConnectedNet", "ThreeLayerConvNet"} & PLANTED_SHARE)
    assert all(verdicts[name][0] == "fail" for name in calling), verdicts
    assert set(verdicts) == verdict_names(PLANTED_SHARE), verdicts
    assert all(verdicts[name][0] == "pass" for name in verdict_names(PLANTED_SHARE) - calling), verdicts


def test_a_model_with_the_half_reg_of_cs231n_fails_where_the_course_says_no_half(tmp_path: Path) -> None:
    """TwoLayerNet's template: "make sure that your L2 regularization does not include a factor of
    0.5"; FullyConnectedNet's says it does, and the notebook checks it by gradients alone: either."""
    half = LAYERS.replace(
        '        loss += self.reg * (torch.sum(self.params["W1"] ** 2) + torch.sum(self.params["W2"] ** 2))',
        '        loss += 0.5 * self.reg * (torch.sum(self.params["W1"] ** 2) + torch.sum(self.params["W2"] ** 2))',
    ).replace('        grads["W2"] += 2 * self.reg * self.params["W2"]\n        grads["W1"] += 2 * self.reg * self.params["W1"]',
              '        grads["W2"] += self.reg * self.params["W2"]\n        grads["W1"] += self.reg * self.params["W1"]')
    assert half.count("0.5 * self.reg") == 2  # TwoLayerNet's planted, FullyConnectedNet's own
    models = [s for s in REGISTRY if s.tensors and s.name in MODELS]
    report = run(course_folder(tmp_path, layers=half) / "A3", examples=EXAMPLES, seed=0, timeout=20, registry=models)
    verdicts = _verdicts(report)
    assert verdicts["TwoLayerNet"][0] == "fail", verdicts["TwoLayerNet"]
    (two,) = [r for r in report.results if r.implementation == "TwoLayerNet"]
    assert any("does not include a factor of 0.5" in f.message for f in two.diagnosis), two.diagnosis  # named, in the course's words
    assert all(verdicts[name][0] == "pass" for name in verdict_names(MODELS - {"TwoLayerNet"})), verdicts


def test_in_place_relu_on_a_tensor_is_a_mutation(tmp_path: Path) -> None:
    planted = LAYERS.replace(
        "        out = torch.maximum(x, torch.zeros_like(x))\n        cache = x",
        "        cache = x.clone()\n        x[x < 0] = 0\n        out = x",
    )
    (tmp_path / "fully_connected_networks.py").write_text(planted)
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    relu = _verdicts(report)["ReLU"]
    assert relu[0] == "fail" and "changed its argument x in place" in relu[1], relu


# A layer whose backward works its gradient out with torch's autograd (as the course's FastConv
# does): it records a graph, which no mode of gradgate's may stop (checks.tensor_calls).
AUTOGRAD_RELU = textwrap.dedent("""
    import torch


    class ReLU(object):
        @staticmethod
        def forward(x):
            return x.clamp(min=0), x

        @staticmethod
        def backward(dout, cache):
            x = cache.detach().clone()
            x.requires_grad_()
            x.clamp(min=0).backward(dout)
            return x.grad
""")
# The same, its autograd in a helper function the backward reaches through a table.
HELPER_AUTOGRAD_RELU = textwrap.dedent("""
    import torch


    def _through_autograd(x, dout):
        x = x.detach().clone().requires_grad_()
        x.clamp(min=0).backward(dout)
        return x.grad


    class ReLU(object):
        @staticmethod
        def forward(x):
            return x.clamp(min=0), x

        @staticmethod
        def backward(dout, cache):
            return _WAYS["autograd"](cache, dout)


    _WAYS = {"autograd": _through_autograd}
""")
# A backward that changes its cache's tensor in place (a clamp that leaves a 0/1 mask as it is): made
# in forward's call, changed in backward's, which torch allows only if both calls run in one mode.
IN_PLACE_CACHE_RELU = textwrap.dedent("""
    import torch


    class ReLU(object):
        @staticmethod
        def forward(x):
            mask = (x > 0).to(x.dtype)
            return x * mask, mask

        @staticmethod
        def backward(dout, cache):
            return dout * cache.clamp_(0, 1)
""")


# Class methods where the course has static ones: the same layer pair (it read as torch code no
# entry knows).
CLASSMETHOD_RELU = textwrap.dedent("""
    import torch


    class ReLU(object):
        @classmethod
        def forward(cls, x):
            return torch.clamp(x, min=0), x

        @classmethod
        def backward(cls, dout, cache):
            return dout * (cache > 0)
""")


@pytest.mark.parametrize(
    "code", [AUTOGRAD_RELU, HELPER_AUTOGRAD_RELU, IN_PLACE_CACHE_RELU, CLASSMETHOD_RELU],
    ids=["autograd_in_backward", "autograd_in_a_helper", "cache_changed_in_place", "class_methods"],
)
def test_a_correct_layer_that_records_a_graph_or_changes_its_cache_passes(tmp_path: Path, code: str) -> None:
    (tmp_path / "fully_connected_networks.py").write_text(code)
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    assert _verdicts(report)["ReLU"][0] == "pass", _verdicts(report)


def test_numpy_code_of_the_same_name_is_still_cs231ns(tmp_path: Path) -> None:
    """svm_loss_naive is both courses': numpy code is judged by assignment 1's entry (which accepts
    the older 0.5 reg convention), torch code by EECS 498's (which does not)."""
    half = LOSSES.replace("    dW += 2 * reg * W\n", "    dW += reg * W\n").replace(
        "    loss += reg * torch.sum(W * W)\n    dW /= num_train", "    loss += 0.5 * reg * torch.sum(W * W)\n    dW /= num_train"
    )
    assert half != LOSSES
    (tmp_path / "linear_classifier.py").write_text(half)
    report = run(tmp_path, examples=EXAMPLES, seed=0, timeout=20)
    naive = next(r for r in report.results if r.implementation == "svm_loss_naive")
    assert naive.status is Status.FAIL, naive.message  # the course says: no 1/2
    numpy = run(STUDENT / "linear_svm.py", examples=EXAMPLES, seed=0, timeout=20)
    assert {r.implementation: r.status for r in numpy.results}["svm_loss_naive"] is Status.PASS


def test_the_sandbox_gives_the_same_verdicts(folder: Path) -> None:
    """One entry of each kind (a loss, a composite layer, the stochastic one, batchnorm's running
    statistics written into bn_param), in the sandbox's children and in process: a child per
    implementation loads torch, so the rest is left out for time."""
    kinds = [s for s in REGISTRY if s.tensors and s.name in {"svm_loss_vectorized", "nn_forward_backward", "Linear_ReLU", "Dropout", "BatchNorm",
                                                              "FullyConnectedNet"}]  # a model: its dtype=torch.float64 crosses the wire
    here = _assignments(folder, registry=kinds)
    boxed = _assignments(folder, registry=kinds, executor=Sandbox(timeout=20))
    assert set(_verdicts(here)) == verdict_names({s.name for s in kinds})
    assert _verdicts(boxed) == _verdicts(here)
    assert sorted((u.name, u.reason) for u in boxed.unchecked) == sorted((u.name, u.reason) for u in here.unchecked)


def test_the_course_has_its_heading() -> None:
    (entries,) = [specs for course, specs in COURSES if course.startswith("UMich EECS 498")]
    assert {s.name for s in entries} == EECS and all(s.tensors for s in entries)
    assert MODELS <= EECS


def test_parameters_numbered_their_own_way_are_read_by_kind_and_order_only_where_every_one_fits() -> None:
    from gradgate.checks.param_names import renamed

    course = ["W1", "b1", "gamma1", "beta1", "W2", "b2"]
    fits = lambda theirs, ours: True  # noqa: E731
    assert renamed(["W0", "b0", "gamma0", "beta0", "W1", "b1"], course, fits) == {
        "W1": "W0", "W2": "W1", "b1": "b0", "b2": "b1", "gamma1": "gamma0", "beta1": "beta0"}  # fmt: skip
    assert renamed(["Conv1.w", "Conv1.b", "BN2.weight", "BN2.bias", "Linear3.w", "Linear3.b"], course, fits)["gamma1"] == "BN2.weight"
    assert renamed(["W0", "b0", "W1", "b1"], course, fits) is None  # no gamma, beta: not the same parameters
    assert renamed(["W0", "b0", "gamma0", "beta0", "W1", "b1", "W_final"], course, fits) is None  # a key of no number
    assert renamed(["W0", "b0", "gamma0", "beta0", "W1", "b1"], course, lambda theirs, ours: theirs != "W1") is None  # a shape that does not fit
