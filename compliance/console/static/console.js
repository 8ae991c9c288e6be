// Draws the overview charts from the JSON blocks the page carries (no inline script:
// the console's Content-Security-Policy allows scripts from this origin only). Every
// chart has a table beside it with the same figures, so nothing depends on this file.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0b5cad", "#d1495b", "#2e933c", "#edae49", "#6c4fa3", "#00798c",
                 "#8d6a9f", "#c05746", "#3d5a80", "#98c1d9", "#7f7f7f", "#b5838d"];
  Chart.defaults.animation = false;
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var kind = canvas.getAttribute("data-chart");
    var src = data(canvas.getAttribute("data-source"));
    if (!src) { return; }
    var config;
    if (kind === "stacked") {
      config = {
        type: "bar",
        data: {
          labels: src.days,
          datasets: src.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: palette[i % palette.length] };
          })
        },
        options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
      };
    } else if (kind === "line") {
      config = {
        type: "line",
        data: { labels: src.days, datasets: [{ label: "egress withholds", data: src.counts, borderColor: "#a31515" }] },
        options: { responsive: true, scales: { y: { beginAtZero: true } } }
      };
    } else {
      var labels = Object.keys(src);
      config = {
        type: "bar",
        data: {
          labels: labels,
          datasets: [{ label: canvas.getAttribute("aria-label"),
                       data: labels.map(function (k) { return src[k]; }),
                       backgroundColor: labels.map(function (_, i) { return palette[i % palette.length]; }) }]
        },
        options: { responsive: true, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
      };
    }
    canvas.setAttribute("data-drawn", "true");
    new Chart(canvas, config);
  });
}());
