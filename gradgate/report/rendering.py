"""Rendering the page and writing it: the view model through the Jinja2 template beside this
module, with the page's CSS and script inlined, so the file is one self-contained page.

Everything that comes from a student (names, messages, printed output, values) is untrusted: the
environment autoescapes every substitution, and a Content-Security-Policy allows only the page's own
script (by hash) and no fetch of any kind. The page reads fine with JavaScript off; the script only
sorts and filters the summary matrix.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .schema import SCHEMA, ReportError
from .viewmodel import view

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render(data: Mapping[str, Any], json_name: str = "report.json") -> str:
    """The HTML page for a gradgate.report/1 dict. `json_name` is where snippets load values too large to inline."""
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    try:
        page = view(data, json_name)
        return _environment().get_template("report.html.j2").render(
            v=page, script=Markup(script), style=Markup(style), script_hash=_csp_hash(script)
        )
    except (jinja2.UndefinedError, TypeError, KeyError, AttributeError, ValueError, IndexError, ArithmeticError) as exc:
        # A value of the wrong kind somewhere the checks in view() do not look.
        raise ReportError(f"the report does not match {SCHEMA}: {type(exc).__name__}: {exc}") from None


def write(data: Mapping[str, Any], path: Path | str, json_name: str | None = None) -> None:
    """Render and write atomically (a reader never sees half a page)."""
    path = Path(path)
    if json_name is None:
        json_name = "report.json"
    text = render(data, json_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


VOLATILE = re.compile(r'(<[^>]*\bdata-volatile\b[^>]*>)[^<]*(<)')


def blank_volatile(html: str) -> str:
    """The page with run-dependent values (time taken, versions) blanked, for gold comparisons."""
    return VOLATILE.sub(r"\1…\2", html)
