// The page of `airace serve`: a dashboard of levers and charts, and a wargame for teams and a
// facilitator. It speaks only the JSON API under /api (the contract: routes, shapes, errors),
// draws with Chart.js 3.9 (global `Chart`, served at /chart.js) and loads nothing else.
"use strict";

(function () {
  const DEBOUNCE_MS = 250;     // a slider dragged across its range sends one run, not dozens
  const POLL_MS = 2000;        // how often a game page asks for the state
  const MAX_RETRY_S = 10;      // the longest wait after a 503 before trying again
  const CODE_KEY = "airace-code";  // sessionStorage: each tab can be a different team

  // Colours never carry meaning alone: the run is solid, the baseline dashed, US releases
  // solid and Chinese releases dotted, and every line has a label.
  const COLOR = {
    run: "#1a5fb4",
    runBand: "rgba(26, 95, 180, 0.22)",
    baseline: "#444444",
    baselineBand: "rgba(90, 90, 90, 0.12)",
    US: "#1a5fb4",
    CN: "#b5261e",
    other: "#555555",
    turn: "#6b4c9a",
  };

  const state = {
    info: null,
    code: sessionStorage.getItem(CODE_KEY) || "",
    lastRun: null,
    runCount: 0,
    charts: {},       // dashboard: indicator id -> Chart
    gameCharts: {},   // wargame world view: indicator id -> Chart
    game: null,       // the last game state applied
    dirty: {},        // team levers moved since the last submit or turn: id -> value
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(message, status, retryAfterS) {
      super(message);
      this.status = status;
      this.retryAfterS = retryAfterS;
    }
  }

  async function api(method, path, body, withCode) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (withCode && state.code) headers["X-Airace-Code"] = state.code;
    let res;
    try {
      res = await fetch(path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError("The server does not answer. Is `airace serve` still running?", 0, 0);
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const message = data && typeof data.error === "string"
        ? data.error : "The server answered " + res.status + ".";
      throw new ApiError(message, res.status, Number(res.headers.get("Retry-After")) || 0);
    }
    return data;
  }

  function dashboardNeedsCode() {
    return Boolean(state.info && state.info.codes_required);
  }

  // A download that needs the code header: fetch it, then hand the browser a Blob.
  async function downloadWithCode(path, fallbackName) {
    const res = await fetch(path, { headers: { "X-Airace-Code": state.code }, cache: "no-store" });
    if (!res.ok) {
      let message = "The download failed (" + res.status + ").";
      try { message = (await res.json()).error || message; } catch (e) { /* not JSON */ }
      throw new ApiError(message, res.status, 0);
    }
    const blob = await res.blob();
    const disposition = res.headers.get("Content-Disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(disposition);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = match ? match[1] : fallbackName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // ---------------------------------------------------------------- formatting

  function decimalsOf(step) {
    const s = String(step);
    const dot = s.indexOf(".");
    return dot < 0 ? 0 : Math.min(s.length - dot - 1, 6);
  }

  function formatLever(lever, value) {
    if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
    if (lever.options) {  // an option lever: its value is the index of the chosen option
      const o = lever.options[Number(value)];
      return o ? o.label : "–";
    }
    const unit = lever.unit || "";
    if (unit === "share" || unit === "fraction") {
      const d = Math.max(decimalsOf(lever.step) - 2, 0);
      return (value * 100).toFixed(d) + "%";
    }
    if (Math.abs(value) >= 1e6) return compact.format(value) + (unit ? " " + unit : "");
    const text = Number(value).toLocaleString("en", {
      minimumFractionDigits: decimalsOf(lever.step),
      maximumFractionDigits: decimalsOf(lever.step),
    });
    return unit ? text + " " + unit : text;
  }

  const compact = new Intl.NumberFormat("en", { notation: "compact", maximumSignificantDigits: 3 });
  function formatAxis(value) {
    const a = Math.abs(value);
    if (a !== 0 && (a >= 10000 || a < 0.01)) return compact.format(value);
    return Number(value.toPrecision(3)).toString();
  }

  function logTick(v) {
    if (!(v > 0)) return false;
    const lead = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].some((k) => Math.abs(lead - k) < 1e-6);
  }

  // Equal within a thousandth of a step: 0.7 and 0.05 * 14 are the same slider position.
  function sameValue(a, b, lever) {
    const step = lever && lever.step ? lever.step : 1e-9;
    return Math.abs(a - b) < step / 1000;
  }

  function leverById(id) {
    const all = state.info ? state.info.levers : [];
    return all.find((l) => l.id === id) || null;
  }

  function teamName(id) {
    const teams = state.info ? state.info.teams : [];
    const t = teams.find((x) => x.id === id);
    return t ? t.name : id;
  }

  // ---------------------------------------------------------------- charts

  // The first index whose date is on or after `date` (ISO dates compare as strings).
  function indexAtOrAfter(dates, date) {
    let lo = 0, hi = dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dates[mid] < date) lo = mid + 1; else hi = mid;
    }
    return lo < dates.length ? lo : -1;
  }

  // Vertical lines with labels at dates (releases, the first turn). Chart.js's annotation
  // plugin is not in Debian, so this small one draws them after the datasets.
  const markerPlugin = {
    id: "airaceMarkers",
    afterDatasetsDraw(chart, args, options) {
      const marks = (options && options.marks) || [];
      const labels = chart.data.labels || [];
      if (!labels.length) return;
      const x = chart.scales.x;
      const area = chart.chartArea;
      const ctx = chart.ctx;
      // The wargame's history before its first turn, faded: the turns are what to look at.
      if (options && options.fadeBefore) {
        const i = indexAtOrAfter(labels, options.fadeBefore);
        const px = i < 0 ? area.right : Math.min(Math.max(x.getPixelForValue(i), area.left), area.right);
        if (px > area.left) {
          ctx.save();
          ctx.fillStyle = "rgba(255, 255, 255, 0.6)";
          ctx.fillRect(area.left, area.top, px - area.left, area.bottom - area.top);
          ctx.fillStyle = COLOR.other;
          ctx.font = "600 13px system-ui, sans-serif";
          ctx.textBaseline = "top";
          if (px - area.left > 90) ctx.fillText("before the game", area.left + 4, area.top + 4);
          ctx.restore();
        }
      }
      if (!marks.length) return;
      const placed = [];  // labels drawn so far, so close ones do not overlap
      // Many releases: lines only (names would hide the data; the tooltip and digest name them).
      const crowded = marks.filter((m) => !m.atBottom).length > 6;
      ctx.save();
      ctx.font = "600 13px system-ui, sans-serif";
      for (const m of marks) {
        const i = indexAtOrAfter(labels, m.date);
        if (i < 0) continue;
        const px = x.getPixelForValue(i);
        if (px < area.left || px > area.right) continue;
        ctx.strokeStyle = m.color;
        ctx.globalAlpha = 0.55;  // the data stays readable through a dense run of releases
        ctx.lineWidth = 1.2;
        ctx.setLineDash(m.dash || []);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = m.color;
        ctx.textBaseline = "bottom";
        const length = ctx.measureText(m.label).width;
        ctx.globalAlpha = 1;
        // A label only where it has room: releases close together keep their lines, and the
        // first of them is named (every release is in the digest and the downloads).
        if (!m.atBottom && (crowded || placed.some((p) => Math.abs(p.px - px) < 17))) continue;
        const top = m.atBottom ? area.bottom - 4 - length : area.top + 4;
        if (!m.atBottom) placed.push({ px: px });
        ctx.save();
        ctx.translate(px - 3, top);
        ctx.rotate(Math.PI / 2);
        ctx.fillText(m.label, 0, 0);
        ctx.restore();
      }
      ctx.restore();
    },
  };

  function releaseLabel(r) {
    return r.lab + " (" + r.country + (r.open ? ", open" : ", closed") + ")";
  }

  // A line for each frontier release (one that moved the world's best model well beyond the
  // last line, as the server marks it); the other flagship releases are named in the tooltip
  // of the date they fall in.
  function releaseMarks(releases) {
    return (releases || []).filter((r) => r.frontier !== false).map((r) => ({
      date: r.date,
      label: releaseLabel(r),
      color: COLOR[r.country] || COLOR.other,
      dash: r.country === "US" ? [] : [2, 3],
    }));
  }

  // The releases between the previous date of the chart and this one, as tooltip lines.
  function releasesAt(chart, i) {
    const labels = chart.data.labels || [];
    const all = chart.options.plugins.airaceMarkers.releases || [];
    return all.filter((r) => r.date <= labels[i] && (i === 0 || r.date > labels[i - 1]))
      .map((r) => (r.frontier ? "Frontier release: " : "Release: ") + releaseLabel(r));
  }

  function band(label, color, data, fillToNext) {
    return {
      label: label,
      data: data,
      borderWidth: 0,
      pointRadius: 0,
      backgroundColor: color,
      borderColor: color,
      fill: fillToNext ? "+1" : false,
      airaceBand: true,
    };
  }

  function line(label, color, data, dashed) {
    return {
      label: label,
      data: data,
      borderColor: color,
      backgroundColor: color,
      borderWidth: dashed ? 2.5 : 3,
      borderDash: dashed ? [8, 6] : [],
      pointRadius: 0,
      fill: false,
    };
  }

  function emptySeries() {
    return { median: [], p5: [], p95: [] };
  }

  function makeChart(container, indicator, withBaseline) {
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.dataset.chart = indicator.id;
    const caption = document.createElement("figcaption");
    caption.textContent = indicator.label + (indicator.unit ? " (" + indicator.unit + ")" : "");
    const holder = document.createElement("div");
    holder.className = "canvas-holder";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Chart: " + caption.textContent);
    holder.appendChild(canvas);
    figure.appendChild(caption);
    figure.appendChild(holder);
    container.appendChild(figure);

    const datasets = [];
    if (withBaseline) {
      datasets.push(band("Baseline 95th percentile", COLOR.baselineBand, [], true));
      datasets.push(band("Baseline 5th percentile", COLOR.baselineBand, [], false));
      datasets.push(line("Baseline (median, dashed)", COLOR.baseline, [], true));
    }
    datasets.push(band("95th percentile", COLOR.runBand, [], true));
    datasets.push(band("5th percentile", COLOR.runBand, [], false));
    datasets.push(line(withBaseline ? "This run (median)" : "Median", COLOR.run, [], false));

    return new Chart(canvas, {
      type: "line",
      data: { labels: [], datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: {
            ticks: {
              autoSkip: false,
              maxRotation: 0,
              font: { size: 14 },
              // One label per year, at its first date.
              callback(value, i) {
                const labels = this.chart.data.labels;
                const d = labels[value];
                if (d === undefined) return null;
                if (value > 0 && labels[value - 1].slice(0, 4) === d.slice(0, 4)) return null;
                return d.slice(0, 4);
              },
            },
            grid: { color: "rgba(0,0,0,0.06)" },
          },
          // Market values span orders of magnitude across replicates: a log scale, labelled
          // at 1, 2 and 5 times powers of ten.
          y: indicator.log ? {
            type: "logarithmic",
            ticks: { font: { size: 14 }, callback: (v) => (logTick(v) ? formatAxis(v) : "") },
            grid: { color: "rgba(0,0,0,0.08)" },
          } : {
            ticks: { font: { size: 14 }, callback: (v) => formatAxis(v) },
            grid: { color: "rgba(0,0,0,0.08)" },
          },
        },
        plugins: {
          legend: { display: false },  // the page's legend above the charts says it in words
          tooltip: {
            filter: (item) => !item.dataset.airaceBand,
            callbacks: {
              label: (item) => item.dataset.label + ": " +
                (item.raw === null ? "–" : formatAxis(item.raw)),
              footer: (items) => (items.length ? releasesAt(items[0].chart, items[0].dataIndex) : []),
            },
          },
          airaceMarkers: { marks: [], releases: [], fadeBefore: null },
        },
      },
      plugins: [markerPlugin],
    });
  }

  function setChartData(chart, dates, series, baseline, marks, releases) {
    const s = series || emptySeries();
    const d = chart.data.datasets;
    let k = 0;
    if (d.length === 6) {
      const b = baseline || emptySeries();
      d[0].data = b.p95; d[1].data = b.p5; d[2].data = b.median;
      k = 3;
    }
    d[k].data = s.p95; d[k + 1].data = s.p5; d[k + 2].data = s.median;
    chart.data.labels = dates;
    chart.options.plugins.airaceMarkers.marks = marks;
    chart.options.plugins.airaceMarkers.releases = releases || [];
    chart.update("none");
  }

  function chartSnapshot(chart) {
    return {
      labels: chart.data.labels.slice(),
      datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data.slice() })),
    };
  }

  // ---------------------------------------------------------------- sliders

  // One labelled range input per lever; `prefix` keeps the dashboard's and the game's ids apart.
  function makeSlider(lever, prefix, value, onInput) {
    const id = prefix + lever.id;
    const row = document.createElement("div");
    row.className = "lever";
    row.dataset.leverRow = lever.id;

    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = lever.label;

    const output = document.createElement("output");
    output.id = id + "-value";
    output.htmlFor = id;
    output.dataset.leverValue = lever.id;

    // A choice (a release policy, an export rule's threshold) is a select of its options, whose
    // values are the options' indices; a number is a range input.
    const input = document.createElement(lever.options ? "select" : "input");
    if (lever.options) {
      for (const o of lever.options) {
        const opt = document.createElement("option");
        opt.value = String(o.index);
        opt.textContent = o.label;
        opt.title = o.value;
        input.appendChild(opt);
      }
    } else {
      input.type = "range";
      input.min = lever.min;
      input.max = lever.max;
      input.step = lever.step;
    }
    input.id = id;
    input.value = value;
    input.dataset.lever = lever.id;
    input.setAttribute("aria-describedby", id + "-explain " + id + "-note");

    const explain = document.createElement("p");
    explain.className = "explain";
    explain.id = id + "-explain";
    explain.textContent = lever.explain || "";

    const note = document.createElement("p");
    note.className = "note";
    note.id = id + "-note";

    const show = () => {
      output.textContent = formatLever(lever, Number(input.value));
      input.setAttribute("aria-valuetext", output.textContent);
    };
    show();
    input.addEventListener("input", () => { show(); onInput(lever, Number(input.value)); });

    const head = document.createElement("div");
    head.className = "lever-head";
    head.appendChild(label);
    head.appendChild(output);
    row.appendChild(head);
    row.appendChild(input);
    row.appendChild(note);
    row.appendChild(explain);
    return { row: row, input: input, note: note, show: show };
  }

  function groupByTeam(levers) {
    const groups = [];
    const teams = state.info ? state.info.teams : [];
    for (const t of teams) {
      const ls = levers.filter((l) => l.team === t.id);
      if (ls.length) groups.push({ team: t, levers: ls });
    }
    const rest = levers.filter((l) => !teams.some((t) => t.id === l.team));
    if (rest.length) groups.push({ team: { id: "", name: "Other levers" }, levers: rest });
    return groups;
  }

  // ---------------------------------------------------------------- the dashboard

  const dash = {
    sliders: {},      // lever id -> {input, note, show}
    seq: 0,           // the number of the latest request; answers to older ones are dropped
    queued: null,     // the latest request not yet sent
    inFlight: false,
    timer: 0,
    retryTimer: 0,
  };

  function setStatus(text, kind) {
    const s = $("status");
    s.textContent = text;
    s.dataset.state = kind;
    s.classList.toggle("error", kind === "error");
  }

  function dashboardLevers() {
    const out = {};
    for (const id of Object.keys(dash.sliders)) out[id] = Number(dash.sliders[id].input.value);
    return out;
  }

  function updateBaselineNotes() {
    for (const l of state.info.levers) {
      const s = dash.sliders[l.id];
      const v = Number(s.input.value);
      const same = sameValue(v, l.value, l);
      s.note.textContent = same ? "Baseline" : "Baseline: " + formatLever(l, l.value);
      s.note.dataset.changed = same ? "false" : "true";
    }
  }

  function scheduleRun() {
    clearTimeout(dash.timer);
    clearTimeout(dash.retryTimer);
    updateBaselineNotes();
    setStatus("Waiting for the slider to settle…", "waiting");
    dash.timer = setTimeout(requestRun, DEBOUNCE_MS);
  }

  function requestRun() {
    dash.seq += 1;
    dash.queued = { seq: dash.seq, levers: dashboardLevers() };
    pumpRuns();
  }

  // One run in flight at a time; while it runs, only the latest request waits behind it.
  async function pumpRuns() {
    if (dash.inFlight || !dash.queued) return;
    const job = dash.queued;
    dash.queued = null;
    dash.inFlight = true;
    setStatus("Running " + state.info.replicates + " replicates…", "running");
    const t0 = performance.now();
    try {
      const run = await api("POST", "/api/run", { levers: job.levers }, dashboardNeedsCode());
      if (job.seq === dash.seq) showRun(run, Math.round(performance.now() - t0));
    } catch (e) {
      if (job.seq === dash.seq) {
        if (e.status === 503) {
          const wait = Math.min(Math.max(e.retryAfterS, 1), MAX_RETRY_S);
          setStatus("The server is busy with other runs. Trying again in " + wait + " s…", "busy");
          dash.retryTimer = setTimeout(() => {
            if (job.seq === dash.seq && !dash.queued) { dash.queued = job; pumpRuns(); }
          }, wait * 1000);
        } else {
          setStatus("Error: " + e.message, "error");
          if (e.status === 403 && dashboardNeedsCode()) $("dashboard-code-form").hidden = false;
        }
      }
    } finally {
      dash.inFlight = false;
      pumpRuns();
    }
  }

  function showRun(run, roundTripMs) {
    state.lastRun = run;
    state.runCount += 1;
    const marks = releaseMarks(run.releases);
    marks.push({ date: state.info.game.first_turn, label: "levers act from here", color: COLOR.turn,
                 dash: [4, 4], atBottom: true });
    for (const ind of state.info.indicators) {
      const chart = state.charts[ind.id];
      if (!chart) continue;
      setChartData(chart, run.dates, run.series[ind.id], run.baseline[ind.id], marks, run.releases);
    }
    for (const m of state.info.markets || []) {
      const chart = state.charts[m.id];
      if (!chart || !run.markets) continue;
      const base = run.baseline_markets ? run.baseline_markets.series[m.id] : null;
      setChartData(chart, run.markets.dates, run.markets.series[m.id], base, marks, run.releases);
    }
    for (const [kind, link] of [["yaml", $("download-yaml")], ["h5", $("download-h5")]]) {
      link.href = run.downloads[kind];
      link.removeAttribute("aria-disabled");
    }
    const how = run.cached ? " (from the cache)" : "";
    setStatus("Updated in " + roundTripMs + " ms" + how + ".", "done");
    $("status").dataset.run = run.run;
  }

  function buildDashboard() {
    const info = state.info;
    const levers = $("levers");
    levers.textContent = "";
    for (const g of groupByTeam(info.levers)) {
      const fs = document.createElement("fieldset");
      fs.dataset.team = g.team.id;
      const legend = document.createElement("legend");
      legend.textContent = g.team.name;
      fs.appendChild(legend);
      for (const l of g.levers) {
        const s = makeSlider(l, "lever-", l.value, scheduleRun);
        dash.sliders[l.id] = s;
        fs.appendChild(s.row);
      }
      levers.appendChild(fs);
    }
    updateBaselineNotes();
    const charts = $("charts");
    charts.textContent = "";
    for (const ind of info.indicators) state.charts[ind.id] = makeChart(charts, ind, true);
    // Markets: the US index, Nvidia, and the AI build-out's firms against platforms and clouds.
    const markets = $("market-charts");
    markets.textContent = "";
    $("markets").hidden = !(info.markets && info.markets.length);
    for (const m of info.markets || []) {
      state.charts[m.id] = makeChart(markets, Object.assign({ log: true }, m), true);
    }

    $("reset-levers").addEventListener("click", () => {
      for (const l of info.levers) {
        dash.sliders[l.id].input.value = l.value;
        dash.sliders[l.id].show();
      }
      scheduleRun();
    });
    for (const link of [$("download-yaml"), $("download-h5")]) {
      link.addEventListener("click", (ev) => {
        if (link.hasAttribute("aria-disabled")) { ev.preventDefault(); return; }
        if (!dashboardNeedsCode()) return;  // a plain link does
        ev.preventDefault();
        downloadWithCode(link.getAttribute("href"), link.id === "download-h5" ? "result.h5" : "scenario.yaml")
          .catch((e) => setStatus("Error: " + e.message, "error"));
      });
    }
    startDashboard();
  }

  // The first run waits until the dashboard is shown: a team that opens the wargame directly
  // does not load the server with a run it will not look at.
  function startDashboard() {
    if (!state.info || state.lastRun || dash.seq > 0 || document.body.dataset.mode !== "dashboard") return;
    if (dashboardNeedsCode() && !state.code) {
      $("dashboard-code-form").hidden = false;
      setStatus("Enter the code the facilitator gave you to start.", "waiting");
      return;
    }
    requestRun();
  }

  // ---------------------------------------------------------------- the wargame

  const game = {
    seq: 0,           // requests sent
    applied: 0,       // the newest request whose answer is shown
    polling: false,
    timer: 0,
    sliders: {},
    leverKey: "",     // which levers the team panel was built for
    chartsBuilt: false,
    drawn: "",        // what the world charts show, to redraw them only when it changes
    agreementsKey: "", // what the agreements panel shows, to rebuild it only when it changes
  };

  function gameMessage(text, isError) {
    const m = $("game-message");
    m.textContent = text;
    m.classList.toggle("error", Boolean(isError));
  }

  async function gameRequest(method, path, body) {
    const seq = ++game.seq;
    const s = await api(method, path, body, true);
    if (seq > game.applied) {
      game.applied = seq;
      applyGame(s);
    }
    return s;
  }

  async function poll() {
    if (game.polling || !state.code) return;
    game.polling = true;
    try {
      await gameRequest("GET", "/api/game/state");
    } catch (e) {
      if (e.status === 403) {
        leaveGame("This code is no longer valid: " + e.message);
      } else {
        gameMessage("Could not refresh the game: " + e.message, true);
      }
    } finally {
      game.polling = false;
    }
  }

  function startPolling() {
    clearInterval(game.timer);
    game.timer = setInterval(poll, POLL_MS);
    poll();
  }

  function leaveGame(why) {
    clearInterval(game.timer);
    state.code = "";
    state.game = null;
    sessionStorage.removeItem(CODE_KEY);
    $("game").hidden = true;
    $("join-form").hidden = false;
    $("join-error").textContent = why || "";
  }

  async function join(code) {
    $("join-error").textContent = "";
    try {
      const who = await api("POST", "/api/game/join", { code: code }, false);
      state.code = code;
      sessionStorage.setItem(CODE_KEY, code);
      $("join-form").hidden = true;
      $("game").hidden = false;
      $("game-role").textContent = who.role === "facilitator" ? "Facilitator" : who.name;
      startPolling();
      startDashboard();
    } catch (e) {
      $("join-error").textContent = e.status === 403 ? "That code is not valid. Check it and try again." : e.message;
    }
  }

  function buildTeamLevers(levers) {
    const box = $("team-levers");
    box.textContent = "";
    game.sliders = {};
    for (const l of levers) {
      const s = makeSlider(l, "game-lever-", l.value, (lever, value) => {
        state.dirty[lever.id] = value;
        $("submit-decisions").dataset.dirty = "true";
      });
      game.sliders[l.id] = s;
      box.appendChild(s.row);
    }
  }

  function agreementById(id) {
    const all = state.info && state.info.agreements ? state.info.agreements : [];
    return all.find((a) => a.id === id) || null;
  }

  function describeDecision(d) {
    if (d.agreement) {
      const a = agreementById(d.agreement);
      const label = a ? a.label : d.agreement;
      return d.value
        ? (d.teams || [d.team]).map(teamName).join(" and ") + " signed " + label
        : teamName(d.team) + " broke " + label;
    }
    const l = leverById(d.lever);
    return teamName(d.team) + ": " + (l ? l.label : d.lever) + " to " + (l ? formatLever(l, d.value) : d.value);
  }

  function fillList(ul, sentences) {
    ul.textContent = "";
    for (const s of sentences) {
      const li = document.createElement("li");
      li.textContent = s;
      ul.appendChild(li);
    }
  }

  function applyGame(s) {
    const prev = state.game;
    state.game = s;
    const newTurn = !prev || prev.turn !== s.turn;
    if (newTurn) state.dirty = {};

    $("game-role").textContent = s.role === "facilitator" ? "Facilitator" : teamName(s.team);
    const turn = $("game-turn");
    turn.textContent = "Turn " + s.turn + ": " + s.date + " to " + s.next_date + " (the game ends " + s.end + ")";
    turn.dataset.turn = s.turn;
    turn.dataset.date = s.date;
    const status = $("game-status");
    status.dataset.status = s.status;
    status.textContent = s.status === "playing" ? "Playing"
      : s.status === "paused" ? "Paused by the facilitator" : "The game has ended";
    if (prev && prev.turn !== s.turn) {
      gameMessage(s.turn > prev.turn
        ? "Turn " + prev.turn + " has run. The world is now at " + s.date + "."
        : "The facilitator undid the last turn. Back to " + s.date + ".", false);
    }

    const submitted = $("submitted-list");
    submitted.textContent = "";
    for (const t of s.teams) {
      const li = document.createElement("li");
      li.dataset.team = t.id;
      li.dataset.submitted = t.submitted ? "true" : "false";
      li.textContent = t.name + ": " + (t.submitted ? "submitted ✓" : "not yet");
      submitted.appendChild(li);
    }

    const isTeam = s.role === "team";
    $("team-panel").hidden = !isTeam;
    $("facilitator-panel").hidden = isTeam;
    if (isTeam) applyTeam(s); else applyFacilitator(s);
    applyAgreements(s);

    fillList($("digest"), s.digest.length ? s.digest : ["Nothing yet: the first turn has not run."]);
    $("digest").dataset.turn = s.history.length ? s.history[s.history.length - 1].turn : 0;

    const history = $("history");
    history.textContent = "";
    for (const h of s.history.slice().reverse()) {
      const li = document.createElement("li");
      li.dataset.turn = h.turn;
      const head = document.createElement("strong");
      head.textContent = "Turn " + h.turn + " (" + h.date + "): ";
      li.appendChild(head);
      li.appendChild(document.createTextNode(
        h.decisions.length ? h.decisions.map(describeDecision).join("; ") + "." : "no changes."));
      const ul = document.createElement("ul");
      fillList(ul, h.digest);
      li.appendChild(ul);
      history.appendChild(li);
    }

    drawWorld(s);
  }

  function applyTeam(s) {
    const key = s.levers.map((l) => l.id).join(",");
    if (key !== game.leverKey) {
      buildTeamLevers(s.levers);
      game.leverKey = key;
    }
    const pending = s.pending || {};
    for (const l of s.levers) {
      const slider = game.sliders[l.id];
      const want = l.id in state.dirty ? state.dirty[l.id]
        : l.id in pending ? pending[l.id] : l.value;
      if (!sameValue(Number(slider.input.value), want, l)) slider.input.value = want;
      slider.show();
      slider.note.textContent = "In force now: " + formatLever(l, l.value);
    }
    const mine = s.teams.find((t) => t.id === s.team);
    const button = $("submit-decisions");
    button.disabled = s.status !== "playing";
    button.textContent = mine && mine.submitted ? "Submit again (replaces your decisions)" : "Submit decisions";
  }

  // Every role sees every agreement and its status; a team sees the moves open to it as buttons.
  const AGREEMENT_MOVES = {
    propose: "Propose",
    accept: "Accept",
    decline: "Decline",
    withdraw: "Withdraw the proposal",
    break: "Break it",
  };

  function applyAgreements(s) {
    const agreements = s.agreements || [];
    $("agreements-panel").hidden = agreements.length === 0;
    // Rebuilt only when something changed: a poll every 2 s must not take a button from under a
    // finger (or the keyboard's focus).
    const key = JSON.stringify([s.status, agreements]);
    if (key === game.agreementsKey) return;
    game.agreementsKey = key;
    const ul = $("agreements");
    ul.textContent = "";
    for (const a of agreements) {
      const li = document.createElement("li");
      li.dataset.agreement = a.id;
      li.dataset.status = a.status;
      const head = document.createElement("div");
      head.className = "agreement-head";
      head.textContent = a.label + " (" + a.parties.map(teamName).join(", ") + ")";
      const status = document.createElement("p");
      status.className = "agreement-status";
      status.textContent = a.text;
      const explain = document.createElement("p");
      explain.className = "explain";
      explain.textContent = a.explain || "";
      li.appendChild(head);
      li.appendChild(status);
      li.appendChild(explain);
      const moves = a.actions || [];
      if (moves.length) {
        const box = document.createElement("div");
        box.className = "agreement-buttons";
        for (const move of moves) {
          const b = document.createElement("button");
          b.type = "button";
          b.dataset.move = move;
          b.textContent = AGREEMENT_MOVES[move] || move;
          b.addEventListener("click", () => agreementMove(move, a));
          box.appendChild(b);
        }
        li.appendChild(box);
      }
      ul.appendChild(li);
    }
  }

  async function agreementMove(move, a) {
    if (move === "break" && !window.confirm("Break \"" + a.label + "\" openly, from " +
        state.game.date + "? Every team will see it.")) return;
    try {
      await gameRequest("POST", "/api/game/agreement/" + move, { agreement: a.id });
      const done = {
        propose: "You proposed \"" + a.label + "\". It is signed once the other side accepts.",
        accept: "You accepted \"" + a.label + "\": it is signed from " + state.game.date + ".",
        decline: "You declined \"" + a.label + "\".",
        withdraw: "You withdrew your proposal of \"" + a.label + "\".",
        break: "You broke \"" + a.label + "\" from " + state.game.date + ".",
      };
      gameMessage(done[move] || "Done.", false);
    } catch (e) {
      gameMessage("Could not " + move + " \"" + a.label + "\": " + e.message, true);
    }
  }

  function applyFacilitator(s) {
    const playing = s.status === "playing";
    $("game-advance").disabled = !playing;
    $("game-pause").disabled = !playing;
    $("game-resume").disabled = s.status !== "paused";
    $("game-undo").disabled = s.history.length === 0;
    $("game-end").disabled = s.status === "ended";

    const body = $("pending-table").tBodies[0];
    body.textContent = "";
    const pending = s.pending || {};
    for (const t of s.teams) {
      const mine = s.levers.filter((l) => l.team === t.id);
      const p = pending[t.id] || {};
      mine.forEach((l, i) => {
        const tr = document.createElement("tr");
        tr.dataset.team = t.id;
        tr.dataset.lever = l.id;
        const cells = [
          i === 0 ? t.name + (t.submitted ? " (submitted)" : " (not yet)") : "",
          l.label,
          formatLever(l, l.value),
          l.id in p ? formatLever(l, p[l.id]) + (p[l.id] !== l.value ? " (change)" : "") : "–",
        ];
        for (const c of cells) {
          const td = document.createElement("td");
          td.textContent = c;
          tr.appendChild(td);
        }
        body.appendChild(tr);
      });
    }
  }

  function drawWorld(s) {
    const box = $("game-charts");
    if (!game.chartsBuilt) {
      box.textContent = "";
      for (const ind of s.indicators) state.gameCharts[ind.id] = makeChart(box, ind, false);
      game.chartsBuilt = true;
    }
    const key = [s.turn, s.date, s.world.dates.length, s.history.length, s.releases.length].join("/");
    if (key === game.drawn) return;
    game.drawn = key;
    const marks = releaseMarks(s.releases);
    for (const h of s.history) {
      marks.push({ date: h.date, label: "turn " + h.turn, color: COLOR.turn, dash: [4, 4], atBottom: true });
    }
    // The charts span the game's window: a year of history before the first turn (faded),
    // then every turn to the game's end, with the months still to play left empty.
    const firstTurn = state.info.game.first_turn;
    const dates = s.world.dates.slice();
    for (let d = nextMonth(dates[dates.length - 1]); d && d <= s.end; d = nextMonth(d)) dates.push(d);
    const from = indexAtOrAfter(dates, shiftYears(firstTurn, -1));
    for (const ind of s.indicators) {
      const chart = state.gameCharts[ind.id];
      if (!chart) continue;
      chart.options.scales.x.min = from < 0 ? undefined : from;
      chart.options.plugins.airaceMarkers.fadeBefore = firstTurn;
      setChartData(chart, dates, padded(s.world.series[ind.id], dates.length), null, marks, s.releases);
    }
  }

  // ISO date helpers for the wargame's axis (indicator dates are first days of months).
  function nextMonth(iso) {
    if (!iso) return null;
    const y = Number(iso.slice(0, 4)), m = Number(iso.slice(5, 7));
    const next = m === 12 ? [y + 1, 1] : [y, m + 1];
    return String(next[0]).padStart(4, "0") + "-" + String(next[1]).padStart(2, "0") + iso.slice(7);
  }

  function shiftYears(iso, years) {
    return String(Number(iso.slice(0, 4)) + years).padStart(4, "0") + iso.slice(4);
  }

  // A series' arrays with nulls after the last simulated date (the months still to play).
  function padded(series, n) {
    if (!series) return series;
    const fill = (a) => a.concat(new Array(Math.max(0, n - a.length)).fill(null));
    return { median: fill(series.median), p5: fill(series.p5), p95: fill(series.p95) };
  }

  async function gameAction(name) {
    try {
      // An empty JSON body: the server takes only JSON in a POST (a cross-site form cannot send it).
      await gameRequest("POST", "/api/game/" + name, {});
      if (name === "pause") gameMessage("The game is paused.", false);
      if (name === "resume") gameMessage("The game goes on.", false);
      if (name === "end") gameMessage("The game has ended. Export it for the debrief.", false);
    } catch (e) {
      gameMessage("Could not " + name + ": " + e.message, true);
    }
  }

  function buildWargame() {
    $("join-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const code = $("join-code").value.trim().toUpperCase();
      if (code) join(code);
    });
    $("leave-game").addEventListener("click", () => leaveGame(""));
    $("submit-decisions").addEventListener("click", async () => {
      // Only what the team changes: a lever left at the value in force is no decision. A lever
      // already pending is sent again, so moving it back replaces the pending change.
      const levers = {};
      const s = state.game;
      const inForce = {};
      for (const l of s ? s.levers : []) inForce[l.id] = l.value;
      const pending = (s && s.pending) || {};
      for (const id of Object.keys(game.sliders)) {
        const v = Number(game.sliders[id].input.value);
        if (id in pending || !(id in inForce) || !sameValue(v, inForce[id], leverById(id))) levers[id] = v;
      }
      const button = $("submit-decisions");
      button.disabled = true;
      try {
        await gameRequest("POST", "/api/game/submit", { levers: levers });
        state.dirty = {};
        button.dataset.dirty = "false";
        gameMessage("Your decisions are in. The turn runs when every team has submitted, or when the facilitator advances it.", false);
      } catch (e) {
        gameMessage("Your decisions were not accepted: " + e.message, true);
      } finally {
        button.disabled = !state.game || state.game.status !== "playing";
      }
    });
    for (const name of ["advance", "pause", "resume", "undo"]) {
      $("game-" + name).addEventListener("click", () => gameAction(name));
    }
    $("game-end").addEventListener("click", () => {
      if (window.confirm("End the game for everyone? It cannot go on afterwards.")) gameAction("end");
    });
    for (const [id, path, name] of [["export-yaml", "/api/game/export.yaml", "game.yaml"],
                                    ["export-h5", "/api/game/export.h5", "game.h5"]]) {
      const link = $(id);
      link.href = path;
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        gameMessage("Preparing the export…", false);
        downloadWithCode(path, name)
          .then(() => gameMessage("Exported " + name + ".", false))
          .catch((e) => gameMessage("The export failed: " + e.message, true));
      });
    }
    $("dashboard-code-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const code = $("dashboard-code").value.trim().toUpperCase();
      if (!code) return;
      state.code = code;
      sessionStorage.setItem(CODE_KEY, code);
      $("dashboard-code-form").hidden = true;
      if (document.body.dataset.mode === "dashboard") requestRun();
    });
    if (state.code) {
      join(state.code);
    }
  }

  // ---------------------------------------------------------------- tabs and start

  function showMode(mode) {
    for (const m of ["dashboard", "wargame"]) {
      $(m).hidden = m !== mode;
      $("tab-" + m).setAttribute("aria-selected", m === mode ? "true" : "false");
    }
    document.body.dataset.mode = mode;
    // Charts drawn while hidden have no size: let them measure themselves again.
    const charts = mode === "dashboard" ? state.charts : state.gameCharts;
    for (const c of Object.values(charts)) c.resize();
    if (mode === "dashboard") startDashboard();
  }

  function modeFromHash() {
    return location.hash === "#wargame" ? "wargame" : "dashboard";
  }

  async function start() {
    for (const b of document.querySelectorAll("[role=tab]")) {
      b.addEventListener("click", () => {
        history.replaceState(null, "", "#" + b.dataset.mode);
        showMode(b.dataset.mode);
      });
    }
    window.addEventListener("hashchange", () => showMode(modeFromHash()));
    showMode(modeFromHash());
    try {
      state.info = await api("GET", "/api/info", undefined, false);
    } catch (e) {
      setStatus("Error: could not load the scenario: " + e.message, "error");
      return;
    }
    const sc = state.info.scenario;
    $("scenario-name").textContent = sc.name;
    $("scenario-description").textContent = sc.description + " (" + sc.start + " to " + sc.end + ", " +
      state.info.replicates + " replicates per run)";
    document.title = "airace: " + sc.name;
    buildDashboard();
    buildWargame();
  }

  // Read-only state for tests and for the curious (browser console).
  Object.defineProperty(window, "airace", {
    value: Object.freeze({
      get info() { return state.info; },
      get lastRun() { return state.lastRun; },
      get runCount() { return state.runCount; },
      get game() { return state.game; },
      get charts() { return Object.freeze(Object.assign({}, state.charts)); },
      get gameCharts() { return Object.freeze(Object.assign({}, state.gameCharts)); },
      chartData(id, where) {
        const c = (where === "game" ? state.gameCharts : state.charts)[id];
        return c ? chartSnapshot(c) : null;
      },
    }),
    writable: false,
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
