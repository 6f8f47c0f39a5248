// Drag a publication to another day of the calendar: POST the new date with htmx, then the grid reloads.
(function () {
  "use strict";
  let dragged = null;
  document.addEventListener("dragstart", function (event) {
    const entry = event.target.closest("[data-move]");
    if (!entry) return;
    dragged = entry;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.dataset.move);
  });
  document.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest("td[data-date]")) event.preventDefault();
  });
  document.addEventListener("drop", function (event) {
    const cell = event.target.closest("td[data-date]");
    if (!dragged || !cell) return;
    event.preventDefault();
    const url = dragged.dataset.move;
    dragged = null;
    // The answer's HX-Trigger header (calendar-changed) makes the grid reload itself.
    window.htmx.ajax("POST", url, { values: { date: cell.dataset.date }, swap: "none" });
  });
})();
