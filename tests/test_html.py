"""The HTML report: gold files, escaping of everything a student wrote, bounded size, the CLI front
ends (`gradgate check` writing reports/, `gradgate report`), and the page in real headless Chromium.

Gold files: tests/gold/<name>.json are fixed gradgate.report/1 fixtures (engine runs made with the
settings in FIXTURES, paths relative to the repository root), tests/gold/<name>.html what they render
to; both are compared with volatile parts (time taken, versions) blanked.

    GRADGATE_REGEN_GOLD=1    pytest tests/test_html.py   # rewrite the gold HTML from the fixtures
    GRADGATE_REGEN_GOLD=all  pytest tests/test_html.py   # also rerun the engine to rewrite the fixtures

Browser tests use Debian's /usr/bin/chromium (GRADGATE_CHROMIUM overrides the path) through Python
playwright, never a downloaded browser. Without it they skip, or fail with the reason when the
environment variable CI is set. Screenshots go to test-artifacts/ (gitignored).

Snippets are proven on the failing fixture and on a sample of tests/mutants (each must fail on the
bug and pass with the import pointed at gates/student); GRADGATE_SNIPPETS=all takes every mutant.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html as htmllib
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markupsafe
import pytest
from gradgate.checks.discover import discover
from gradgate.checks.engine import run

from gradgate import jsonreport
from gradgate import report as htmlreport
from gradgate.cli import main
from gradgate.report import graph, heatmap, histogram, rendering

from .conftest import FULL, sampled

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("GRADGATE_CHROMIUM", "/usr/bin/chromium"))  # Debian's; never a download
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REGEN = os.environ.get("GRADGATE_REGEN_GOLD", "")

# name -> how its fixture JSON was made (relative paths, run from the repository root)
FIXTURES: dict[str, dict[str, Any]] = {
    "failing": {"target": "tests/gold/student", "seed": 3, "examples": 30, "timeout": 2.0},
    "passing": {"target": "gates/student", "seed": 0, "examples": 10, "timeout": 10.0},
    "unloadable": {"target": "tests/gold/no_such_student.py", "seed": 0, "examples": 10, "timeout": 10.0},
    # lecture circuits, two right and two wrong, for the computational graphs
    "graphs": {"target": "tests/gold/graphs", "seed": 0, "examples": 10, "timeout": 10.0},
}


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _make_fixture(name: str) -> None:
    opts = FIXTURES[name]
    with _cwd(ROOT):
        report = run(opts["target"], examples=opts["examples"], seed=opts["seed"], timeout=opts["timeout"])
    command = f"gradgate check {opts['target']} --seed {opts['seed']} --examples {opts['examples']} --timeout {opts['timeout']:g}"
    data = jsonreport.to_dict(report, command)
    (GOLD / f"{name}.json").write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((GOLD / f"{name}.json").read_text())


def _render(name: str) -> str:
    return htmlreport.render(_fixture(name))


# --------------------------------------------------------------------------------------------
# gold files


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_matches_the_gold_file(name: str) -> None:
    if REGEN == "all":
        _make_fixture(name)
    page = _render(name)
    gold = GOLD / f"{name}.html"
    if REGEN:
        gold.write_text(page)
    assert gold.exists(), f"no gold file {gold}: run with GRADGATE_REGEN_GOLD=1 to create it"
    assert htmlreport.blank_volatile(page) == htmlreport.blank_volatile(gold.read_text()), (
        f"{name}.html differs from its gold file; if the change is intended, rerun with GRADGATE_REGEN_GOLD=1"
    )


def test_volatile_parts_are_blanked() -> None:
    data = _fixture("failing")
    other = copy.deepcopy(data)
    other["seconds"] = 1234.5
    other["versions"] = {k: "9.9.9" for k in data["versions"]}
    for mine, theirs in zip(data["results"], other["results"], strict=True):
        mine["seconds"], theirs["seconds"] = 0.5, 98.76
    a, b = htmlreport.render(data), htmlreport.render(other)
    assert a != b and "1234.5" in b and "98.76" in b
    assert htmlreport.blank_volatile(a) == htmlreport.blank_volatile(b)
    # ...and nothing else is: the seed is not volatile
    other["seed"] = 4
    assert htmlreport.blank_volatile(htmlreport.render(other)) != htmlreport.blank_volatile(a)


def test_rendering_is_a_pure_function_of_the_json() -> None:
    data = _fixture("failing")
    before = copy.deepcopy(data)
    assert htmlreport.render(data) == htmlreport.render(json.loads(json.dumps(data)))
    assert data == before, "render changed its input"


# --------------------------------------------------------------------------------------------
# content


def test_every_result_has_a_row_and_a_section_and_the_summary_is_on_top() -> None:
    data = _fixture("failing")
    page = _render("failing")
    rows = re.findall(r'<tr id="row-(\d+)" data-status="(\w+)"', page)
    assert [int(i) for i, _ in rows] == list(range(len(data["results"])))
    assert [s for _, s in rows] == [r["status"] for r in data["results"]]
    for i in range(len(data["results"])):
        assert f'id="impl-{i}"' in page
    s = data["summary"]
    counts = page.index('id="counts"')
    assert counts < page.index('id="matrix"')
    head = page[counts : counts + 400]
    assert f"{s['pass']} passed" in head and f"{s['fail']} failed" in head and f"{s['error']} errors" in head


def test_matrix_columns_are_the_checks_with_bands_and_a_legend() -> None:
    page = _render("failing")
    header = page[page.index("<thead>") : page.index("</thead>")]
    for label in ("contract", "forward vs torch", "backward vs torch", "backward vs finite differences", "mutation", "determinism"):
        assert f">{label}</button>" in header
    legend = page[page.index('id="legend"') :][:2000]
    for name in ("fine", "ok for kinks", "suspicious", "wrong"):
        assert name in legend
    for limit in ("1e-7", "1e-4", "1e-2"):
        assert limit in legend
    # affine's backward vs torch cell: the worst error in scientific notation, banded wrong, marked failed
    affine = next(i for i, r in enumerate(_fixture("failing")["results"]) if r["gate"] == "affine")
    row = page[page.index(f'<tr id="row-{affine}"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r'class="num b3 failed"[^>]*>1\.0e\+00 ✗</td>', row), row


def test_cells_are_banded_like_cs231n() -> None:
    data = copy.deepcopy(_fixture("passing"))
    result = data["results"][0]
    for err, cls in ((0.0, "b0"), (5e-8, "b0"), (2e-6, "b1"), (3e-3, "b2"), (0.5, "b3")):
        for c in result["checks"]:
            if c["check"] == "backward_vs_torch":
                c["max_rel_error"] = err
        page = htmlreport.render(data)
        row = page[page.index('<tr id="row-0"') :]
        cells = re.findall(r'<td class="num ([\w-]+)[^"]*" data-v="[^"]*" title="backward vs torch', row[: row.index("</tr>")])
        assert cells == [cls], (err, cells)


def test_failing_implementation_shows_errors_per_input_histogram_example_heatmap_and_snippet() -> None:
    data = _fixture("failing")
    page = _render("failing")
    i = next(i for i, r in enumerate(data["results"]) if r["gate"] == "max_pool")
    cex = data["results"][i]["counterexample"]
    section = page[page.index(f'id="impl-{i}"') :]
    section = section[: section.index("</details>\n")]
    assert '<table class="checks">' in section and ">dx</td>" in section
    assert 'class="histogram"' in section and "<svg" in section
    assert "pool_param" in section and "pool_height" in section  # params of the minimal example
    assert f'id="heatmap-{i}"' in section
    # one outlined cell per wrong entry, each with yours vs expected in its <title>
    assert section.count('class="b3 w"') == len(cex["wrong_entries"]) > 0
    titles = re.findall(r'<rect x="\d+" y="\d+" width="1" height="1" class="b3 w"><title>([^<]*)</title>', section)
    assert all("yours" in t and "expected" in t for t in titles), titles
    snippet = htmllib.unescape(re.search(r'<pre class="snippet"[^>]*><code>(.*?)</code></pre>', section, re.DOTALL).group(1))
    assert "import numpy as np" in snippet and "np.array(" in snippet
    assert "from pool import max_pool_forward_naive, max_pool_backward_naive" in snippet
    assert snippet.index("max_pool_forward_naive(x, pool_param)") < snippet.index("max_pool_backward_naive(dout, cache)")


def test_mutation_findings_say_which_argument_and_where() -> None:
    data = _fixture("failing")
    page = _render("failing")
    for gate, arg in (("dropout", "x"), ("fanout", "dout")):
        i = next(i for i, r in enumerate(data["results"]) if r["gate"] == gate)
        section = page[page.index(f'id="impl-{i}"') :]
        section = section[: section.index("</details>\n")]
        assert f'Changed in place: <strong class="mono">{arg}</strong>' in section
        assert re.search(rf"changed (its argument )?{arg} in place \(1 entry, first at \[0, 0\]\)", section)


def test_unchecked_names_and_run_metadata_are_listed() -> None:
    data = _fixture("failing")
    page = _render("failing")
    unchecked = page[page.index('id="unchecked"') :]
    assert "leaky_forward" in unchecked and "no leaky_backward next to it" in unchecked
    run_meta = page[page.index('id="run"') :]
    assert str(data["seed"]) in run_meta and htmllib.escape(data["command"]) in run_meta
    for name, version in data["versions"].items():
        assert f"{name} {version}" in run_meta
    assert "time taken" in run_meta


def test_an_unloadable_target_says_why() -> None:
    data = _fixture("unloadable")
    page = _render("unloadable")
    assert 'id="target-error"' in page and htmllib.escape(data["error"]) in page


def test_a_fresh_engine_run_renders_every_result(tmp_path: Path) -> None:
    with _cwd(ROOT):
        report = run("tests/gold/student", examples=8, seed=11, timeout=2.0)
    data = json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check tests/gold/student --seed 11")))
    page = htmlreport.render(data)
    assert len(re.findall(r'<tr id="row-\d+"', page)) == len(data["results"]) > 5


# --------------------------------------------------------------------------------------------
# untrusted content


def test_what_a_student_wrote_is_escaped() -> None:
    page = _render("failing")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the exception message
    assert "&lt;img src=x onerror=alert(2)&gt;" in page  # an import error
    assert "&lt;/pre&gt;&lt;script&gt;alert(&#39;printed&#39;)&lt;/script&gt;" in page  # printed output
    assert "&lt;b&gt;printed by the student&lt;/b&gt; &amp; &lt;i&gt;friends&lt;/i&gt; ünïcødé ✓" in page
    assert "<script>alert" not in page and "<img" not in page and "</pre><script>" not in page
    assert page.count("<script") == 1  # the page's own


def test_hostile_names_and_values_are_escaped_everywhere() -> None:
    data = copy.deepcopy(_fixture("failing"))
    evil = '"><svg onload=alert(3)><script>alert(4)</script>'
    data["target"] = evil
    data["command"] = evil
    for r in data["results"]:
        r["gate"] = r["implementation"] = r["source"] = r["output"] = r["message"] = evil
        for c in r["checks"]:
            c["input"] = evil
        if r["counterexample"]:
            r["counterexample"]["message"] = evil
            r["counterexample"]["input"] = evil
            r["counterexample"]["sizes"][evil] = evil
        for node in r.get("graph") or []:
            node["name"] = evil + node["name"]
            node["inputs"] = [evil + k for k in node["inputs"]]
            node["op"] = evil if node["op"] is not None else None
            node["value"] = evil  # values are data
    data["unchecked"] = [{"name": evil, "source": evil, "reason": evil}]
    data["versions"][evil] = evil
    page = htmlreport.render(data)
    assert "<svg onload" not in page and "<script>alert" not in page
    assert page.count("<script") == 1
    tags = _tags(page)
    assert {t for t, _ in tags} <= ALLOWED_TAGS, {t for t, _ in tags} - ALLOWED_TAGS
    assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")], "an event handler attribute made it in"
    assert page.count(str(markupsafe.escape(evil))) >= 10  # and it is shown as text


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "span", "strong", "section",
    "div", "label", "input", "select", "option", "table", "thead", "tbody", "tr", "th", "td", "button", "a", "details",
    "summary", "figure", "figcaption", "svg", "line", "rect", "text", "g", "ul", "li", "pre", "code", "footer", "dl", "dt",
    "dd", "script", "path", "circle", "br",
}


def _tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(page)
    return found


def test_only_known_tags_and_no_event_handlers() -> None:
    tags = _tags(_render("failing"))
    assert {t for t, _ in tags} <= ALLOWED_TAGS
    assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")]


def test_self_contained_with_a_content_security_policy() -> None:
    page = _render("failing")
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\s(src|href)=\"(?!#)", page), "a reference to something outside the page"
    assert "@import" not in page and "url(" not in page
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL).group(1)
    assert f"script-src '{rendering._csp_hash(script)}'" in csp  # only the page's own script may run


# --------------------------------------------------------------------------------------------
# snippets


def _snippets(page: str) -> dict[int, str]:
    found = re.findall(r'<pre class="snippet" id="snippet-(\d+)"><code>(.*?)</code></pre>', page, re.DOTALL)
    return {int(i): htmllib.unescape(text) for i, text in found}


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


# gate -> what the snippet must end in while the bug is there
EXPECTED_FAILURE = {
    "affine": "AssertionError: db is wrong",
    "relu": "AssertionError: dx is wrong",
    "conv": "AssertionError: dx is wrong",
    "max_pool": "AssertionError: dx is wrong",
    "MultiplyGate": "AssertionError: dx is wrong",
    "svm_loss": "AssertionError: dx is wrong",
    "TwoLayerNet": "AssertionError: dW1 is wrong",
    "dropout": "AssertionError: forward changed its argument x in place",
    "fanout": "AssertionError: backward changed dout in place",
    "linear": "AssertionError: dx: shape (1,), expected (1,), finite: False",
    "sigmoid": "ValueError: <script>alert(1)</script>",
}
# gate -> (folder, module) of a correct implementation the same snippet passes on
CORRECT = {
    "affine": ("gates/student", "layers"),
    "relu": ("gates/student", "layers"),
    "conv": ("gates/student", "layers"),
    "max_pool": ("gates/student", "layers"),
    "MultiplyGate": ("gates/student", "lecture"),
    "svm_loss": ("gates/student", "losses"),
    "dropout": ("gates/student", "layers"),
}


def _check_snippets(data: dict[str, Any], snippets: dict[int, str]) -> None:
    gates = {r["gate"]: i for i, r in enumerate(data["results"]) if r["counterexample"]}
    assert set(gates) == set(EXPECTED_FAILURE)
    assert set(snippets) == set(gates.values())
    for gate, i in gates.items():
        proc = _run_python(snippets[i])
        assert proc.returncode != 0, f"{gate}: the snippet did not fail:\n{snippets[i]}"
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith(EXPECTED_FAILURE[gate]), f"{gate}: {last}\n{proc.stderr}"
        assert "Traceback" in proc.stderr
    for gate, (folder, module) in CORRECT.items():
        code = snippets[gates[gate]].replace("sys.path.insert(0, 'tests/gold/student')", f"sys.path.insert(0, {folder!r})")
        code = re.sub(r"^from \w+ import", f"from {module} import", code, flags=re.MULTILINE)
        proc = _run_python(code)
        assert proc.returncode == 0, f"{gate}: the snippet fails on a correct implementation:\n{proc.stderr}"


def test_snippets_reproduce_the_failures_and_pass_on_correct_code() -> None:
    data = _fixture("failing")
    _check_snippets(data, _snippets(htmlreport.render(data)))


MUTANTS = ROOT / "tests" / "mutants"
# one of each calling convention and each way a snippet ends; all of them with GRADGATE_SNIPPETS=all
SNIPPET_MUTANTS = [
    "affine__db_wrong_axis",  # layer pair, backward vs torch
    "batchnorm__missing_dvar_term",  # layer pair with a param dict
    "conv__out_size_ignores_pad",  # contract: the forward's shape
    "conv__crop_breaks_pad0",  # contract: a gradient's shape, before the JSON names the gradients
    "max_pool__overwrite_window_mask",  # 4-d input
    "relu__forward_inplace_input",  # mutation of an argument
    "relu__inplace_dout",  # mutation of dout
    "MultiplyGate__swapped",  # gate class
    "svm_loss__dx_not_divided_by_N",  # loss function, backward
    "softmax_loss__loss_not_divided_by_N",  # loss function, forward
    "TwoLayerNet__reg_grad_missing",  # model, needs the constructor's reg
    "TwoLayerNet__reg_loss_no_half",  # model, forward
    "lstm_step__dnext_c_ignored",  # a layer with two outputs
]
SNIPPET_GAPS = {
    "batchnorm__running_stats_not_updated": "the reference's bn_param after forward is not in the JSON, only the message",
    "dropout__ignores_seed": "unseeded randomness: the snippet draws its own mask, which may match",
    # found by the kept-fraction probe (checks.stochastic): a property of many units, no expected output
    "dropout__p_as_drop_probability": "the fraction kept over many units: the JSON has the input, not an expected output",
    "dropout__scale_by_drop_probability": "the fraction kept over many units: the JSON has the input, not an expected output",
    "dropout__constant_seed": "two seeds giving one mask: the snippet reproduces one call",
    "spatial_batchnorm__running_stats_not_stored": "the reference's bn_param after forward is not in the JSON, only the message",
}
ALL_SNIPPETS = os.environ.get("GRADGATE_SNIPPETS") == "all"
if ALL_SNIPPETS:
    SNIPPET_MUTANTS = sorted(p.stem for p in MUTANTS.glob("*.py"))

CACHE_AND_DETERMINISM = """
import numpy as np

def relu_forward(x):
    return np.maximum(0, x), x.copy()

def relu_backward(dout, cache):
    dx = dout * (cache > 0)
    cache *= -1  # spoils the cache
    return dx

def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x)) + 1e-9 * np.random.rand()  # noise below the forward tolerance
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)

class AddGate:
    def forward(self, x, y):
        self.calls = 0
        return x + y

    def backward(self, dz):
        self.calls += 1
        return dz * self.calls, dz * self.calls  # grows on each call
"""


@functools.cache
def _numpy_modules() -> dict[str, str]:
    """implementation label -> the gates/student module of its numpy version (gradgate's own
    discovery tells apart the course helpers and the torch code of other courses)."""
    found = discover(ROOT / "gates" / "student")
    modules: dict[str, str] = {}
    for c in found.candidates:
        if not c.tensors:
            modules.setdefault(c.label, Path(c.source).stem)
    return modules


def _correct_module(implementation: str) -> str:
    module = _numpy_modules().get(implementation)
    assert module is not None, f"no correct {implementation} in gates/student"
    return module


def _snippet_fails_on_the_bug_and_passes_on_correct_code(target: Path) -> list[str]:
    report = run(target, examples=60, seed=1, timeout=5.0)
    data = json.loads(json.dumps(jsonreport.to_dict(report, "gradgate check")))
    checks = []
    for i, r in enumerate(data["results"]):
        if r["status"] == "pass":
            pytest.skip(f"the engine passes {target.name} at seed 1 with 60 examples (test_corpus's concern)")
        assert r["counterexample"], (r["gate"], r["status"], r["message"])
        code = htmlreport.snippet(data, i)
        proc = _run_python(code)
        assert proc.returncode != 0 and "Traceback" in proc.stderr, f"{r['gate']}: did not fail:\n{code}"
        if r["variant"] is not None:
            # the expected values are the variant the bug came closest to, not necessarily gates/student's
            checks.append(r["counterexample"]["check"])
            continue
        fixed = code.replace(f"sys.path.insert(0, {str(target.parent)!r})", f"sys.path.insert(0, {str(ROOT / 'gates' / 'student')!r})")
        fixed = re.sub(r"^from \w+ import", f"from {_correct_module(r['implementation'])} import", fixed, flags=re.MULTILINE)
        assert fixed != code
        proc = _run_python(fixed)
        assert proc.returncode == 0, f"{r['gate']}: fails on a correct implementation:\n{proc.stderr}\n{fixed}"
        checks.append(r["counterexample"]["check"])
    return checks


@pytest.mark.parametrize(
    "mutant",
    [pytest.param(m, marks=pytest.mark.xfail(reason=SNIPPET_GAPS[m], strict=False)) if m in SNIPPET_GAPS else m for m in sampled(SNIPPET_MUTANTS, 3)],
)
def test_snippets_of_known_bugs(mutant: str) -> None:
    assert _snippet_fails_on_the_bug_and_passes_on_correct_code(MUTANTS / f"{mutant}.py")


def test_snippets_of_a_spoiled_cache_and_an_unseeded_forward(tmp_path: Path) -> None:
    student = tmp_path / "student_code.py"
    student.write_text(CACHE_AND_DETERMINISM)
    checks = _snippet_fails_on_the_bug_and_passes_on_correct_code(student)
    assert sorted(checks) == ["determinism", "no_mutation", "no_mutation"]


# --------------------------------------------------------------------------------------------
# size and the pieces that keep it bounded


def _large_report(gates: int = 300, failing: int = 60, examples: int = 5000) -> dict[str, Any]:
    rnd = random.Random(7)
    base = _fixture("failing")
    template = next(r for r in base["results"] if r["gate"] == "conv")
    results = []
    for g in range(gates):
        r = copy.deepcopy(template)
        r["gate"], r["implementation"] = f"gate{g}", f"gate{g}_forward"
        r["example_errors"] = [round(rnd.uniform(-17, 0.3), 2) for _ in range(examples)]
        r["examples_run"] = examples
        if g < failing:
            shape = [4, 4, 80, 80]
            n = 4 * 4 * 80 * 80
            flat = [rnd.random() ** 8 for _ in range(n)]
            nested = [[[flat[((a * 4 + b) * 80 + c) * 80 : ((a * 4 + b) * 80 + c + 1) * 80] for c in range(80)] for b in range(4)] for a in range(4)]
            cex = r["counterexample"]
            for key in ("analytic", "expected", "element_error"):
                cex[key] = {"shape": shape, "values": nested}
            cex["inputs"]["x"] = {"shape": shape, "values": nested}
        else:
            r["status"], r["counterexample"], r["message"] = "pass", None, ""
            for c in r["checks"]:
                c["status"] = "pass"
        results.append(r)
    base["results"] = results
    base["summary"] = {"pass": gates - failing, "fail": failing, "error": 0}
    return base


def test_a_large_run_gives_a_page_of_a_few_megabytes() -> None:
    data = _large_report()
    page = htmlreport.render(data, json_name="reports/big.json")
    size = len(page.encode())
    assert size < 5_000_000, f"{size / 1e6:.1f} MB"
    assert len(re.findall(r'<tr id="row-\d+"', page)) == 300
    heatmaps = re.findall(r'<figure class="heatmap".*?</figure>\n</div>', page, re.DOTALL)
    assert len(heatmaps) == 60
    cells = [h.count("<rect") for h in heatmaps]
    assert max(cells) <= htmlreport.HEATMAP_CELLS and sum(cells) <= htmlreport.PAGE_CELLS + 60 * htmlreport.SMALL_CELLS
    # values too many to inline are loaded from the JSON the page was made from
    snippets = _snippets(page)
    assert len(snippets) == 60 and all("json.load(open('reports/big.json'))" in s for s in snippets.values())
    for code in snippets.values():
        compile(code, "<snippet>", "exec")


def test_histogram_bins_by_decade() -> None:
    h = histogram.build([-17, -17, -16.5, -9.99, -9.01, -3.2, 0.0, 2.5, None])
    assert h is not None and h.count == 8
    by_span = {b.title.split("error ")[1]: int(b.title.split(" of ")[0]) for b in h.bars}
    assert by_span == {
        "below 1e-16 (exact agreement included)": 3,
        "1e-10 to 1e-9": 2,
        "1e-4 to 1e-3": 1,
        "1e0 or more": 2,
    }
    assert [b.cls for b in h.bars] == ["b0", "b0", "b2", "b3"]  # coloured by band
    assert max(b.height for b in h.bars) == 60 and h.peak == 3
    assert histogram.build([]) is None


def _cex(shape: list[int], wrong: list[tuple[int, ...]]) -> dict[str, Any]:
    import numpy as np

    err = np.zeros(shape)
    for idx in wrong:
        err[idx] = 0.5
    analytic = np.arange(err.size, dtype=float).reshape(shape)
    return {
        "input": "dx",
        "element_error": {"shape": shape, "values": err.tolist()},
        "analytic": {"shape": shape, "values": analytic.tolist()},
        "expected": {"shape": shape, "values": (analytic + 1).tolist()},
    }


def test_heatmap_tiles_the_trailing_slices_of_a_4d_gradient() -> None:
    from gradgate.checks.results import Check

    hm = heatmap.build(_cex([2, 3, 4, 5], [(1, 2, 3, 4)]), "torch", Check.BACKWARD_TORCH, [0])
    assert hm is not None and len(hm.slices) == 6
    assert [s.label for s in hm.slices][:2] == ["dx[0, 0, :, :]", "dx[0, 1, :, :]"]
    assert all((s.rows, s.cols) == (4, 5) for s in hm.slices)
    wrong = [(s.label, c) for s in hm.slices for c in s.cells if c.wrong]
    assert len(wrong) == 1 and wrong[0][0] == "dx[1, 2, :, :]" and (wrong[0][1].y, wrong[0][1].x) == (3, 4)
    assert wrong[0][1].title == "dx[1, 2, 3, 4] · yours 119 · expected 120 · error 5.0e-01 wrong"


def test_heatmap_caps_slices_and_windows_on_the_worst_entry() -> None:
    from gradgate.checks.results import Check

    hm = heatmap.build(_cex([20, 100, 70], [(17, 90, 3)]), "torch", Check.BACKWARD_TORCH, [0])
    assert hm is not None
    assert sum(len(s.cells) for s in hm.slices) <= htmlreport.HEATMAP_CELLS
    assert all(s.rows <= htmlreport.HEATMAP_SIDE and s.cols <= htmlreport.HEATMAP_SIDE for s in hm.slices)
    assert hm.slices[0].label.startswith("dx[") and any("dx[17, :, :]" in s.label for s in hm.slices), "the slice with the wrong entry is shown"
    assert any(c.wrong for s in hm.slices for c in s.cells), "the window holds the wrong entry"
    assert any("showing" in n for n in hm.notes)
    # a vector wraps into rows; a scalar is one cell
    vec = heatmap.build(_cex([150], [(149,)]), "torch", Check.BACKWARD_TORCH, [0])
    assert vec is not None and (vec.slices[0].rows, vec.slices[0].cols) == (3, 64) and len(vec.slices[0].cells) == 150
    assert [c.title.split(" ·")[0] for c in vec.slices[0].cells if c.wrong] == ["dx[149]"]
    one = heatmap.build(_cex([], [()]), "torch", Check.BACKWARD_TORCH, [0])
    assert one is not None and len(one.slices[0].cells) == 1 and one.slices[0].cells[0].wrong


# --------------------------------------------------------------------------------------------
# computational graphs


def _result(name: str, gate: str) -> tuple[int, dict[str, Any]]:
    return next((i, r) for i, r in enumerate(_fixture(name)["results"]) if r["gate"] == gate)


def _graph_figure(page: str, i: int) -> str:
    start = page.index(f'<figure class="graph" id="graph-{i}">')
    return page[start : page.index("</figure>", start)]


def _array(shape: list[int], values: Any) -> dict[str, Any]:
    return {"shape": shape, "values": values}


def test_graph_values_are_short_text_on_the_wires() -> None:
    assert graph._wire_lines(_array([], 0.123456)) == ["0.1235"]  # 4 significant digits
    assert graph._wire_lines(_array([1, 1], [[-2.0]])) == ["-2"]  # one entry: a number, as on the slides
    assert graph._wire_lines(_array([1], [None])) == ["nan"]  # null: not finite
    assert graph._wire_lines(_array([3], [1.0, 2.5, 3e-7])) == ["[1, 2.5, 3e-07]"]
    assert graph._wire_lines(_array([4], [1.5, 2.5, 3.5, 4.5])) == ["[1.5, 2.5, 3.5,", " 4.5]"]
    assert graph._wire_lines(_array([2, 2], [[1.0, 2.0], [3.0, 4.0]])) == ["[[1, 2],", " [3, 4]]"]
    assert graph._wire_lines(_array([2], [0, 2])) == ["[0, 2]"]  # labels
    assert graph._wire_lines(_array([0, 3], [])) == ["empty (0, 3)"]
    # more than GRAPH_ENTRIES: the shape and the first entries
    assert graph._wire_lines(_array([4, 3], [[0.5, 1.0, 1.5]] * 4)) == ["shape (4, 3)", "[0.5, 1, 1.5, …]"]
    assert graph._wire_lines(_array([1, 1, 2], [[[1.0, 2.0]]])) == ["shape (1, 1, 2)", "[1, 2]"]
    assert graph._wire_lines("<b>") == ["'<b>'"]


def test_a_failing_fanout_is_drawn_like_the_lecture_with_x_highlighted() -> None:
    i, r = _result("graphs", "fanout")
    g = graph.build(r, f"results[{i}]", [0])
    assert g is not None and g.example == "the minimal failing example"
    by = {v.name: v for v in g.nodes}
    assert list(by) == ["x", "y", "q", "f"]
    assert [v.name for v in g.nodes if v.disagrees] == ["x"]
    assert (by["x"].kind, by["q"].label, by["q"].shape, by["f"].label) == ("input", "*", "circle", "+")
    assert by["x"].cx == by["y"].cx < by["q"].cx < by["f"].cx  # left to right by dependency depth
    x = r["graph"][0]
    texts = [(t.cls, t.text) for t in by["x"].texts]
    value, grad, yours = (f"{x[k]['values'][0][0]:.4g}" for k in ("value", "grad", "student_grad"))
    assert texts == [("val", value), ("grad", grad), ("yours bad", f"yours {yours} ✗")]
    above = next(t for t in by["x"].texts if t.cls == "val")
    below = next(t for t in by["x"].texts if t.cls == "grad")
    assert above.y < by["x"].cy < below.y  # the value above the wire, the gradient below it
    assert [t.text for t in by["y"].texts if t.cls == "yours"] == [f"yours {r['graph'][1]['student_grad']['values'][0][0]:.4g} ✓"]
    assert g.first == f"x: yours {yours}, torch {grad} (relative error {x['rel_error']:.1e})"
    assert len(g.edges) == 4  # x and y into q; q and x into f
    assert "first disagreement, going backward from the output" in by["x"].title
    figure = _graph_figure(_render("graphs"), i)
    assert '<g class="node input disagrees wrong" data-name="x">' in figure
    assert figure.count("disagrees") == 1
    assert "first disagreement, going backward from the output" in figure
    assert "<figcaption>" in figure and 'role="img"' in figure


def test_passing_circuits_are_drawn_without_a_highlighted_node() -> None:
    for name in ("graphs", "passing"):
        i, r = _result(name, "circuit")
        assert r["status"] == "pass"
        g = graph.build(r, "r", [0])
        assert g is not None and g.example == "the simplest example" and g.first is None and not g.notes
        by = {v.name: v for v in g.nodes}
        assert list(by) == ["x", "y", "z", "q", "f"]
        assert by["x"].cx == by["y"].cx == by["z"].cx < by["q"].cx < by["f"].cx  # the inputs at the left, as on the slide
        assert not any(v.disagrees or v.wrong for v in g.nodes)
        figure = _graph_figure(_render(name), i)
        assert "disagrees" not in figure and "first disagreement" not in figure
    passing = _fixture("passing")
    graphs = [r["gate"] for r in passing["results"] if r.get("graph")]
    assert {"circuit", "sigmoid_neuron", "fanout", "l2_wx", "linear", "TwoLayerNet"} <= set(graphs)
    assert _render("passing").count('<figure class="graph"') == len(graphs)


def test_the_two_layer_net_is_drawn_with_its_loss_at_the_right() -> None:
    _, r = _result("failing", "TwoLayerNet")
    g = graph.build(r, "r", [0])
    assert g is not None
    by = {v.name: v for v in g.nodes}
    assert by["reg"].kind == "constant"  # used by reg_loss, not traced
    assert max(v.cx for v in g.nodes) == by["loss"].cx
    assert by["X"].cx < by["h"].cx < by["a"].cx < by["scores"].cx < by["data_loss"].cx == by["reg_loss"].cx < by["loss"].cx
    assert by["h"].cx < by["W2"].cx < by["scores"].cx  # a deep graph: W2 enters just before its first use
    flagged = [n["name"] for n in r["graph"] if n["disagrees"]]
    assert [v.name for v in g.nodes if v.disagrees] == flagged and len(flagged) == 1
    assert g.first is not None and g.first.startswith(flagged[0] + ": yours")


def _boxes(v: htmlreport.GraphNodeView) -> list[tuple[float, float, float, float, str]]:
    boxes = [(v.cx - v.w / 2, v.cy - v.h / 2, v.cx + v.w / 2, v.cy + v.h / 2, v.label)]
    if v.kind == "op":
        boxes.append((v.cx - len(v.name) * htmlreport.LABEL_W / 2, v.cy - v.h / 2 - 16, v.cx + len(v.name) * htmlreport.LABEL_W / 2, v.cy - v.h / 2, v.name))
    boxes += [(t.x, t.y - 10, t.x + len(t.text) * htmlreport.CHAR_W, t.y + 3, t.text) for t in v.texts]
    return boxes


def test_graph_nodes_and_their_numbers_never_overlap() -> None:
    seen = 0
    for name in FIXTURES:
        for r in _fixture(name)["results"]:
            g = graph.build(r, "r", [0])
            if g is None:
                continue
            seen += 1
            per_node = [_boxes(v) for v in g.nodes]
            for a, boxes in enumerate(per_node):
                for x1, y1, x2, y2, what in boxes:
                    assert 0 <= x1 and x2 <= g.width and 0 <= y1 and y2 <= g.height, (r["gate"], what)
                for other in per_node[a + 1 :]:
                    for p in boxes:
                        for q in other:
                            apart = p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1]
                            assert apart, (r["gate"], p, q)
    assert seen >= 10


def test_graphs_stay_bounded() -> None:
    data = copy.deepcopy(_fixture("graphs"))
    chain = [{"name": "x0", "op": None, "inputs": [], "value": _array([], 1.0), "grad": None, "student_grad": None, "rel_error": None, "disagrees": False}]
    for k in range(1, 60):
        chain.append({**chain[0], "name": f"x{k}", "op": "+", "inputs": [f"x{k - 1}"]})
    data["results"][0]["graph"] = chain
    g = graph.build(data["results"][0], "r", [0])
    assert g is not None and g.nodes == [] and "60 nodes" in g.notes[0]
    # a big array shows its shape and first entries on the wire; the hover text is capped too
    _, r = _result("graphs", "l2_wx")
    big = _array([120, 120], [[0.25] * 120] * 120)  # written out whole, one such array alone is ~80k characters
    for node in r["graph"]:
        node["value"] = node["grad"] = big
        if node["student_grad"] is not None:
            node["student_grad"] = big
    one = copy.deepcopy(data)
    fit = htmlreport.PAGE_GRAPH_NODES // len(r["graph"])  # graphs the page draws; a few more than that
    one["results"] = [r] * (fit + 5)
    one["summary"] = {"pass": 0, "fail": fit + 5, "error": 0}
    page = htmlreport.render(one)
    figures = re.findall(r'<figure class="graph".*?</figure>', page, re.DOTALL)
    assert len(figures) == fit + 5
    drawn = [f for f in figures if "<svg" in f]
    assert len(drawn) == fit  # the rest say why they are not drawn
    assert "this page already draws" in figures[-1]
    assert max(len(f) for f in drawn) < 40_000
    assert "shape (120, 120)" in drawn[0] and "[0.25, 0.25, 0.25, …]" in drawn[0]


# --------------------------------------------------------------------------------------------
# malformed input


def _mutations(data: dict[str, Any], count: int, seed: int) -> Iterator[dict[str, Any]]:
    def paths(o: Any, p: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        yield p
        if isinstance(o, dict):
            for k, v in o.items():
                yield from paths(v, (*p, k))
        elif isinstance(o, list):
            for i, v in enumerate(o[:3]):
                yield from paths(v, (*p, i))

    every = list(paths(data))[1:]
    rnd = random.Random(seed)
    replacements = [None, "x<y", 7, -1e300, [1, [2]], {"a": 1}, True]
    for _ in range(count):
        d = copy.deepcopy(data)
        p = rnd.choice(every)
        parent = d
        for k in p[:-1]:
            parent = parent[k]
        if rnd.random() < 0.3:
            del parent[p[-1]]
        else:
            parent[p[-1]] = rnd.choice(replacements)
        yield d


@pytest.mark.parametrize("name", ["failing", "passing", "graphs"])
def test_a_malformed_report_raises_report_error_only(name: str) -> None:
    for broken in _mutations(_fixture(name), 400 if FULL else 60, seed=len(name)):
        try:
            htmlreport.render(broken)
        except htmlreport.ReportError:
            pass


def test_gradgate_report_renders_saved_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "results.json"
    saved.write_text((GOLD / "failing.json").read_text())
    assert main(["report", str(saved), "--html", str(tmp_path / "out" / "page.html")]) == 0
    assert f"HTML report written to {tmp_path / 'out' / 'page.html'}" in capsys.readouterr().out
    assert htmlreport.blank_volatile((tmp_path / "out" / "page.html").read_text()) == htmlreport.blank_volatile(
        htmlreport.render(_fixture("failing"), json_name=str(saved))
    )
    assert main(["report", str(saved)]) == 0  # default: next to the JSON
    assert (tmp_path / "results.html").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist"),
        ("{", "is not JSON"),
        ("[1, 2]", "is not a gradgate.report/1 report"),
        ('{"schema": "other/1"}', "its schema is 'other/1'"),
        ('{"schema": "gradgate.report/1", "target": "t", "seed": 1, "examples": 1}', "has no 'results'"),
        ('{"schema": "gradgate.report/1", "results": [{"gate": "g"}]}', "results[0] has no 'status'"),
    ],
)
def test_gradgate_report_on_a_bad_file_is_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    saved = tmp_path / "results.json"
    if content is not None:
        saved.write_text(content)
    assert main(["report", str(saved), "--html", str(tmp_path / "page.html")]) == 2
    out, err = capsys.readouterr()
    assert message in err and "Traceback" not in out + err
    assert not (tmp_path / "page.html").exists()


def test_gradgate_report_as_a_process_has_no_traceback(tmp_path: Path) -> None:
    saved = tmp_path / "r.json"
    saved.write_text('{"schema": "gradgate.report/1", "results": "nope"}')
    proc = subprocess.run(
        [sys.executable, "-m", "gradgate", "report", str(saved)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "results should be list" in proc.stderr


# --------------------------------------------------------------------------------------------
# gradgate check writes the reports


RELU = "import numpy as np\ndef relu_forward(x):\n    return np.maximum(0, x), x\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n"


def test_check_writes_both_reports_under_reports_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "relu_layer.py").write_text(RELU)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "hw/relu_layer.py", "--seed", "1", "--examples", "10"]) == 0
    out = capsys.readouterr().out
    assert "JSON report written to reports/relu_layer.json" in out and "HTML report written to reports/relu_layer.html" in out
    data = json.loads((tmp_path / "reports" / "relu_layer.json").read_text())
    assert data["results"][0]["gate"] == "relu"
    page = (tmp_path / "reports" / "relu_layer.html").read_text()
    assert page == htmlreport.render(data, json_name="reports/relu_layer.json")  # the page is made from the JSON on disk
    # a folder is named after itself
    assert main(["check", "hw", "--seed", "1", "--examples", "10"]) == 0
    assert (tmp_path / "reports" / "hw.html").exists() and (tmp_path / "reports" / "hw.json").exists()
    monkeypatch.chdir(tmp_path / "hw")
    assert main(["check", ".", "--seed", "1", "--examples", "10"]) == 0
    assert (tmp_path / "hw" / "reports" / "hw.html").exists()


def test_check_html_and_json_choose_other_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "relu.py").write_text(RELU)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "relu.py", "--seed", "1", "--examples", "10", "--html", "out/page.html"]) == 0
    assert (tmp_path / "out" / "page.html").exists() and (tmp_path / "reports" / "relu.json").exists()
    assert not (tmp_path / "reports" / "relu.html").exists()
    assert main(["check", "relu.py", "--seed", "1", "--examples", "10", "--json", "a/r.json", "--html", "a/r.html"]) == 0
    assert (tmp_path / "a" / "r.json").exists() and (tmp_path / "a" / "r.html").exists()


def test_check_no_report_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "relu.py").write_text(RELU)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "relu.py", "--seed", "1", "--examples", "10", "--no-report"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relu.py"]
    assert "report written" not in capsys.readouterr().out
    assert main(["check", "relu.py", "--no-report", "--html", "x.html"]) == 2
    assert "--no-report" in capsys.readouterr().err


def test_check_of_a_missing_target_still_reports_it_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "absent.py", "--seed", "1"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert "does not exist" in (tmp_path / "reports" / "absent.html").read_text()


# --------------------------------------------------------------------------------------------
# in the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "Python playwright is not installed (pip install -e '.[test]')"
    if why is None and not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing: install Debian's chromium package (gradgate never downloads a browser)"
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {why}")
        pytest.skip(why)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def failing_page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "failing.html"
    path.write_text(_render("failing"))
    return path


class Opened:
    def __init__(self, browser: Any, path: Path, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def opened(browser: Any, failing_page_file: Path) -> Iterator[Opened]:
    o = Opened(browser, failing_page_file)
    yield o
    o.close()


def test_loads_clean_with_every_row_and_no_fetch(opened: Opened, failing_page_file: Path) -> None:
    page = opened.page
    data = _fixture("failing")
    rows = page.locator("#matrix tbody tr")
    assert rows.count() == len(data["results"])
    for i, r in enumerate(data["results"]):
        row = page.locator(f"#row-{i}")
        assert row.is_visible()
        assert row.locator("td").nth(0).inner_text() == r["gate"]
        assert row.locator("td").nth(2).inner_text() == r["status"]
    assert page.locator("#matrix-controls").is_visible()  # the script ran (its CSP hash is right)
    assert opened.console_errors == []
    assert opened.requests == [failing_page_file.as_uri()]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_a_script_in_an_error_message_is_shown_not_run(opened: Opened) -> None:
    page = opened.page
    page.wait_for_timeout(300)
    assert opened.dialogs == []
    shown = page.get_by_text("contract: ValueError: <script>alert(1)</script> (at layers.py:")
    assert shown.count() >= 1 and shown.first.is_visible()
    assert page.get_by_text("<img src=x onerror=alert(2)> half done").first.is_visible()
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.images.length") == 0
    sigmoid = next(i for i, r in enumerate(_fixture("failing")["results"]) if r["gate"] == "sigmoid")
    page.locator(f"#impl-{sigmoid} details.output summary").click()
    printed = page.locator(f"#impl-{sigmoid} details.output pre")
    assert printed.inner_text().startswith("<b>printed by the student</b> & <i>friends</i> ünïcødé ✓")
    assert opened.dialogs == [] and opened.console_errors == []


def test_failing_gates_show_their_heatmap_and_snippet_and_the_snippets_reproduce(opened: Opened) -> None:
    page = opened.page
    data = _fixture("failing")
    snippets = {}
    for i, r in enumerate(data["results"]):
        cex = r["counterexample"]
        if cex is None:
            continue
        snippet = page.locator(f"#snippet-{i}")
        snippet.scroll_into_view_if_needed()
        assert snippet.is_visible()
        snippets[i] = snippet.inner_text()
        if cex["element_error"]:
            hm = page.locator(f"#heatmap-{i}")
            assert hm.is_visible()
            wrong = hm.locator("rect.w")
            assert wrong.count() == len(cex["wrong_entries"]) > 0
            assert "yours" in wrong.first.locator("title").text_content()
    assert len(snippets) >= 10
    _check_snippets(data, snippets)  # copied from the page as a reader would


def _column(page: Any, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#matrix tbody tr", f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{index}].getAttribute('data-v'))"
    )


def test_javascript_sorts_and_filters_the_matrix(opened: Opened) -> None:
    page = opened.page
    header = page.locator('#matrix th[data-check="backward_vs_torch"]')
    col = page.eval_on_selector('#matrix th[data-check="backward_vs_torch"]', "th => th.cellIndex")
    original = _column(page, col)
    header.locator("button").click()
    values = [float(v) for v in _column(page, col)]
    assert values == sorted(values, reverse=True) and header.get_attribute("aria-sort") == "descending"
    assert values != [float(v) for v in original]
    header.locator("button").click()
    values = [float(v) for v in _column(page, col)]
    assert values == sorted(values) and header.get_attribute("aria-sort") == "ascending"
    gate = page.locator("#matrix th").nth(0)
    gate.locator("button").click()
    names = _column(page, 0)
    assert names == sorted(names, key=str.lower)

    page.locator("#matrix-filter").fill("pool")
    assert _column(page, 0) == ["max_pool"]
    assert page.locator("#matrix-shown").inner_text().startswith("1 of ")
    page.locator("#matrix-filter").fill("")
    page.locator("#matrix-status").select_option("pass")
    assert _column(page, 0) == ["AddGate"]
    page.locator("#matrix-status").select_option("error")
    assert sorted(_column(page, 0)) == ["broken", "sigmoid"]
    assert opened.console_errors == []


GRAPH_PROBLEMS = """() => {
  const out = [];
  document.querySelectorAll("svg.cg").forEach(svg => {
    const where = svg.closest("figure").id;
    const view = svg.viewBox.baseVal;
    const items = [];
    svg.querySelectorAll("g.node").forEach((g, n) => {
      g.querySelectorAll("text, rect, circle").forEach(el => items.push({n, tag: el.tagName, what: el.textContent, b: el.getBBox()}));
    });
    items.forEach(a => {
      if (a.b.x < 0 || a.b.y < 0 || a.b.x + a.b.width > view.width + 0.5 || a.b.y + a.b.height > view.height + 0.5) {
        out.push(`${where}: ${a.what} sticks out of the drawing`);
      }
    });
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i], c = items[j];
        if (a.n === c.n && (a.tag !== "text" || c.tag !== "text")) continue;  // a label in its own node
        const x = Math.min(a.b.x + a.b.width, c.b.x + c.b.width) - Math.max(a.b.x, c.b.x);
        const y = Math.min(a.b.y + a.b.height, c.b.y + c.b.height) - Math.max(a.b.y, c.b.y);
        if (x > 1 && y > 1.5) out.push(`${where}: ${a.what} overlaps ${c.what}`);
      }
    }
    const box = svg.getBoundingClientRect(), figure = svg.closest("figure").getBoundingClientRect();
    if (box.width > figure.width + 1) out.push(`${where}: wider than the page (${box.width} > ${figure.width})`);
  });
  return out;
}"""


def test_graphs_in_the_browser(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "graphs.html"
    path.write_text(_render("graphs"))
    o = Opened(browser, path)
    try:
        page = o.page
        i, _ = _result("graphs", "fanout")
        figure = page.locator(f"#graph-{i}")
        figure.scroll_into_view_if_needed()
        assert figure.locator("svg").is_visible()  # a failing implementation's section is open
        marked = figure.locator("g.node.disagrees")
        assert marked.count() == 1 and marked.get_attribute("data-name") == "x"
        assert marked.locator("title").text_content().startswith("x: input, shape (1, 1)\nvalue: ")
        assert marked.locator("rect").evaluate("e => getComputedStyle(e).stroke") == "rgb(215, 48, 39)"  # --wrong
        legend = figure.locator(".graph-legend").inner_text()
        assert "first disagreement, going backward from the output: x: yours" in legend
        ARTIFACTS.mkdir(exist_ok=True)
        figure.screenshot(path=str(ARTIFACTS / "graph.png"))

        c, _ = _result("graphs", "circuit")
        circuit = page.locator(f"#graph-{c}")
        assert not circuit.is_visible()  # a passing implementation's section starts closed
        page.locator(f"#impl-{c} > summary").click()
        assert circuit.locator("svg").is_visible()
        assert circuit.locator("g.node").count() == 5 and circuit.locator("g.node.disagrees").count() == 0
        assert "first disagreement" not in circuit.inner_text()
        circuit.screenshot(path=str(ARTIFACTS / "graph-circuit.png"))

        page.evaluate("document.querySelectorAll('details.impl').forEach(d => { d.open = true; })")
        assert page.evaluate(GRAPH_PROBLEMS) == []
        assert o.console_errors == [] and o.dialogs == []
        assert o.requests == [path.as_uri()]
    finally:
        o.close()


def test_the_two_layer_net_graph_fits_the_page(opened: Opened) -> None:
    page = opened.page
    i, _ = _result("failing", "TwoLayerNet")
    figure = page.locator(f"#graph-{i}")
    figure.scroll_into_view_if_needed()
    assert figure.locator("svg").is_visible() and figure.locator("g.node.disagrees").count() == 1
    page.evaluate("document.querySelectorAll('details.impl').forEach(d => { d.open = true; })")
    assert page.evaluate(GRAPH_PROBLEMS) == []
    ARTIFACTS.mkdir(exist_ok=True)
    figure.screenshot(path=str(ARTIFACTS / "graph-net.png"))
    assert opened.console_errors == []


def test_readable_with_javascript_off(browser: Any, failing_page_file: Path) -> None:
    o = Opened(browser, failing_page_file, javascript=False)
    try:
        page = o.page
        assert page.locator("#matrix tbody tr").count() == len(_fixture("failing")["results"])
        assert not page.locator("#matrix-controls").is_visible()
        assert page.locator("#legend").is_visible()
        assert page.locator("pre.snippet").first.is_visible()
        assert page.locator(".heatmap").first.is_visible()
        assert o.dialogs == []
    finally:
        o.close()


def test_a_recorded_constructor_is_used_for_a_model() -> None:
    data = copy.deepcopy(_fixture("failing"))
    i = next(i for i, r in enumerate(data["results"]) if r["gate"] == "TwoLayerNet")
    recorded = data["results"][i]["counterexample"].pop("construct")
    assert recorded and recorded["reg"] > 0  # the engine records them
    guessed = htmlreport.snippet(data, i)
    assert "inspect.signature(TwoLayerNet)" in guessed  # a report from before it did: sizes stand in
    data["results"][i]["counterexample"]["construct"] = {"input_dim": 1, "hidden_dim": 1, "num_classes": 2, "reg": 0.1}
    code = htmlreport.snippet(data, i)
    assert "model = TwoLayerNet(**{'input_dim': 1, 'hidden_dim': 1, 'num_classes': 2, 'reg': 0.1})" in code
    assert "inspect" not in code
    assert _run_python(code).stderr.strip().splitlines()[-1].startswith("AssertionError: dW1 is wrong")
