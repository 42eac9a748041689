// The todo page: the list is kept in step with the server by Server-Sent
// Events. EventSource reconnects by itself and sends Last-Event-ID, so the
// server replays what the page missed while it was away.
"use strict";

const todos = new Map(); // id -> {id, title, done}
const $ = (id) => document.getElementById(id);
const tokenInput = $("token");
tokenInput.value = localStorage.getItem("todoToken") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("todoToken", tokenInput.value.trim()));

function setStatus(state) {
  const el = $("status");
  el.dataset.state = state;
  el.textContent = state;
}

function say(text) {
  const el = $("message");
  el.textContent = text || "";
  el.hidden = !text;
  if (!text) return;
  if (/token/i.test(text)) $("auth").open = true;
}

function apply(event, todo) {
  if (event === "deleted") todos.delete(todo.id);
  else todos.set(todo.id, todo);
}

function render() {
  const list = $("list");
  const sorted = [...todos.values()].sort((a, b) => a.id - b.id);
  list.replaceChildren(...sorted.map((t) => {
    const li = document.createElement("li");
    li.dataset.id = t.id;
    li.classList.toggle("done", t.done);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "toggle";
    box.checked = t.done;
    box.setAttribute("aria-label", `done: ${t.title}`);
    box.addEventListener("change", () => send("PATCH", `/todos/${t.id}`, { done: box.checked }, () => { box.checked = !box.checked; }));
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = t.title;
    const del = document.createElement("button");
    del.className = "delete";
    del.title = "Delete";
    del.setAttribute("aria-label", `delete: ${t.title}`);
    del.textContent = "×";
    del.addEventListener("click", () => send("DELETE", `/todos/${t.id}`));
    li.append(box, title, del);
    return li;
  }));
  $("empty").hidden = todos.size > 0;
}

// send makes a change; the page itself changes when the event comes back.
async function send(method, path, body, undo) {
  const headers = { Authorization: `Bearer ${tokenInput.value.trim()}` };
  if (body) headers["Content-Type"] = "application/json";
  try {
    const res = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    if (!res.ok) {
      const problem = await res.json().catch(() => ({}));
      const fields = (problem.errors || []).map((e) => `${e.field} ${e.message}`).join("; ");
      say(fields || problem.detail || problem.title || `HTTP ${res.status}`);
      if (undo) undo();
      return null;
    }
    say("");
    return res.status === 204 ? null : res.json();
  } catch (err) {
    say(`The server cannot be reached: ${err.message}`);
    if (undo) undo();
    return null;
  }
}

$("add").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("title");
  if (await send("POST", "/todos", { title: input.value })) input.value = "";
});

// connect opens the stream. On the first open it loads the list; events that
// arrive while the list loads are kept and applied after it, in order, so
// none is lost. Later opens are reconnections: the server replays the missed
// events after Last-Event-ID, and the list is not loaded again.
function connect() {
  const events = new EventSource("/todos/events");
  let loaded = false;
  let pending = null;
  events.onopen = async () => {
    setStatus("live");
    if (loaded) return;
    loaded = true;
    pending = [];
    try {
      const list = await (await fetch("/todos")).json();
      document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots) + 1);
      todos.clear();
      for (const t of list) todos.set(t.id, t);
    } finally {
      for (const [event, todo] of pending) apply(event, todo);
      pending = null;
      render();
    }
  };
  for (const name of ["created", "updated", "deleted"]) {
    events.addEventListener(name, (e) => {
      const todo = JSON.parse(e.data);
      if (pending) { pending.push([name, todo]); return; }
      apply(name, todo);
      render();
    });
  }
  events.onerror = () => {
    if (events.readyState !== EventSource.CLOSED) { setStatus("reconnecting"); return; }
    // The server answered with an error (a 503 while its broker is away):
    // EventSource gives up, so open a new stream in a while. A new one
    // sends no Last-Event-ID, so it loads the list afresh.
    setStatus("offline");
    setTimeout(connect, 3000);
  };
}

render();
connect();
