// The web report's tables: sort by a column, filter rows by text, add up the rows shown.
// No request is made from here (the page's policy refuses any); nothing from the data is run.
"use strict";
(function () {
  function format(minor, table) {
    var digits = Number(table.dataset.digits || "0");
    var negative = minor < 0n;
    var text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
    var whole = digits ? text.slice(0, -digits) : text;
    var fraction = digits ? "." + text.slice(-digits) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var symbol = table.dataset.symbol;
    var amount = symbol ? symbol + whole + fraction : whole + fraction + " " + table.dataset.currency;
    return (negative ? "-" : "") + amount;
  }

  function summarise(table) {
    var rows = table.tBodies[0].querySelectorAll("tr.record");
    var shown = 0, sum = 0n, all = rows.length;
    rows.forEach(function (row) {
      if (row.classList.contains("hidden")) return;
      shown += 1;
      if (row.dataset.minor !== undefined) sum += BigInt(row.dataset.minor);
    });
    var line = table.querySelector("td.shown");
    if (shown === all) { line.textContent = ""; return; }
    line.textContent = table.dataset.counts === "yes"
      ? shown + " of " + all + " records shown"
      : shown + " of " + all + " records shown, summing to " + format(sum, table);
  }

  function filter(table, text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    var groupsShown = {};
    table.tBodies[0].querySelectorAll("tr.record").forEach(function (row) {
      var hay = row.textContent.toLowerCase();
      var group = row.dataset.group ? table.querySelector('tr.group[data-group="' + row.dataset.group + '"]') : null;
      if (group) hay += " " + group.textContent.toLowerCase();
      var match = words.every(function (w) { return hay.indexOf(w) >= 0; });
      row.classList.toggle("hidden", !match);
      if (match && row.dataset.group) groupsShown[row.dataset.group] = true;
    });
    table.tBodies[0].querySelectorAll("tr.group").forEach(function (group) {
      group.classList.toggle("hidden", !groupsShown[group.dataset.group]);
    });
    summarise(table);
  }

  function sortBy(table, header) {
    var index = Array.prototype.indexOf.call(header.parentNode.children, header);
    var numeric = ["money", "number", "rate"].indexOf(header.dataset.kind) >= 0;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    header.parentNode.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.sort || "", y = b.cells[index].dataset.sort || "";
      var order;
      if (numeric) {
        order = (x === "" ? -Infinity : Number(x)) - (y === "" ? -Infinity : Number(y));
        if (isNaN(order)) order = 0;
      } else {
        order = x < y ? -1 : x > y ? 1 : 0;
      }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.querySelectorAll("table.records-table").forEach(function (table) {
    var input = table.previousElementSibling && table.previousElementSibling.querySelector("input.filter");
    if (input) input.addEventListener("input", function () { filter(table, input.value); });
    if (table.classList.contains("sortable")) {
      table.tHead.querySelectorAll("th[data-kind]").forEach(function (header) {
        // The heading's words in a button: a control that the keyboard reaches and that
        // screen readers announce as one, its order said by the heading's aria-sort.
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        while (header.firstChild) button.appendChild(header.firstChild);
        header.appendChild(button);
        header.addEventListener("click", function () { sortBy(table, header); });
      });
    }
  });
  document.body.dataset.ready = "yes";
})();
