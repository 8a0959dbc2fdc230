// govshare console, data services (数据服务): line charts of usage whose data
// the server puts in data-lines attributes ({labels, series: [{name, values}]}),
// and the copy button of a secret shown once. No inline scripts: the CSP
// forbids them.
(function () {
  "use strict";
  var colors = ["#1d4ed8", "#c0392b", "#15803d", "#b45309", "#7c3aed", "#0f766e"];
  function drawLines(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-lines]").forEach(function (el) {
      var data;
      try { data = JSON.parse(el.getAttribute("data-lines")); } catch (err) { return; }
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 32, bottom: 56 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        dataZoom: [{ type: "inside" }],
        series: (data.series || []).map(function (s, i) {
          return { type: "line", name: s.name || "", data: s.values || [], showSymbol: false, step: false,
            lineStyle: { width: 1.5 }, itemStyle: { color: colors[i % colors.length] } };
        })
      });
      el.setAttribute("data-rendered", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawLines(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawLines(e.target); });

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var target = document.querySelector(btn.getAttribute("data-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () { btn.textContent = btn.getAttribute("data-copied") || btn.textContent; };
    // Select the text too, so Ctrl+C works where the clipboard API is not allowed.
    var range = document.createRange();
    range.selectNodeContents(target);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  });
})();
