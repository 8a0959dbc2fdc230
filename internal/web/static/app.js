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
      var line = el.getAttribute("data-kind") === "line";
      chart.setOption({
        animation: false,
        grid: { left: 56, right: 16, top: 16, bottom: 48 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], axisLabel: line ? { hideOverlap: true } : { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: line ? "line" : "bar", name: el.getAttribute("data-series") || "", data: data.values || [], itemStyle: { color: "#c0392b" }, areaStyle: line ? { opacity: 0.15 } : undefined }]
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

// ---- Resource catalog (资源目录) console: appended by the catalog pages ----
// The entry form's information items (clone the hidden row, remove a row,
// renumber names items.N.field), confirmation of destructive forms
// (data-confirm), and grouped bar charts (data-bars: {labels, series:[{name, values}]}).
(function () {
  "use strict";
  function renumber(body) {
    // An item is its row and the row of its less used fields below it.
    body.querySelectorAll("tr.item-row").forEach(function (row, i) {
      var num = row.querySelector(".item-num");
      if (num) num.textContent = String(i + 1);
      var rows = [row];
      if (row.nextElementSibling && row.nextElementSibling.classList.contains("item-more")) rows.push(row.nextElementSibling);
      rows.forEach(function (r) {
        r.querySelectorAll("[name^='items.']").forEach(function (el) {
          el.name = el.name.replace(/^items\.\d+\./, "items." + i + ".");
        });
      });
    });
  }
  document.addEventListener("click", function (e) {
    var add = e.target.closest("#item-add");
    if (add) {
      var tpl = document.getElementById("item-template");
      var body = document.getElementById("items-body");
      if (!tpl || !body) return;
      var rows = tpl.content.querySelectorAll("tr");
      if (!rows.length) return;
      var copy = null;
      rows.forEach(function (r) {
        var c = r.cloneNode(true);
        if (!copy) copy = c;
        body.appendChild(c);
      });
      renumber(body);
      var first = copy.querySelector("input");
      if (first) first.focus();
      return;
    }
    var remove = e.target.closest(".item-remove");
    if (remove) {
      var tr = remove.closest("tr.item-row");
      var tbody = tr && tr.parentNode;
      if (!tr || !tbody) return;
      var more = tr.nextElementSibling;
      if (more && more.classList.contains("item-more")) more.remove();
      tr.remove();
      renumber(tbody);
      var form = tbody.closest("form");
      if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.getAttribute && form.getAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  }, true);
  var colors = ["#c0392b", "#15803d", "#1d4ed8", "#b45309"];
  function drawBars(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-bars]").forEach(function (el) {
      var data;
      try { data = JSON.parse(el.getAttribute("data-bars")); } catch (err) { return; }
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 32, bottom: 72 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: (data.series || []).map(function (s, i) {
          return { type: "bar", name: s.name || "", data: s.values || [], itemStyle: { color: colors[i % colors.length] } };
        })
      });
      el.setAttribute("data-rendered", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawBars(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawBars(e.target); });
})();

// Line charts of per-minute series, for the exchange's channels and the data
// services' usage (data-lines: {labels, series:[{name, values}]}).
(function () {
  "use strict";
  var colors = ["#1d4ed8", "#15803d", "#c0392b", "#b45309", "#7c3aed", "#0f766e"];
  function drawLines(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-lines]").forEach(function (el) {
      var data;
      try { data = JSON.parse(el.getAttribute("data-lines")); } catch (err) { return; }
      var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 32, bottom: 48 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels || [], boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        dataZoom: [{ type: "inside" }],
        series: (data.series || []).map(function (s, i) {
          return { type: "line", name: s.name || "", data: s.values || [], showSymbol: false,
            lineStyle: { width: 1.5 }, itemStyle: { color: colors[i % colors.length] } };
        })
      });
      el.setAttribute("data-rendered", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawLines(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawLines(e.target); });
})();
