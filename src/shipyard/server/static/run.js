// The run page, live: status from /api/runs/{id}/events, log lines from
// /api/runs/{id}/logs/stream (after the last line the server already rendered).
// Log lines, names and messages are untrusted: they only ever become textContent.
"use strict";
(function () {
  const page = document.getElementById("run");
  if (!page || page.dataset.final === "true") {
    return;
  }
  const base = "/api/runs/" + encodeURIComponent(page.dataset.runId);
  const log = document.getElementById("log");
  let lastStep = page.dataset.lastStep || "";
  let statuses = new Map();
  let titles = new Map();
  let refreshing = false;

  function index() {
    statuses = new Map();
    titles = new Map();
    for (const el of document.querySelectorAll("#stages [data-key]")) {
      statuses.set(el.dataset.key, el);
    }
    for (const el of document.querySelectorAll("#stages [data-step-id]")) {
      const title = el.querySelector(".step-title");
      titles.set(el.dataset.stepId, title ? title.textContent : "");
    }
  }

  function show(el, status) {
    el.textContent = status;
    el.className = "status status-" + status;
  }

  // Jobs and steps appear when the engine plans them: fetch this page again and take its
  // (server-rendered, escaped) stages section.
  async function refresh() {
    if (refreshing) {
      return;
    }
    refreshing = true;
    try {
      const answer = await fetch(location.pathname, { headers: { Accept: "text/html" } });
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      const stages = fresh.getElementById("stages");
      if (stages) {
        document.getElementById("stages").replaceWith(document.adoptNode(stages));
        index();
      }
    } finally {
      refreshing = false;
    }
  }

  function onState(kind, event) {
    const e = JSON.parse(event.data);
    if (kind === "run") {
      show(document.getElementById("run-status"), e.status);
      return;
    }
    const key = [e.stage, e.job, e.step].filter(Boolean).join("/");
    const el = statuses.get(key);
    if (el) {
      show(el, e.status);
    } else {
      refresh();
    }
  }

  function onLog(event) {
    const line = JSON.parse(event.data);
    const step = line.step_id === null ? "" : String(line.step_id);
    if (step !== lastStep) {
      lastStep = step;
      const header = document.createElement("span");
      header.className = "log-step";
      header.textContent = titles.get(step) || "";
      log.append(header);
    }
    const span = document.createElement("span");
    span.className = "line";
    span.textContent = line.text;
    log.append(span, "\n");
  }

  index();
  const events = new EventSource(base + "/events");
  for (const kind of ["run", "stage", "job", "step"]) {
    events.addEventListener(kind, (event) => onState(kind, event));
  }
  events.addEventListener("end", () => {
    events.close();
    page.dataset.final = "true";
    refresh();
  });
  const logs = new EventSource(base + "/logs/stream?after=" + encodeURIComponent(page.dataset.after));
  logs.addEventListener("log", onLog);
  logs.addEventListener("end", () => logs.close());
})();
