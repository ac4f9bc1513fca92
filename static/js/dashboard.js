// 数据看板: draws the charts from the JSON the page embeds (json_script "dashboard-charts").
// The tables under each chart hold the same numbers and links, so the page reads fine without this.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    var drawn = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var spec = charts[element.getAttribute("data-chart")];
      if (!spec) { return; }
      var horizontal = spec.kind === "totals";
      var series = spec.series.map(function (s) {
        var item = { name: s.name, type: "bar", data: s.data, cursor: "pointer" };
        if (spec.kind === "stacked") { item.stack = "total"; }
        if (horizontal) { item.label = { show: true, position: "right" }; }
        return item;
      });
      var categoryAxis = { type: "category", data: spec.categories, axisLabel: { fontSize: 14 } };
      var valueAxis = { type: "value", minInterval: 1, axisLabel: { fontSize: 14 } };
      if (horizontal) {
        categoryAxis.inverse = true;
        // One bar per row: the chart grows with the rows instead of drawing a few huge bars.
        element.style.height = Math.max(140, 44 * spec.categories.length + 50) + "px";
      }
      var chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        textStyle: { fontSize: 14 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { show: spec.series.length > 1, type: "scroll", top: 0 },
        grid: { left: 8, right: 48, top: spec.series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
        xAxis: horizontal ? valueAxis : categoryAxis,
        yAxis: horizontal ? categoryAxis : valueAxis,
        series: series
      });
      // One click from a bar to the cases behind it (the same link as the number in the table).
      chart.on("click", function (params) {
        var urls = spec.series[params.seriesIndex] && spec.series[params.seriesIndex].urls;
        if (urls && urls[params.dataIndex]) { window.location.href = urls[params.dataIndex]; }
      });
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
