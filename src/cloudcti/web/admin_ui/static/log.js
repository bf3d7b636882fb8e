// The PBX log's live tail: polls the REST API for entries after the last seq shown, filtered
// by line, call id and direction; "Pause" stops the polling; the download link follows the filters.
const form = document.getElementById("log-filter");
const rows = document.getElementById("log-rows");
const status = document.getElementById("log-status");
const pauseButton = document.getElementById("log-pause");
const download = document.getElementById("log-download");
const text = form.dataset;
const MAX_ROWS = 2000;
const INTERVAL_MS = 500;
let since = null;
let paused = false;
let timer = null;

function filters() {
  const params = new URLSearchParams();
  for (const name of ["line_id", "call_id", "direction"]) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function row(entry) {
  const tr = document.createElement("tr");
  tr.className = `dir-${entry.direction}`;
  const at = document.createElement("td");
  at.textContent = entry.at.replace("T", " ").replace("Z", "");
  const direction = document.createElement("td");
  direction.textContent = { out: "→", in: "←", state: "●" }[entry.direction] ?? entry.direction;
  const summary = document.createElement("td");
  if (entry.detail) {
    const block = document.createElement("details");
    const head = document.createElement("summary");
    head.textContent = entry.summary;
    const pre = document.createElement("pre");
    pre.textContent = entry.detail;
    block.append(head, pre);
    summary.append(block);
  } else {
    summary.textContent = entry.summary;
  }
  tr.append(at, direction, summary);
  return tr;
}

async function poll() {
  timer = null;
  if (paused) return;
  const params = filters();
  params.set("limit", "500");
  if (since !== null) params.set("since", String(since));
  try {
    const response = await fetch(`${text.api}?${params}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const entries = await response.json();
    for (const entry of entries) {
      rows.prepend(row(entry));
      since = Math.max(since ?? 0, entry.seq);
    }
    while (rows.children.length > MAX_ROWS) rows.lastElementChild.remove();
    status.textContent = text.textLive;
  } catch (error) {
    status.textContent = `${text.textError} (${error.message})`;
  }
  if (!paused) timer = setTimeout(poll, INTERVAL_MS);
}

function restart() {
  rows.replaceChildren();
  since = null;
  download.href = `${text.download}?${filters()}`;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (!paused) poll();
}

form.addEventListener("change", restart);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  restart();
});
pauseButton.addEventListener("click", () => {
  paused = !paused;
  pauseButton.textContent = paused ? text.textResume : text.textPause;
  status.textContent = paused ? text.textPaused : text.textLive;
  if (!paused && timer === null) poll();
});
poll();
