// The admin page: polls /admin/api/overview and draws it. Every string from the broker (model,
// user and connector names) is untrusted and reaches the page through textContent or SVG text
// nodes only, never innerHTML.
"use strict";

const KEY = "remotellm-admin-key";
const REFRESH_MS = 2000;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
let timer = null;
let last = null;

function $(id) { return document.getElementById(id); }

function key() { return sessionStorage.getItem(KEY); }

async function api(method, path, body) {
  const init = { method, headers: { "x-admin-key": key() }, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch("api/" + path, init);
  if (res.status === 401) {
    logout("That admin key was refused.");
    throw new Error("unauthorized");
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    throw new Error((data.error && data.error.message) || ("HTTP " + res.status));
  }
  return data;
}

function status(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  row.appendChild(td);
  return td;
}

function button(row, label, onClick) {
  const td = document.createElement("td");
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", onClick);
  td.appendChild(b);
  row.appendChild(td);
}

function fill(tableId, items, render) {
  const body = $(tableId).querySelector("tbody");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    render(row, item);
    body.appendChild(row);
  }
}

function limitsText(l) {
  const parts = [];
  if (l.requests_per_minute) parts.push(l.requests_per_minute + " req/min");
  if (l.tokens_per_minute) parts.push(l.tokens_per_minute + " tok/min");
  if (l.tokens_per_day) parts.push(l.tokens_per_day + " tok/day");
  if (l.max_concurrent) parts.push(l.max_concurrent + " at once");
  return parts.length ? parts.join(", ") : "none";
}

function render(o) {
  last = o;
  $("rate").textContent = String(o.traffic.requests_last_minute);
  fill("connectors", o.connectors, (row, c) => {
    row.dataset.token = c.token_fingerprint;
    cell(row, c.token_fingerprint);
    cell(row, c.name);
    cell(row, c.address);
    cell(row, c.models.join(", "));
    cell(row, c.apis.join(", "));
    cell(row, c.protocol);
    cell(row, c.in_flight);
    cell(row, c.round_trip_ms < 0 ? "-" : c.round_trip_ms.toFixed(1));
    cell(row, c.connected_since);
    cell(row, c.reconnects);
    button(row, "Revoke token", () => act("DELETE", "connectors/" + encodeURIComponent(c.token_fingerprint),
      undefined, "Revoke connector token " + c.token_fingerprint + "? Its link closes now."));
  });
  const cluster = o.cluster;
  $("cluster").hidden = !cluster.clustered;
  const brokerName = (m) => (m.public_url || m.member_id) + (m.this_broker ? " (this broker)" : "");
  fill("cluster-members", cluster.members, (row, m) => {
    row.dataset.member = m.member_id;
    cell(row, m.member_id);
    cell(row, m.public_url);
    cell(row, m.alive ? "alive" : "left " + m.left_at);
    cell(row, m.connectors);
  });
  fill("cluster-connectors", cluster.connectors, (row, c) => {
    row.dataset.member = c.member_id;
    cell(row, c.id);
    cell(row, brokerName(c));
    cell(row, c.models.join(", "));
    cell(row, c.apis.join(", "));
    cell(row, c.in_flight);
  });
  fill("models", Object.entries(o.models), (row, [model, ids]) => {
    cell(row, model);
    cell(row, ids.join(", "));
  });
  fill("users", o.users, (row, u) => {
    row.dataset.user = u.name;
    cell(row, u.name);
    cell(row, u.key_fingerprint);
    cell(row, u.source + (u.read_only ? " (read-only)" : ""));
    cell(row, u.models.length ? u.models.join(", ") : "any");
    cell(row, limitsText(u.limits));
    cell(row, u.requests_since_start);
    cell(row, u.tokens_since_start);
    cell(row, u.last_used || "never");
    cell(row, u.tokens_today);
    cell(row, u.tokens_7_days);
    if (u.read_only) {
      cell(row, "");
    } else {
      button(row, "Revoke", () => act("DELETE", "users/" + encodeURIComponent(u.name), undefined,
        "Revoke the key of " + u.name + "? Its next request gets 401."));
    }
  });
  fill("errors", o.traffic.recent_errors, (row, e) => {
    cell(row, e.time); cell(row, e.user); cell(row, e.model); cell(row, e.endpoint); cell(row, e.status);
  });
  fill("audit", o.audit, (row, a) => {
    cell(row, a.time); cell(row, a.admin_key_fingerprint); cell(row, a.action); cell(row, a.target); cell(row, a.detail);
  });
  const [scale, field] = $("chart-by").value.split(":");
  if (scale === "day") {
    const days = o.usage_by_day;
    chart(days[field] || {}, days.days[0] || "", "today",
      days.available ? "no usage in the ledger these days" : "usage ledger not reachable");
  } else {
    chart(o.traffic[field] || {}, "-60 min", "now", "no traffic in the last hour");
  }
}

// A line per series (oldest value first), drawn with SVG elements (text as text nodes).
function chart(series, firstLabel, lastLabel, emptyText) {
  const svg = $("chart");
  const NS = "http://www.w3.org/2000/svg";
  const W = 720, H = 220, left = 50, right = 170, top = 10, bottom = 25;
  svg.replaceChildren();
  const names = Object.keys(series);
  let max = 1;
  let count = 2;
  for (const n of names) {
    count = Math.max(count, series[n].length);
    for (const v of series[n]) max = Math.max(max, v);
  }
  const x = i => left + (i / (count - 1)) * (W - left - right);
  const y = v => H - bottom - (v / max) * (H - top - bottom);
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  el("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, stroke: "#999" });
  el("line", { x1: left, y1: top, x2: left, y2: H - bottom, stroke: "#999" });
  el("text", { x: 2, y: top + 8 }, String(max));
  el("text", { x: 2, y: H - bottom }, "0");
  el("text", { x: left, y: H - 5 }, firstLabel);
  el("text", { x: W - right - 30, y: H - 5 }, lastLabel);
  if (!names.length) {
    el("text", { x: left + 20, y: H / 2 }, emptyText);
  }
  names.forEach((name, k) => {
    const color = COLORS[k % COLORS.length];
    const points = series[name].map((v, i) => x(i).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    el("polyline", { points, fill: "none", stroke: color, "stroke-width": 2, "data-series": name });
    el("rect", { x: W - right + 10, y: top + k * 16, width: 10, height: 10, fill: color });
    el("text", { x: W - right + 25, y: top + k * 16 + 9 }, name.length > 22 ? name.slice(0, 21) + "…" : name);
  });
}

async function refresh() {
  try {
    render(await api("GET", "overview"));
    status("Updated " + new Date().toLocaleTimeString());
  } catch (e) {
    if (e.message !== "unauthorized") status("Refresh failed: " + e.message, true);
  }
}

async function act(method, path, body, question) {
  if (question && !window.confirm(question)) return null;
  try {
    const result = await api(method, path, body);
    await refresh();
    return result;
  } catch (e) {
    status(e.message, true);
    return null;
  }
}

function number(id) { return Number($(id).value || 0); }

function login(k) {
  sessionStorage.setItem(KEY, k);
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

function logout(message) {
  sessionStorage.removeItem(KEY);
  clearInterval(timer);
  $("main").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  status(message || "", !!message);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", ev => {
    ev.preventDefault();
    login($("admin-key").value);
    $("admin-key").value = "";
  });
  $("logout").addEventListener("click", () => logout());
  $("chart-by").addEventListener("change", () => last && render(last));
  $("create-form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const models = $("new-models").value.split(",").map(s => s.trim()).filter(s => s);
    const created = await act("POST", "users", {
      name: $("new-name").value.trim(),
      models: models.length ? models : null,
      limits: {
        requests_per_minute: number("new-rpm"), tokens_per_minute: number("new-tpm"),
        tokens_per_day: number("new-tpd"), max_concurrent: number("new-conc")
      }
    });
    if (created) {
      $("new-key").textContent = created.api_key;
      $("new-key-box").hidden = false;
      $("create-form").reset();
    }
  });
  if (key()) login(key());
});
