// Renders the Vega-Lite specs that the page carries as JSON (json_script), with vega-embed served
// from our own static files. The CSP forbids eval: Vega's expression interpreter (ast mode) instead.
(function () {
  "use strict";
  var formatLocale = {
    decimal: ",", thousands: "\u202f", grouping: [3], currency: ["", "\u00a0€"], percent: "\u202f%"
  };
  var timeFormatLocale = {
    dateTime: "%A %e %B %Y à %X", date: "%d/%m/%Y", time: "%H:%M:%S",
    periods: ["AM", "PM"],
    days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"],
    shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                  "sept.", "oct.", "nov.", "déc."]
  };
  var source = document.getElementById("analytics-specs");
  if (!source || typeof vegaEmbed === "undefined") { return; }
  var specs = JSON.parse(source.textContent);
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var spec = specs[element.getAttribute("data-chart")];
    if (!spec) { return; }
    vegaEmbed(element, spec, {
      actions: false,
      ast: true,
      formatLocale: formatLocale,
      timeFormatLocale: timeFormatLocale,
      renderer: "svg"
    }).catch(function (error) {
      element.textContent = "Graphique indisponible : " + error;
    });
  });
})();
