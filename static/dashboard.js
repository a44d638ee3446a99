/* The dashboard's only script: draws the charts from the fragments' data-* attributes and wires the
 * refresh controls. Loaded after htmx, Chart.js and chartjs-chart-geo (all served from /static). */
(() => {
  "use strict";

  const ATLAS_URL = "/static/vendor/states-10m.json";
  const PALETTE = [
    "#2563eb",
    "#16a34a",
    "#f59e0b",
    "#dc2626",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#475569",
  ];
  const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const compactDollars = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    notation: "compact",
    maximumFractionDigits: 1,
  });

  /** Chart instances by chart name: at most one per name, the old one destroyed first. */
  const charts = new Map();
  /** us-atlas states, once loaded: { states: Feature[], nation: Feature }. */
  let atlas = null;
  let atlasLoading = null;

  Chart.register(
    ChartGeo.ChoroplethController,
    ChartGeo.GeoFeature,
    ChartGeo.ColorScale,
    ChartGeo.ProjectionScale,
  );
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;

  function readJson(el, key, fallback) {
    try {
      const text = el.dataset[key];
      return text ? JSON.parse(text) : fallback;
    } catch {
      return fallback;
    }
  }

  function loadAtlas() {
    atlasLoading ??= fetch(ATLAS_URL, { credentials: "same-origin" })
      .then((res) => {
        if (!res.ok) throw new Error(`${ATLAS_URL} answered ${res.status}`);
        return res.json();
      })
      .then((us) => {
        atlas = {
          states: ChartGeo.topojson.feature(us, us.objects.states).features,
          nation: ChartGeo.topojson.feature(us, us.objects.nation).features[0],
        };
        return atlas;
      })
      .catch((error) => {
        atlasLoading = null; // try again on the next refresh
        throw error;
      });
    return atlasLoading;
  }

  /** The list under a doughnut that holds its legend (created once per figure). */
  function legendList(canvas) {
    const figure = canvas.closest("figure") ?? canvas.parentElement;
    let list = figure.querySelector("ul.chart-legend");
    if (!list) {
      list = document.createElement("ul");
      list.className = "chart-legend";
      list.dataset.legendFor = canvas.dataset.chart;
      figure.append(list);
    }
    return list;
  }

  /**
   * A doughnut's legend as an HTML list under the chart, so long names ("Diners Club / Carte
   * Blanche") wrap instead of being cut at the canvas edge; a click hides or shows the slice.
   */
  const htmlLegend = {
    id: "htmlLegend",
    afterUpdate(chart) {
      const items = chart.options.plugins.legend.labels.generateLabels(chart);
      legendList(chart.canvas).replaceChildren(...items.map((item) => {
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = item.fillStyle;
        const label = document.createElement("span");
        label.className = "legend-label";
        label.textContent = item.text;
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("aria-pressed", String(!item.hidden));
        button.append(swatch, label);
        button.addEventListener("click", () => {
          chart.toggleDataVisibility(item.index);
          chart.update();
        });
        const li = document.createElement("li");
        li.append(button);
        return li;
      }));
    },
  };

  const money = (v) => dollars.format(v);
  const tooltipMoney = (ctx) =>
    ` ${ctx.label || ctx.dataset.label}: ${money(ctx.raw?.value ?? ctx.raw)}`;

  /** Chart.js configuration for a canvas, from its data-* attributes. */
  function configFor(canvas, animate) {
    const kind = canvas.dataset.kind;
    const labels = readJson(canvas, "labels", []);
    const series = readJson(canvas, "series", []);
    const numbers = (i) => (series[i]?.values ?? []).map(Number);
    const base = { animation: animate ? undefined : false, responsive: true };
    const name = canvas.dataset.chart;
    const isMoney = series[0]?.unit !== "count";
    // Categories and card companies keep one colour everywhere (given by the server by name).
    const colors = readJson(canvas, "colors", null);

    if (kind === "doughnut") {
      return {
        type: "doughnut",
        data: {
          labels,
          datasets: [{
            label: series[0]?.label,
            data: numbers(0),
            backgroundColor: colors ?? PALETTE,
          }],
        },
        options: {
          ...base,
          plugins: {
            legend: { display: false },
            tooltip: isMoney ? { callbacks: { label: tooltipMoney } } : {},
          },
        },
        plugins: [htmlLegend],
      };
    }
    if (kind === "bar") {
      const horizontal = name === "top-cities";
      return {
        type: "bar",
        data: {
          labels,
          datasets: [{
            label: series[0]?.label,
            data: numbers(0),
            backgroundColor: colors ?? (horizontal ? PALETTE[0] : PALETTE[1]),
          }],
        },
        options: {
          ...base,
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipMoney } } },
          scales: {
            // From zero: rows of zero profit draw $0..$1, never -$1..$1.
            [horizontal ? "x" : "y"]: {
              beginAtZero: true,
              ticks: { callback: (v) => compactDollars.format(v) },
            },
          },
        },
      };
    }
    if (kind === "line") {
      return {
        type: "line",
        data: {
          labels,
          datasets: [
            {
              label: series[0]?.label,
              data: numbers(0),
              borderColor: PALETTE[0],
              backgroundColor: PALETTE[0],
              yAxisID: "y",
              tension: 0.25,
              pointRadius: 0,
            },
            {
              label: series[1]?.label,
              data: numbers(1),
              borderColor: PALETTE[2],
              backgroundColor: PALETTE[2],
              yAxisID: "y1",
              tension: 0.25,
              pointRadius: 0,
            },
          ],
        },
        options: {
          ...base,
          interaction: { mode: "index", intersect: false },
          scales: {
            x: { ticks: { maxTicksLimit: 7 } },
            y: {
              beginAtZero: true,
              title: { display: true, text: "Sales" },
              ticks: { precision: 0 },
            },
            y1: {
              beginAtZero: true,
              position: "right",
              grid: { drawOnChartArea: false },
              title: { display: true, text: "Revenue" },
              ticks: { callback: (v) => compactDollars.format(v) },
            },
          },
        },
      };
    }
    if (kind === "choropleth") {
      const ids = readJson(canvas, "ids", []);
      const values = new Map(ids.map((id, i) => [id, Number(series[0]?.values?.[i] ?? 0)]));
      const features = atlas.states.filter((f) => values.has(String(f.id)));
      return {
        type: "choropleth",
        data: {
          labels: features.map((f) => f.properties.name),
          datasets: [{
            label: series[0]?.label,
            outline: atlas.nation,
            data: features.map((f) => ({ feature: f, value: values.get(String(f.id)) })),
          }],
        },
        options: {
          ...base,
          showOutline: true,
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipMoney } } },
          scales: {
            projection: { axis: "x", projection: "albersUsa" },
            // The scale's legend is an HTML bar under the map, never drawn over a state.
            color: {
              axis: "x",
              interpolate: "blues",
              missing: "#eef2f7",
              display: false,
            },
          },
        },
      };
    }
    return null;
  }

  /** Draws a canvas's chart, replacing the chart of the same name that the swap removed. */
  function draw(canvas) {
    const name = canvas.dataset.chart;
    const old = charts.get(name);
    if (old && old.canvas === canvas) return;
    // No data: the page says so in the chart's place (the old chart goes with its canvas).
    if (canvas.dataset.empty) return;
    if (canvas.dataset.kind === "choropleth" && !atlas) {
      loadAtlas().then(
        () => canvas.isConnected && draw(canvas),
        (error) => console.warn(error.message),
      );
      return;
    }
    const config = configFor(canvas, !old);
    if (!config) return;
    drillDown(canvas, config);
    if (old) old.destroy();
    charts.set(name, new Chart(canvas, config));
  }

  /**
   * Drill-down: a click on a slice, bar or state opens the page filtered to it (the link the
   * server gave for that label in data-links; the same links stand in <noscript> without JS).
   */
  function drillDown(canvas, config) {
    const links = readJson(canvas, "links", null);
    if (!links) return;
    const ids = readJson(canvas, "ids", null);
    const linkAt = (index) => {
      if (!ids) return links[index];
      const id = String(config.data.datasets[0].data[index]?.feature?.id ?? "");
      return links[ids.indexOf(id)];
    };
    config.options.onClick = (_event, elements) => {
      const href = elements.length ? linkAt(elements[0].index) : undefined;
      if (href) location.assign(href);
    };
    config.options.onHover = (event, elements) => {
      event.native.target.style.cursor = elements.length ? "pointer" : "default";
    };
  }

  htmx.onLoad((root) => {
    const canvases = root.matches?.("canvas[data-chart]")
      ? [root]
      : root.querySelectorAll("canvas[data-chart]");
    canvases.forEach(draw);
    // Charts whose canvas left the page without a replacement (a fragment without it).
    for (const [name, chart] of charts) {
      if (!chart.canvas.isConnected) {
        chart.destroy();
        charts.delete(name);
      }
    }
  });

  /**
   * Controls: the interval lives in the URL; changing it, or "Apply" without a new range, fires
   * refresh-now. A new range or new dates are a new page (chips, labels and every panel change):
   * the form's own GET, as without JavaScript.
   */
  const form = document.getElementById("controls");
  const range = document.getElementById("range");
  const dates = ["from", "to"].map((id) => document.getElementById(id)).filter(Boolean);
  /** The URL the form would open, without empty fields (and without dates unless custom). */
  const formUrl = () => {
    const url = new URL(form.action, location.href);
    for (const [name, value] of new FormData(form)) {
      if (value === "") continue;
      if ((name === "from" || name === "to") && range?.value !== "custom") continue;
      url.searchParams.append(name, String(value));
    }
    return url;
  };
  /** A URL's range as one text: the preset, or "custom" with its dates. */
  const rangeKey = (params) => {
    const dated = params.has("from") || params.has("to");
    const value = params.get("range") ?? (dated ? "custom" : "all");
    return value === "custom"
      ? `custom|${params.get("from") ?? ""}|${params.get("to") ?? ""}`
      : value;
  };
  /** Whether the form asks for another range than the page shows. */
  const rangeChanged = () =>
    range !== null &&
    rangeKey(formUrl().searchParams) !== rangeKey(new URL(location.href).searchParams);
  range?.addEventListener("change", () => {
    if (range.value === "custom") {
      dates[0]?.focus();
      return;
    }
    location.assign(formUrl().toString());
  });
  dates.forEach((input) =>
    input.addEventListener("change", () => {
      if (range) range.value = "custom";
    })
  );
  const select = document.getElementById("refresh");
  const refreshNow = () => htmx.trigger(document.body, "refresh-now");
  select?.addEventListener("change", () => {
    const url = new URL(location.href);
    url.searchParams.set("refresh", select.value);
    history.replaceState(history.state, "", url);
    // The links to the other pages carry the interval too.
    document.querySelectorAll("a[data-keep-refresh]").forEach((link) => {
      const target = new URL(link.href);
      target.searchParams.set("refresh", select.value);
      link.href = target.pathname + target.search;
    });
    refreshNow();
  });
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    if (rangeChanged()) location.assign(formUrl().toString());
    else refreshNow();
  });

  /** A note when the dashboard server itself stops answering (the database banner is server-side). */
  const offline = document.getElementById("server-offline");
  document.body.addEventListener("htmx:sendError", () => offline?.removeAttribute("hidden"));
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) offline?.setAttribute("hidden", "");
  });
})();
