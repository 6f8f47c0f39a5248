// Keyboard navigation of the inbox (j / k / Enter / "/") and saved replies; no inline script (CSP).
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
  var current = -1;

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === current);
      row.setAttribute("aria-selected", i === current ? "true" : "false");
    });
    rows[current].focus();
    rows[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "Enter" && current >= 0 && rows[current]) {
      window.location.assign(rows[current].getAttribute("data-href"));
      event.preventDefault();
    } else if (event.key === "/") {
      var first = document.getElementById("filtre-reseau");
      if (first) { first.focus(); event.preventDefault(); }
    }
  });

  // A saved reply fills the reply box; the agent can still edit it before sending.
  var saved = document.getElementById("reponse-type");
  if (saved) {
    saved.addEventListener("change", function () {
      var target = document.getElementById(saved.getAttribute("data-target"));
      if (target && saved.value) { target.value = saved.value; target.focus(); }
    });
  }
})();
