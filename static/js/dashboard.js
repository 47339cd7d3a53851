// The dashboard's charts, drawn by the vendored Chart.js from the page's JSON script element.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];
  const color = (i) => palette[i % palette.length];

  new Chart(document.getElementById("orders-chart"), {
    type: "bar",
    data: {
      labels: data.days,
      datasets: data.series.map((s, i) => ({ label: s.label, data: s.orders, backgroundColor: color(i), stack: "orders" })),
    },
    options: { responsive: true, animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });

  // One y axis per currency: amounts in different currencies are never added up.
  const currencies = [...new Set(data.series.map((s) => s.currency))];
  const scales = { x: {} };
  currencies.forEach((currency, i) => {
    scales["y_" + i] = { position: i % 2 ? "right" : "left", beginAtZero: true, title: { display: true, text: currency }, grid: { drawOnChartArea: i === 0 } };
  });
  new Chart(document.getElementById("gmv-chart"), {
    type: "line",
    data: {
      labels: data.days,
      datasets: data.series.map((s, i) => ({
        label: s.label,
        data: s.gmv.map(Number),
        borderColor: color(i),
        backgroundColor: color(i),
        yAxisID: "y_" + currencies.indexOf(s.currency),
        tension: 0.2,
      })),
    },
    options: { responsive: true, animation: false, scales: scales },
  });
})();
