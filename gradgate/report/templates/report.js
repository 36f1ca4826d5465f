(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var table = document.getElementById("matrix");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, i) { row.setAttribute("data-order", String(i)); });
  var controls = document.getElementById("matrix-controls");
  var filter = document.getElementById("matrix-filter");
  var status = document.getElementById("matrix-status");
  var shown = document.getElementById("matrix-shown");
  controls.hidden = false;

  function value(row, col, kind) {
    var v = row.cells[col].getAttribute("data-v") || "";
    return kind === "text" ? v.toLowerCase() : parseFloat(v);
  }

  function sortBy(th) {
    var col = th.cellIndex;
    var kind = th.getAttribute("data-kind");
    var current = th.getAttribute("aria-sort");
    var first = kind === "text" ? "ascending" : "descending";
    var dir = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var sign = dir === "ascending" ? 1 : -1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sorted = Array.prototype.slice.call(body.rows);
    sorted.sort(function (a, b) {
      var x = value(a, col, kind), y = value(b, col, kind);
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      return parseInt(a.getAttribute("data-order"), 10) - parseInt(b.getAttribute("data-order"), 10);
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector("button");
    if (button) { button.addEventListener("click", function () { sortBy(th); }); }
  });

  function applyFilter() {
    var text = filter.value.trim().toLowerCase();
    var want = status.value;
    var count = 0;
    rows.forEach(function (row) {
      var name = (row.getAttribute("data-name") || "").toLowerCase();
      var ok = (!text || name.indexOf(text) !== -1) && (want === "all" || row.getAttribute("data-status") === want ||
               (want === "failing" && row.getAttribute("data-status") !== "pass"));
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  filter.addEventListener("input", applyFilter);
  status.addEventListener("change", applyFilter);
  applyFilter();
}());
