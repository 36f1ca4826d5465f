"""Notebooks: `gradgate check NOTEBOOK.ipynb`, notebooks inside folders, and the `%gradgate` magic in a
real Jupyter kernel (nbclient + ipykernel, not a mock of IPython)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from gradgate.checks.engine import run
from gradgate.checks.results import Status
from gradgate.checks.sandbox import Sandbox
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradgate import cli, jsonreport
from gradgate import report as htmlreport

from .conftest import CORRECT, MUTANTS, sampled

RELU_WRONG = "def relu_forward(x):\n    return np.maximum(0, x), x\n\ndef relu_backward(dout, cache):\n    return dout\n"
RELU_RIGHT = "def relu_backward(dout, cache):\n    x = cache\n    return dout * (x > 0)\n"
AFFINE_DB_WRONG = (
    "def affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1) @ w + b\n    return out, (x, w, b)\n\n"
    "def affine_backward(dout, cache):\n    x, w, b = cache\n    dx = (dout @ w.T).reshape(x.shape)\n"
    "    dw = x.reshape(x.shape[0], -1).T @ dout\n    db = dout.sum(axis=1)\n    return dx, dw, db\n"
)
SIGMOID_NEEDS_HELPER = (
    "def sigmoid_forward(x):\n    s = helper_sigmoid(x)\n    return s, s\n\n"
    "def sigmoid_backward(dout, cache):\n    return dout * cache * (1 - cache)\n"
)


def _course_notebook(path: Path) -> Path:
    """A notebook shaped like the course's: markdown, magics, a failing data cell, a long training
    cell, a function redefined in a later cell, the course's test helpers imported."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Fully-connected layers\nImplement the layers below."),
        new_code_cell("import time\nimport numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline\n"
                      "%load_ext autoreload\n%autoreload 2\nfrom public_tests import *\nfrom dnn_utils import helper_sigmoid",
                      execution_count=1),  # fmt: skip
        new_code_cell("data = np.load('datasets/train.npz')\nX_train = data['X']\n!ls datasets", execution_count=2),
        new_code_cell(RELU_WRONG, execution_count=3),
        new_code_cell("relu_forward_test(relu_forward)\nfor epoch in range(10**9):\n    time.sleep(1)", execution_count=4),
        new_code_cell("%%bash\necho this is not python", execution_count=5),
        new_code_cell(RELU_RIGHT, execution_count=12),
        new_code_cell("EPS = 1e-5\nlayer_dims = [5, 4, 3]\nparameters = initialize(layer_dims)", execution_count=13),
        new_code_cell(AFFINE_DB_WRONG, execution_count=14),
        new_code_cell(SIGMOID_NEEDS_HELPER, execution_count=15),
        new_code_cell("def svm_loss(x, y):\n    return broken(\n", execution_count=16),
    ]
    nbformat.write(nb, str(path))
    return path


def _by_gate(report):  # type: ignore[no-untyped-def]
    return {r.gate: r for r in report.results}


def test_a_course_shaped_notebook_is_checked_cell_by_cell_without_running_it(tmp_path: Path) -> None:
    report = run(_course_notebook(tmp_path / "layers.ipynb"), examples=30, seed=0, timeout=10)
    assert report.error is None
    gates = _by_gate(report)
    # the last definition counts, as after "Run all": the relu_backward of cell [12] is right
    assert gates["relu"].status is Status.PASS
    assert gates["relu"].cell == {"index": 3, "execution_count": 3, "line": 1}
    assert gates["affine"].status is Status.FAIL
    assert gates["affine"].cell == {"index": 8, "execution_count": 14, "line": 1}
    assert "db" in gates["affine"].message
    # a cell that does not parse is the student's error, located; the other cells are still checked
    assert gates["layers"].status is Status.ERROR
    assert "cell [16] (index 10) line 2" in gates["layers"].message
    # the course's helpers are not beside the notebook: what calls one is not checked, and says which
    unchecked = {u.name: u.reason for u in report.unchecked}
    assert "public_tests" in unchecked and "dnn_utils" in unchecked
    assert "sigmoid" not in gates
    assert any("helper_sigmoid from course-provided dnn_utils" in reason for reason in unchecked.values()), unchecked


def test_a_location_in_a_notebook_names_the_cell_as_jupyter_shows_it(tmp_path: Path) -> None:
    nb = new_notebook()
    code = "import numpy as np\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\ndef relu_backward(dout, cache):\n    return dout * cache.nonexistent\n"
    nb.cells = [new_markdown_cell("text"), new_code_cell(code, execution_count=7)]
    nbformat.write(nb, str(tmp_path / "relu.ipynb"))
    report = run(tmp_path / "relu.ipynb", examples=5, seed=0)
    (relu,) = report.results
    assert relu.status is Status.ERROR
    assert "(at relu.ipynb cell [7] (index 1) line 7 in relu_backward)" in relu.message, relu.message
    assert "gradgate" not in relu.message


def test_a_shell_line_that_is_all_of_a_block_leaves_the_cell_python(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    """Colab's set-up cell: `if not os.path.isdir(...):` then an indented `!git clone`, valid IPython.
    The line was blanked, the block left empty: a SyntaxError row against the student's notebook."""
    nb = new_notebook()
    setup = "import os\nif not os.path.isdir('/content/repo'):\n    !git clone https://example.org/repo\nelse:\n    %cd /content/repo\n"
    code = "import numpy as np\n\ndef relu_forward(x):\n    return np.maximum(0, x), x\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"
    nb.cells = [new_code_cell(setup), new_code_cell(code)]
    del nb.cells[0]["id"]  # a cell as an older Jupyter wrote it: nbformat's warning on it is not the student's
    (tmp_path / "relu.ipynb").write_text(json.dumps(nb))
    report = run(tmp_path / "relu.ipynb", examples=5, seed=0)
    assert [(r.implementation, r.status) for r in report.results] == [("relu_forward", Status.PASS)], [r.message for r in report.results]
    assert not [w for w in recwarn if "nbformat" in w.filename], [str(w.message) for w in recwarn]


@pytest.mark.parametrize("content", ["{not json", json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []})])
def test_a_file_that_is_not_a_notebook_gradgate_reads_is_a_clear_error(tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    assert cli.main(["check", str(path), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert "broken.ipynb" in err and "Traceback" not in err
    assert path.read_text() == content  # nothing lost


def _as_notebook(source: Path, target: Path) -> Path:
    """A corpus file split into cells at its top-level statements, as a student pastes code."""
    text = source.read_text()
    tree = ast.parse(text)
    lines = text.splitlines()
    cells = []
    for node in tree.body:
        start = node.lineno - 1 - len(getattr(node, "decorator_list", []))
        cells.append(new_code_cell("\n".join(lines[start : node.end_lineno])))
    nb = new_notebook()
    nb.cells = [new_markdown_cell(f"from {source.name}"), *cells]
    nbformat.write(nb, str(target))
    return target


# A sample of each corpus (every 9th file, by name): notebooks change how code is read, not the checks.
NOTEBOOK_MUTANTS = sampled(sorted(MUTANTS.glob("*__*.py"))[::9], 3)
NOTEBOOK_CORRECT = sampled(sorted(CORRECT.glob("*__*.py"))[::4], 3)


@pytest.mark.parametrize("path", NOTEBOOK_MUTANTS, ids=lambda p: p.stem)
def test_a_mutant_in_notebook_cells_fails(path: Path, tmp_path: Path) -> None:
    report = run(_as_notebook(path, tmp_path / f"{path.stem}.ipynb"), examples=100, seed=0, timeout=20)
    gate = path.name.split("__")[0]
    # a model has a result per configuration: the mutant fails if any of them fails (as test_corpus)
    mine = [r.status for r in report.results if r.gate == gate]
    assert mine, f"{gate} not found in the notebook"
    assert any(status in (Status.FAIL, Status.ERROR) for status in mine), mine


@pytest.mark.parametrize("path", NOTEBOOK_CORRECT, ids=lambda p: p.stem)
def test_a_correct_implementation_in_notebook_cells_passes(path: Path, tmp_path: Path) -> None:
    report = run(_as_notebook(path, tmp_path / f"{path.stem}.ipynb"), examples=100, seed=1000, timeout=20)
    assert report.results
    assert all(r.status is Status.PASS for r in report.results), [r.message for r in report.results]


def test_a_folder_of_notebooks_and_modules_is_checked_in_process_and_in_the_sandbox_alike(tmp_path: Path) -> None:
    folder = tmp_path / "submission"
    folder.mkdir()
    _course_notebook(folder / "Layers Step by Step.ipynb")
    (folder / "layers.py").write_text("import numpy as np\n\n" + RELU_WRONG + "\n" + RELU_RIGHT)
    here = run(folder, examples=10, seed=3, timeout=10)
    boxed = run(folder, examples=10, seed=3, timeout=10, executor=Sandbox(timeout=10))
    verdicts = sorted((Path(r.source).name, r.gate, r.status.value, r.message, str(r.cell)) for r in here.results)
    assert verdicts == sorted((Path(r.source).name, r.gate, r.status.value, r.message, str(r.cell)) for r in boxed.results)
    assert ("layers.py", "relu", "pass") in {v[:3] for v in verdicts}
    assert ("Layers Step by Step.ipynb", "affine", "fail") in {v[:3] for v in verdicts}


def test_the_reproduction_snippet_of_a_notebook_failure_runs_from_the_notebooks_folder(tmp_path: Path) -> None:
    path = _course_notebook(tmp_path / "layers.ipynb")
    report = run(path, examples=30, seed=0, timeout=10)
    page = htmlreport.render(jsonreport.to_dict(report))
    snippets = dict(re.findall(r'<pre class="snippet" id="snippet-(\d+)"><code>(.*?)</code></pre>', page, re.S))
    index = next(i for i, r in enumerate(report.results) if r.gate == "affine")
    import html as escaping

    code = escaping.unescape(snippets[str(index)])
    assert "load_notebook" in code
    failing = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert failing.returncode != 0 and "AssertionError" in failing.stderr, failing.stderr
    # the same snippet passes once the notebook's cell is right
    fixed = nbformat.read(str(path), as_version=4)
    fixed.cells[8].source = fixed.cells[8].source.replace("axis=1", "axis=0")
    nbformat.write(fixed, str(path))
    passing = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert passing.returncode == 0, passing.stderr


# ------------------------------------------------------------------------------------------------
# inside Jupyter: a real kernel


def _execute(cells: list[str], cwd: Path) -> nbformat.NotebookNode:
    nbclient = pytest.importorskip("nbclient")
    nb = new_notebook()
    nb.cells = [new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _outputs(cell: nbformat.NotebookNode) -> tuple[str, str]:
    """(plain text, html) of what a cell displayed or printed."""
    text, markup = [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text.append(out.get("text", ""))
        data = out.get("data", {})
        text.append(data.get("text/plain", ""))
        markup.append(data.get("text/html", ""))
    return "".join(text), "".join(markup)


def test_the_magic_and_check_namespace_in_a_real_kernel(tmp_path: Path) -> None:
    nb = _execute(
        [
            "import numpy as np\n%load_ext gradgate",
            RELU_WRONG.replace("return dout\n", "return dout * (cache > 0)\n") + "\n" + AFFINE_DB_WRONG,
            "%gradgate --seed 1 --examples 30",
            "report = %gradgate relu_forward --seed 2 --examples 30\nprint(report.ok, [r.gate for r in report.report.results])",
            "import gradgate\nprint(gradgate.check_namespace(globals(), ['affine_forward'], seed=3, examples=30))",
            "%gradgate --nonsense-option",
        ],
        tmp_path,
    )
    text, markup = _outputs(nb.cells[2])
    assert "PASS  relu" in text and "FAIL  affine" in text
    assert markup.startswith("<iframe") and "srcdoc=" in markup and "affine_forward" in markup
    text, _ = _outputs(nb.cells[3])
    assert "True ['relu']" in text  # only what was named, with its backward
    text, _ = _outputs(nb.cells[4])
    assert "FAIL  affine" in text and "db" in text and "relu" not in text
    text, _ = _outputs(nb.cells[5])
    assert "usage: %gradgate" in text
