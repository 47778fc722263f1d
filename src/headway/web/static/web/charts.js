/* Headway charts: draws every <canvas data-chart="ID"> from the JSON in <script id="ID">
   (written by Django's json_script). The JSON holds {"series": [...]}, each series
   {label, style: line|dashed|step|band, colour, fill, points: [{x: "YYYY-MM-DD", y}]}.
   The canvas carries an aria-label and the page a table of the same values. */
(function () {
  "use strict";

  var COLOURS = {
    blue: "rgb(13, 110, 253)",
    grey: "rgb(108, 117, 125)",
    dark: "rgb(33, 37, 41)",
    purple: "rgb(111, 66, 193)",
    red: "rgba(220, 53, 69, 0.18)",
    amber: "rgba(255, 193, 7, 0.22)",
    green: "rgba(25, 135, 84, 0.18)"
  };

  function day(iso) {
    return Date.parse(iso + "T00:00:00Z");
  }

  function dataset(series) {
    var colour = COLOURS[series.colour] || COLOURS.blue;
    var band = series.style === "band";
    return {
      label: series.label,
      data: series.points.map(function (p) { return { x: day(p.x), y: p.y }; }),
      borderColor: band ? "transparent" : colour,
      backgroundColor: colour,
      borderWidth: band ? 0 : 2,
      borderDash: series.style === "dashed" ? [6, 4] : [],
      stepped: series.style === "step" || band ? "after" : false,
      pointRadius: series.style === "line" ? 3 : 0,
      fill: series.fill || false,
      order: band ? 10 : 1
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: { datasets: spec.series.map(dataset) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear",
            ticks: {
              maxTicksLimit: 6,
              callback: function (value) { return new Date(value).toISOString().slice(0, 10); }
            }
          },
          y: { title: { display: !!spec.unit, text: spec.unit || "" } }
        },
        plugins: {
          legend: { labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? new Date(items[0].parsed.x).toISOString().slice(0, 10) : "";
              }
            }
          }
        }
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
