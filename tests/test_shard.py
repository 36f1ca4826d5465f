"""`gradgate grade --shard K/N` and `gradgate merge` of shards (issue 15, item 7): a class of five
(two correct, one wrong, one that cannot be loaded, one folder missing gates) graded whole and in
three shards on "different machines"; the merged shards are the whole run, and merge refuses a set
of shards that is not one whole class. Graded in the sandbox, without an assignment file, so merge
must also grade each student on the gates of the whole class (carol's shard has no gate at all)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradgate.cli import main, parser
from gradgate.grade import CLASS_FILES
from gradgate.shard import SUMMARY, Shard, class_digest, parse, select

from .test_grade import CORRECT, PARTIAL, SYNTAX_ERROR, WRONG

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = "5"
SOURCES = {"alice.py": CORRECT, "bob.py": WRONG, "carol.py": SYNTAX_ERROR, "dave": PARTIAL, "erin.py": CORRECT}
PATHS = sorted(SOURCES)  # relative to the class folder: alice.py bob.py carol.py dave erin.py
# round-robin over the sorted paths
SHARDS = {1: {"alice", "dave"}, 2: {"bob", "erin"}, 3: {"carol"}}
TIMING = {"seconds", "execution_time"}  # the only fields that depend on the clock


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _without_timing(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_timing(v) for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [_without_timing(v) for v in data]
    return data


def _write_class(folder: Path, paths: list[str] = PATHS) -> Path:
    folder.mkdir(parents=True)
    for path in paths:
        source = SOURCES.get(path, CORRECT)
        if path.endswith(".py"):
            (folder / path).write_text(source)
        else:
            (folder / path).mkdir()
            (folder / path / "layers.py").write_text(source)
    return folder


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _students(out: Path) -> set[str]:
    return {p.name for p in out.iterdir() if p.is_dir()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, dict[int, Path]]]:
    """(the class folder, its whole run's --out, {K: --out of shard K/3}), each shard graded from a
    copy of the class of its own, as on its own machine."""
    pytest.importorskip("gradgate.checks.sandbox")
    root = tmp_path_factory.mktemp("shards")
    klass = _write_class(root / "class")
    code, _, err = _run("grade", str(klass), "--out", str(root / "whole"), "--examples", EXAMPLES)
    assert code == 0, err
    shards = {}
    for k, names in SHARDS.items():
        machine = root / f"machine{k}"
        shutil.copytree(klass, machine / "class")
        code, stdout, err = _run("grade", str(machine / "class"), "--shard", f"{k}/3", "--out", str(machine / "graded"),
                                 "--examples", EXAMPLES)
        assert code == 0, err
        assert f"grading shard {k}/3: {len(names)} of 5 submissions" in stdout
        shards[k] = machine / "graded"
    yield klass, root / "whole", shards


# --------------------------------------------------------------------------------------------
# the split


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3", "1/0", "-1/3", "1/3/4", "", "1.0/3", "\u0661/\u0663"])
def test_a_bad_shard_is_an_argument_error_and_nothing_is_written(text: str, tmp_path: Path) -> None:
    klass = _write_class(tmp_path / "class", ["alice.py"])
    with pytest.raises(SystemExit) as exc:
        _run("grade", str(klass), "--shard", text, "--out", str(tmp_path / "out"))
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(repr(text))):
        parse(text)


def test_argparse_says_what_a_shard_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path), "--shard", "4/3", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "argument --shard: expected 1 <= K <= N (shards are numbered 1 to 3), got '4/3'" in err
    assert "Traceback" not in err


def test_shard_k_of_n_is_every_nth_by_path_from_the_kth() -> None:
    assert parse("2/4") == Shard(2, 4) and parse("1/1") == Shard(1, 1)
    paths = ["g", "a", "f", "b", "e", "c", "d"]  # sorted wherever the class folder lists them from
    split = {k: select(paths, Shard(k, 3), str) for k in (1, 2, 3)}
    assert split == {1: ["a", "d", "g"], 2: ["b", "e"], 3: ["c", "f"]}
    assert select(list(reversed(paths)), Shard(2, 3), str) == ["b", "e"]
    assert select(paths, Shard(9, 9), str) == []  # more shards than students: an empty shard
    assert select(paths, Shard(1, 1), str) == sorted(paths)


def test_each_shard_grades_exactly_its_students_and_records_the_class(graded: tuple[Path, Path, dict[int, Path]]) -> None:
    _, whole, shards = graded
    assert _students(whole) == set().union(*SHARDS.values())
    for k, out in shards.items():
        assert _students(out) == SHARDS[k]
        summary = _json(out / "summary.json")
        assert [r["name"] for r in summary["submissions"]] == sorted(SHARDS[k])
        assert summary["shard"] == {"index": k, "count": 3, "of": 5, "class": class_digest(PATHS)}
    assert "shard" not in _json(whole / "summary.json")
    assert SUMMARY == CLASS_FILES[0]  # where merge looks for the record
    assert _json(shards[3] / "summary.json")["gates"] == []  # carol's shard: nobody wrote a gate


# --------------------------------------------------------------------------------------------
# merge


def test_merged_shards_are_the_whole_class_graded_at_once(graded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    _, whole, shards = graded
    before = (shards[3] / "carol" / "report.json").read_text()
    code, stdout, err = _run("merge", *(str(shards[k]) for k in (3, 1, 2)), "--out", str(tmp_path / "merged"))
    assert code == 0, err
    assert "merged 5 submissions from 3 folders" in stdout
    merged = tmp_path / "merged"
    summary = _json(merged / "summary.json")
    assert "shard" not in summary
    assert _without_timing(summary) == summary  # summary.json has no timing field: it must equal byte for byte
    assert (merged / "summary.json").read_bytes() == (whole / "summary.json").read_bytes()
    assert (merged / "grades.csv").read_bytes() == (whole / "grades.csv").read_bytes()
    assert _students(merged) == _students(whole) == {"alice", "bob", "carol", "dave", "erin"}
    for name in _students(whole):
        for file in ("report.json", "results.json"):
            assert _without_timing(_json(merged / name / file)) == _without_timing(_json(whole / name / file)), (name, file)
    assert summary["gates"] == ["MultiplyGate", "affine", "relu"] and summary["unloadable"] == ["carol"]
    assert (shards[3] / "carol" / "report.json").read_text() == before  # the shards are left as they were


def _refused(tmp_path: Path, dirs: list[Path], *expected: str) -> None:
    out = tmp_path / "merged"
    code, _, err = _run("merge", *map(str, dirs), "--out", str(out))
    assert code == 2, err
    for text in expected:
        assert text in err, err
    assert "Traceback" not in err
    assert not out.exists()  # nothing copied, nothing written


def test_merge_refuses_a_missing_shard(graded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    _, _, shards = graded
    _refused(tmp_path, [shards[1], shards[2]], "shard 3 of 3 is missing")
    _refused(tmp_path, [shards[2]], "shards 1 and 3 of 3 are missing")


def test_merge_refuses_a_shard_given_twice(graded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    _, _, shards = graded
    again = tmp_path / "again"
    shutil.copytree(shards[2], again)
    _refused(tmp_path, [shards[1], shards[2], again, shards[3]], f"shard 2 of 3 is given twice: {shards[2]} and {again}")


def test_merge_refuses_shards_and_a_folder_graded_whole(graded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    _, whole, shards = graded
    _refused(tmp_path, [shards[1], whole], f"{shards[1]} is shard 1 of 3 but {whole} was not graded with --shard")
    _refused(tmp_path, [whole, *shards.values()], "was not graded with --shard")


def test_merge_refuses_a_shard_that_stopped_early(graded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    """As --fail-fast leaves a shard: fewer submissions than its record says the class had."""
    _, _, shards = graded
    short = tmp_path / "short"
    shutil.copytree(shards[2], short)
    shutil.rmtree(short / "erin")
    _refused(tmp_path, [shards[1], short, shards[3]], "the shards hold 4 submissions but were split from a class of 5")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """A class of two (carol, dave) in three shards, the third empty, and in four (the fourth empty)."""
    pytest.importorskip("gradgate.checks.sandbox")
    root = tmp_path_factory.mktemp("pair")
    klass = _write_class(root / "class", ["carol.py", "dave"])
    outs = {}
    for spec in ("1/3", "2/3", "3/3", "4/4"):
        out = root / spec.replace("/", "of")
        code, _, err = _run("grade", str(klass), "--shard", spec, "--out", str(out), "--examples", EXAMPLES)
        assert code == 0, err
        outs[spec] = out
    return klass, outs


def test_a_shard_with_no_students_writes_an_empty_class_that_merges(pair: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    _, outs = pair
    empty = outs["3/3"]
    assert _students(empty) == set()
    summary = _json(empty / "summary.json")
    assert summary["schema"] == "gradgate.class/1" and summary["submissions"] == [] and summary["unloadable"] == []
    assert summary["shard"] == {"index": 3, "count": 3, "of": 2, "class": class_digest(["carol.py", "dave"])}
    assert (summary["seed"], summary["examples"]) == (0, 5)
    assert (empty / "grades.csv").read_text() == "submission,total,max_score\n"
    assert "<html" in (empty / "summary.html").read_text()
    code, _, err = _run("merge", *(str(outs[s]) for s in ("1/3", "2/3", "3/3")), "--out", str(tmp_path / "merged"))
    assert code == 0, err
    merged = _json(tmp_path / "merged" / "summary.json")
    assert [r["name"] for r in merged["submissions"]] == ["carol", "dave"] and "shard" not in merged
    assert _students(tmp_path / "merged") == {"carol", "dave"}


def test_merge_refuses_shards_of_another_split_or_another_class(
    graded: tuple[Path, Path, dict[int, Path]], pair: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    _, _, shards = graded
    _, outs = pair
    _refused(tmp_path, [shards[1], shards[2], outs["3/3"]], "are shards of different classes (5 and 2 submissions")
    _refused(tmp_path, [shards[1], outs["4/4"]], f"{shards[1]} is shard 1 of 3 but {outs['4/4']} is shard 4 of 4")


def test_merge_refuses_an_empty_shard_graded_with_another_seed(pair: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    """An empty shard has no report to compare: its summary says how it would have graded."""
    klass, outs = pair
    late = tmp_path / "late"
    assert _run("grade", str(klass), "--shard", "3/3", "--out", str(late), "--seed", "7")[0] == 0
    _refused(tmp_path, [outs["1/3"], outs["2/3"], late], "were graded with different seeds (0 and 7)")


# --------------------------------------------------------------------------------------------
# summary.json's schema


def test_every_summary_validates_against_the_class_schema(
    graded: tuple[Path, Path, dict[int, Path]], pair: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    """The whole run, each shard, an empty shard and the merged shards; a shard key of the wrong
    shape does not."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = _json(ROOT / "schemas" / "gradgate.class-1.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    _, whole, shards = graded
    assert _run("merge", *map(str, shards.values()), "--out", str(tmp_path / "merged"))[0] == 0
    summaries = [whole, *shards.values(), *pair[1].values(), tmp_path / "merged"]
    for folder in summaries:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_json(folder / "summary.json"))]
        assert errors == [], folder
    assert _json(whole / "summary.json")["gate_stats"]["affine"]["common_failure"] is not None  # bob's, checked too
    bad = _json(shards[1] / "summary.json")
    bad["shard"] = {"index": 0, "count": 3, "of": 5}
    assert not validator.is_valid(bad)


# --------------------------------------------------------------------------------------------
# the GitHub Actions recipe in docs/grading.md runs the real CLI


def _recipe() -> str:
    text = (ROOT / "docs" / "grading.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if "--shard" in b]
    assert len(blocks) == 1, "expected one workflow in docs/grading.md that grades with --shard"
    return blocks[0]


def _command(block: str, program: str) -> str:
    lines = [m for m in re.findall(r"^\s*(?:- )?run: (.*)$", block, re.MULTILINE) if m.startswith(f"gradgate {program} ")]
    assert len(lines) == 1, (program, lines)
    return lines[0]


def test_the_sharded_workflow_in_the_docs_parses_with_gradgates_parser() -> None:
    block = _recipe()
    matrix = re.search(r"^\s*shard: \[([\d, ]+)\]$", block, re.MULTILINE)
    assert matrix is not None
    ks = [int(k) for k in matrix[1].split(",")]
    assert ks == list(range(1, len(ks) + 1))
    grade = _command(block, "grade")
    assert "${{ matrix.shard }}/" in grade
    for k in ks:
        args = parser().parse_args(shlex.split(grade.replace("${{ matrix.shard }}", str(k)))[1:])
        assert (args.command, args.shard) == ("grade", Shard(k, len(ks)))  # every shard of the matrix, of as many
        assert args.submissions == Path("class")
    upload = re.search(r"name: (\S+)-\$\{\{ matrix\.shard \}\}\n\s*path: (\S+)", block)
    assert upload is not None and upload[2] == str(parser().parse_args(shlex.split(grade.replace("${{ matrix.shard }}", "1"))[1:]).out)
    download = re.search(r"pattern: (\S+)\n\s*path: (\S+)", block)
    assert download is not None and download[1] == f"{upload[1]}-*"
    merge = _command(block, "merge")
    assert f" {download[2]}/* " in merge
    folders = " ".join(f"{download[2]}/{upload[1]}-{k}" for k in ks)  # what the shell's glob gives
    args = parser().parse_args(shlex.split(merge.replace(f"{download[2]}/*", folders))[1:])
    assert args.command == "merge" and [str(d) for d in args.dirs] == folders.split()
    assert "awk" not in block
