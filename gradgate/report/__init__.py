"""The HTML report: one self-contained page rendered from the `gradgate.report/1` JSON.

Data first, then render: `render(data)` is a pure function of the JSON. One module a job:

- schema: reading the JSON (load, ReportError, its arrays as numpy)
- display: how numbers and arrays read on the page
- viewmodel: `view(data)`, the page's content as plain dataclasses
- histogram, heatmap: the per-example errors by decade, the failing example's per-entry errors
- graph, layout: the computational graph, what each node shows and where it goes in the SVG
- snippets, calling, literal: the reproduction snippet, how it calls the student's code, exact values
- rendering: the Jinja2 template (autoescaped) and writing the file

This module gathers their public names, so callers write `report.render(data)` whatever module
holds it.
"""

from __future__ import annotations

from .display import BAND_CLASS, PREVIEW_VALUES, preview, sci
from .graph import (
    BESIDE,
    CHAR_W,
    GRAD_LIMIT,
    GRAPH_ENTRIES,
    GRAPH_FIRST,
    GRAPH_LABEL,
    GRAPH_NODES,
    GRAPH_PER_LINE,
    GRAPH_TITLE,
    LABEL_W,
    LINE_H,
    PAGE_GRAPH_NODES,
    Graph,
)
from .heatmap import HEATMAP_CELLS, HEATMAP_SIDE, HEATMAP_SLICES, PAGE_CELLS, SMALL_CELLS, HeatCell, Heatmap, Slice
from .histogram import HIST_HI, HIST_LO, Bar, Histogram
from .layout import COL_GAP, GRAPH_LEFT_DEPTH, MARGIN, ROW_GAP, GraphNodeView, GraphText
from .rendering import TEMPLATES, VOLATILE, blank_volatile, render, write
from .schema import SCHEMA, ReportError, load
from .snippets import SNIPPET_VALUES, snippet
from .viewmodel import (
    CHECK_LABEL,
    COLUMNS,
    STATUS_ONLY,
    STATUS_RANK,
    UNCHECKED_KINDS,
    Cell,
    Example,
    Implementation,
    Row,
    View,
    view,
)

__all__ = [
    "BAND_CLASS",
    "BESIDE",
    "CHAR_W",
    "CHECK_LABEL",
    "COLUMNS",
    "COL_GAP",
    "GRAD_LIMIT",
    "GRAPH_ENTRIES",
    "GRAPH_FIRST",
    "GRAPH_LABEL",
    "GRAPH_LEFT_DEPTH",
    "GRAPH_NODES",
    "GRAPH_PER_LINE",
    "GRAPH_TITLE",
    "HEATMAP_CELLS",
    "HEATMAP_SIDE",
    "HEATMAP_SLICES",
    "HIST_HI",
    "HIST_LO",
    "LABEL_W",
    "LINE_H",
    "MARGIN",
    "PAGE_CELLS",
    "PAGE_GRAPH_NODES",
    "PREVIEW_VALUES",
    "ROW_GAP",
    "SCHEMA",
    "SMALL_CELLS",
    "SNIPPET_VALUES",
    "STATUS_ONLY",
    "STATUS_RANK",
    "TEMPLATES",
    "UNCHECKED_KINDS",
    "VOLATILE",
    "Bar",
    "Cell",
    "Example",
    "Graph",
    "GraphNodeView",
    "GraphText",
    "HeatCell",
    "Heatmap",
    "Histogram",
    "Implementation",
    "ReportError",
    "Row",
    "Slice",
    "View",
    "blank_volatile",
    "load",
    "preview",
    "render",
    "sci",
    "snippet",
    "view",
    "write",
]
