// govshare console: draws the charts whose data the server puts in
// data-chart attributes. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var data;
      try { data = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 16, bottom: 48 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", name: el.getAttribute("data-series") || "", data: data.values || [], itemStyle: { color: "#c0392b" } }]
      });
      el.setAttribute("data-rendered", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-rendered]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  });
})();
