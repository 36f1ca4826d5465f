"""deeplearning.ai DLS end to end: a notebook shaped like "Building your Deep Neural Network: Step by
Step", with and without the course's dnn_utils.py beside it, in process and in the sandbox; and
`gradgate list` grouped by course. (The entries themselves are proven by the corpora.)"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from gradgate.checks.engine import run
from gradgate.checks.results import Status
from gradgate.checks.sandbox import Sandbox
from gradgate.gates import COURSES, REGISTRY
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradgate.cli import main

STUDENT = Path(__file__).resolve().parent.parent / "gates" / "student" / "dls_step_by_step.py"
PROVIDED = ("sigmoid", "relu", "sigmoid_backward", "relu_backward")
GRADED = ("linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost",
          "linear_backward", "linear_activation_backward", "L_model_backward")  # fmt: skip


def _functions(names: tuple[str, ...]) -> dict[str, str]:
    source = STUDENT.read_text()
    return {n.name: ast.get_source_segment(source, n) or "" for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef) and n.name in names}  # fmt: skip


def _step_by_step(folder: Path, *, helpers: bool, wrong_dAL: bool = False) -> Path:
    graded = _functions(GRADED)
    if wrong_dAL:
        graded["L_model_backward"] = graded["L_model_backward"].replace("dAL = -(", "dAL = (")
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Building your Deep Neural Network: Step by Step"),
        new_code_cell("import numpy as np\nimport h5py\nimport matplotlib.pyplot as plt\n"
                      "from testCases import *\nfrom dnn_utils import sigmoid, sigmoid_backward, relu, relu_backward\n"
                      "from public_tests import *\n\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nnp.random.seed(1)",
                      execution_count=1),
        *(c for name in GRADED for c in (
            new_markdown_cell(f"### Exercise - {name}"),
            new_code_cell(f"# GRADED FUNCTION: {name}\n\n{graded[name]}", execution_count=GRADED.index(name) + 2),
            new_code_cell(f"t = {name}_test_case()\n{name}_test({name})", execution_count=GRADED.index(name) + 20),
        )),
    ]
    nbformat.write(nb, str(folder / "Building_your_Deep_Neural_Network_Step_by_Step.ipynb"))
    if helpers:
        (folder / "dnn_utils.py").write_text("import numpy as np\n\n\n" + "\n\n\n".join(_functions(PROVIDED).values()) + "\n")
    return folder / "Building_your_Deep_Neural_Network_Step_by_Step.ipynb"


def _verdicts(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.gate: r.status.value for r in report.results}


def test_a_step_by_step_notebook_with_dnn_utils_beside_it_is_checked_whole(tmp_path: Path) -> None:
    report = run(_step_by_step(tmp_path, helpers=True), examples=20, seed=0, timeout=20)
    assert report.error is None
    expected = {"linear", "linear_activation", "L_model_forward", "compute_cost", "L_model_backward"}
    assert _verdicts(report) == dict.fromkeys(expected, "pass"), [(r.gate, r.message) for r in report.results]
    # dnn_utils.py is imported, not checked as the student's; the course's test files are missing (and
    # h5py, where it is not installed), and that is all that is not checked
    assert {u.name for u in report.unchecked} <= {"testCases", "public_tests", "h5py"}
    cells = {r.gate: r.cell for r in report.results}
    assert cells["L_model_backward"] is not None and cells["L_model_backward"]["execution_count"] == GRADED.index("L_model_backward") + 2


def test_without_dnn_utils_gradgates_own_helpers_stand_in_and_say_so(tmp_path: Path) -> None:
    # many public copies commit only the notebook: what calls dnn_utils' relu and sigmoid is still
    # checked, with gradgate's versions of them, and a wrong dAL still fails
    report = run(_step_by_step(tmp_path, helpers=False), examples=20, seed=0, timeout=20)
    expected = {"linear", "linear_activation", "L_model_forward", "compute_cost", "L_model_backward"}
    assert _verdicts(report) == dict.fromkeys(expected, "pass"), [(r.gate, r.message) for r in report.results]
    reasons = {u.name: u.reason for u in report.unchecked}
    assert reasons["dnn_utils"] == ("course-provided module, not checked: it is missing here; gradgate's own sigmoid, relu, "
                                    "relu_backward, sigmoid_backward stand in for the course's")  # fmt: skip
    (tmp_path / "wrong").mkdir()
    wrong = run(_step_by_step(tmp_path / "wrong", helpers=False, wrong_dAL=True), examples=20, seed=0, timeout=20)
    assert _verdicts(wrong)["L_model_backward"] == "fail"


def test_a_wrong_dAL_in_a_notebook_fails_naming_the_key_and_the_sandbox_agrees(tmp_path: Path) -> None:
    path = _step_by_step(tmp_path, helpers=True, wrong_dAL=True)
    here = run(path, examples=20, seed=4, timeout=20)
    boxed = run(path, examples=20, seed=4, timeout=20, executor=Sandbox(timeout=20))
    (result,) = [r for r in here.results if r.gate == "L_model_backward"]
    assert result.status is Status.FAIL and result.message.split(":")[1].strip().startswith(("dA0", "dW", "db")), result.message
    assert sorted((r.gate, r.status.value, r.message) for r in here.results) == sorted((r.gate, r.status.value, r.message) for r in boxed.results)


def test_list_groups_every_entry_under_its_course(capsys: pytest.CaptureFixture[str]) -> None:
    assert sorted(id(s) for _, specs in COURSES for s in specs) == sorted(id(s) for s in REGISTRY)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headings == [f"{course}:" for course, _ in COURSES]
    dls = out.split("deeplearning.ai DLS")[1]
    assert "L_model_backward" in dls and "affine" not in dls


REGULARIZATION = Path(__file__).resolve().parent.parent / "gates" / "student" / "dls_regularization.py"


def test_a_course_folder_as_the_student_has_it_reports_only_their_notebooks(tmp_path: Path) -> None:
    """The course's helpers beside the notebooks (dnn_utils.py with its own sigmoid and relu,
    testCases_v4a.py, public_tests.py, reg_utils.py loading datasets with h5py and sklearn, which
    need not be installed) are not the student's: never results, never scanned. Week 3's
    compute_cost(A2, Y, parameters) is not week 4's compute_cost(AL, Y): not checked, said why."""
    _step_by_step(tmp_path, helpers=True)
    (tmp_path / "testCases_v4a.py").write_text(
        "import numpy as np\n\ndef linear_forward_test_case():\n    return np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1))\n\n"
        "def L_model_forward_test_case_2hidden():\n    return None\n")
    (tmp_path / "public_tests.py").write_text(
        "from test_utils import single_test\n\ndef linear_forward_test(target):\n    return single_test([], target)\n")
    (tmp_path / "test_utils.py").write_text("def single_test(cases, target):\n    return None\n")
    regularization = REGULARIZATION.read_text()
    helpers, _, graded = regularization.partition("def compute_cost_with_regularization")
    (tmp_path / "reg_utils.py").write_text("import h5py\nimport sklearn\nimport sklearn.datasets\n" + helpers)
    nb = new_notebook()
    nb.cells = [
        new_code_cell("import numpy as np\nimport sklearn.datasets\nfrom reg_utils import sigmoid, relu, forward_propagation, compute_cost\n"
                      "train_X, train_Y = sklearn.datasets.make_moons(n_samples=300)", execution_count=1),
        new_code_cell("def compute_cost_with_regularization" + graded, execution_count=2),
    ]
    nbformat.write(nb, str(tmp_path / "Regularization.ipynb"))
    planar = new_notebook()
    planar.cells = [new_code_cell("import numpy as np\n\ndef compute_cost(A2, Y, parameters):\n"
                                  "    m = Y.shape[1]\n    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)\n")]
    nbformat.write(planar, str(tmp_path / "Planar_data_classification_with_one_hidden_layer.ipynb"))

    report = run(tmp_path, examples=15, seed=2, timeout=20)
    assert report.error is None
    assert {Path(r.source).suffix for r in report.results} == {".ipynb"}, [(r.gate, r.source) for r in report.results]
    assert not [r for r in report.results if r.status is not Status.PASS], [(r.gate, r.message) for r in report.results]
    mine = {r.gate for r in report.results}
    assert {"L_model_backward", "compute_cost_with_regularization", "backward_propagation_with_dropout"} <= mine, mine
    # week 3's compute_cost(A2, Y, parameters) (2017-2020) is that year's entry
    assert ("compute_cost", "Planar_data_classification_with_one_hidden_layer.ipynb") in {(r.gate, Path(r.source).name) for r in report.results}
    unchecked = {(u.name, Path(u.source).name): u.reason for u in report.unchecked}
    # the notebook imports testCases, and only testCases_v4a.py is here: that is said, nothing else
    assert "missing" in unchecked.pop(("testCases", "testCases"))
    assert not unchecked, unchecked


# The course's blanks as it hands them out: a pair unpacked from None, a cost squeezed from None,
# a term left None in a sum. Each read as a contract error of the student's ('cannot unpack',
# 'should be a numpy array or a number, got array of shape ()', 'unsupported operand').
BLANKS = '''
import numpy as np


def linear_forward(A, W, b):
    Z = None
    return Z, (A, W, b)


def relu(Z):
    return np.maximum(0, Z), Z


def linear_activation_forward(A_prev, W, b, activation):
    if activation == "sigmoid":
        Z, linear_cache = None
        A, activation_cache = None
    elif activation == "relu":
        Z, linear_cache = None
        A, activation_cache = None
    cache = (linear_cache, activation_cache)
    return A, cache


def linear_activation_backward(dA, cache, activation):
    dA_prev, dW, db = None, None, None
    return dA_prev, dW, db


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = None
    cost = np.squeeze(cost)
    return cost


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    cross_entropy_cost = float(np.sum(Y))
    L2_regularization_cost = None
    cost = cross_entropy_cost + L2_regularization_cost
    return cost
'''


# Week 3's, where the template's own assert checks a blank: its cost squeezed from None, and A2
# never computed (an AssertionError and an AttributeError of the template's lines, not the student's)
PLANAR_BLANKS = '''
import numpy as np


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    Z1 = None
    A1 = None
    A2 = None
    assert(A2.shape == (1, X.shape[1]))
    return A2, {"Z1": Z1, "A1": A1, "A2": A2}


def compute_cost(A2, Y, parameters):
    m = Y.shape[1]
    logprobs = None
    cost = None
    cost = np.squeeze(cost)
    assert(isinstance(cost, float))
    return cost
'''


def test_the_courses_blanks_are_not_implemented(tmp_path: Path) -> None:
    (tmp_path / "step.py").write_text(BLANKS)
    (tmp_path / "planar.py").write_text(PLANAR_BLANKS)
    report = run(tmp_path, examples=5, seed=0, timeout=30)
    messages = {(r.implementation, Path(r.source).stem): r.message for r in report.results}
    assert messages[("compute_cost", "planar")].startswith(
        "not implemented: cost is still the template's None at `assert(isinstance(cost, float))`"), messages  # fmt: skip
    assert messages[("forward_propagation", "planar")].startswith("not implemented: A2 is still the template's None at `assert(A2.shape")
    messages = {name: m for (name, stem), m in messages.items() if stem == "step"}
    expected = {
        "linear_activation_forward": "not implemented: `Z, linear_cache = None` is still the template's",
        "compute_cost": "not implemented: compute_cost's cost is an array of the template's None",
        "compute_cost_with_regularization": "not implemented: L2_regularization_cost is still the template's None at `cost = ",
    }
    for name, start in expected.items():
        assert messages.get(name, "").startswith(start), (name, messages.get(name))


def test_a_float_db_and_an_np_matrix_db_are_the_gradients_they_hold(tmp_path: Path) -> None:
    """2017-era answers: a one-unit layer's db as a Python float (the template asserted
    isinstance(db, float)) was not scaled by the upstream gradient the loss gets, a false FAIL of
    L_model_backward; a db made with np.matrix crashed gradgate's own comparison (its * is a
    matrix product)."""
    source = STUDENT.read_text()
    floated = source.replace(
        "def linear_backward(dZ, cache):\n",
        "def linear_backward(dZ, cache):\n    dA_prev, dW, db = _linear_backward(dZ, cache)\n"
        "    return dA_prev, dW, (float(db[0, 0]) if db.size == 1 else db)\n\n\ndef _linear_backward(dZ, cache):\n",
    )
    matrix = source.replace("def linear_backward(dZ, cache):\n", "def linear_backward(dZ, cache):\n"
                            "    dA_prev, dW, db = _linear_backward(dZ, cache)\n    return dA_prev, dW, np.matrix(db)\n\n\n"
                            "def _linear_backward(dZ, cache):\n")  # fmt: skip
    assert floated != source and matrix != source
    for name, code in (("floated", floated), ("matrix", matrix)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "step.py").write_text(code)
        report = run(tmp_path / name, examples=30, seed=0, timeout=30)
        assert not report.unchecked or all("gradgate itself" not in u.reason for u in report.unchecked), report.unchecked
        rows = {r.implementation: r.status for r in report.results}
        assert rows.get("L_model_backward") is Status.PASS and rows.get("linear_forward") is Status.PASS, (name, rows)
