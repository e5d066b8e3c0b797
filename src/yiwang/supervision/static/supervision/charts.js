// Draws every [data-chart] element with Apache ECharts (vendor/echarts, npm echarts@6) from the
// JSON block named by data-source. Each chart has a table with the same data right after it;
// the canvas itself is an image with a label. Tooltips render inside the canvas (no HTML with
// inline styles: the CSP forbids them). No maps.
(function () {
  "use strict";
  if (!window.echarts) return;
  var nodes = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(nodes, function (el) {
    var src = document.getElementById(el.getAttribute("data-source"));
    if (!src) return;
    var d = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var base = { animation: false, aria: { enabled: true }, tooltip: { renderMode: "richText" } };
    var opt;
    if (el.getAttribute("data-chart") === "bar") {
      opt = Object.assign(base, {
        grid: { left: 160, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", name: "分" },
        yAxis: { type: "category", inverse: true, data: d.labels },
        series: [{ type: "bar", data: d.values, itemStyle: { color: "#1f5fa8" } }],
      });
    } else {
      opt = Object.assign(base, {
        tooltip: { renderMode: "richText", trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", name: "%" },
        series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.values, connectNulls: false }; }),
      });
    }
    chart.setOption(opt);
    if (d.links) {
      chart.on("click", function (p) { if (d.links[p.dataIndex]) window.location.href = d.links[p.dataIndex]; });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
