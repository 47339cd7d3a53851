// The finance charts, drawn by the vendored Chart.js from the page's JSON script element.
// Money charts get one y axis per currency: amounts in different currencies are never added.
(function () {
  "use strict";
  const source = document.getElementById("finance-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];
  const color = (i) => palette[i % palette.length];

  data.charts.forEach((chart) => {
    const canvas = document.getElementById("finance-chart-" + chart.id);
    if (!canvas) {
      return;
    }
    const scales = { x: {} };
    let axis = () => "y";
    if (chart.unit === "money") {
      const currencies = [...new Set(chart.series.map((s) => s.currency))];
      currencies.forEach((currency, i) => {
        scales["y_" + i] = { position: i % 2 ? "right" : "left", title: { display: true, text: currency }, grid: { drawOnChartArea: i === 0 } };
      });
      axis = (s) => "y_" + currencies.indexOf(s.currency);
    } else {
      scales.y = { beginAtZero: true, title: { display: true, text: "%" } };
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.periods,
        datasets: chart.series.map((s, i) => ({
          label: s.label,
          data: s.values.map((v) => (v === null ? null : Number(v))),
          borderColor: color(i),
          backgroundColor: color(i),
          yAxisID: axis(s),
          spanGaps: true,
          tension: 0.2,
        })),
      },
      options: { responsive: true, animation: false, scales: scales },
    });
  });
})();
