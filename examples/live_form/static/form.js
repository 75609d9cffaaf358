// The live form: renders a JSON Schema as a form and fills it from partialjson's relay.
import { connect, resolvePointer } from "/partialjson.js";

const $ = (id) => document.getElementById(id);
const esc = (token) => String(token).replace(/~/g, "~0").replace(/\//g, "~1");
const titleCase = (name) => name.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());

let defs = {};
let fields = []; // {pointer, wrap, control, kind}
let arrays = []; // {pointer, wrap, items, count, label}
let client = null;
let events = 0;
let frame = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function deref(schema) {
  let s = schema;
  for (;;) {
    if (s.$ref) s = defs[s.$ref.split("/").pop()];
    else if (s.anyOf) s = s.anyOf.find((m) => m.type !== "null") ?? s.anyOf[0];
    else if (s.allOf && s.allOf.length === 1) s = s.allOf[0];
    else return s;
  }
}

function statusDot() {
  return el("span", { class: "dot", title: "pending" });
}

// -- building the form from the schema ---------------------------------------------------

function build(parent, schema, pointer, label) {
  const s = deref(schema);
  if (s.type === "object" && s.properties) {
    const group = el("fieldset", { class: "group", "data-pointer": pointer, "data-status": "pending" });
    if (label) group.append(el("legend", {}, statusDot(), el("span", { text: label })));
    for (const [name, member] of Object.entries(s.properties)) {
      build(group, member, `${pointer}/${esc(name)}`, member.title ?? titleCase(name));
    }
    parent.append(group);
    fields.push({ pointer, wrap: group, kind: "group" });
    return;
  }
  if (s.type === "array") {
    const items = deref(s.items ?? {});
    const chips = items.type !== "object";
    const wrap = el("div", {
      class: chips ? "field array chips" : "array",
      "data-pointer": pointer,
      "data-status": "pending",
    });
    const head = el("div", { class: "label" }, statusDot(), el("span", { text: label }));
    const list = el("div", { class: chips ? "chip-list" : "item-list" });
    wrap.append(head, list);
    parent.append(wrap);
    fields.push({ pointer, wrap, kind: "array" });
    arrays.push({ pointer, list, items, chips, count: 0, label });
    return;
  }
  const wrap = el("div", { class: "field", "data-pointer": pointer, "data-status": "pending" });
  if (s.enum) wrap.classList.add("choice");
  const head = el("label", { class: "label" }, statusDot(), el("span", { text: label }));
  let control;
  let kind = "text";
  if (s.enum) {
    kind = "enum";
    control = el("div", { class: "segmented", role: "radiogroup" });
    for (const option of s.enum) {
      control.append(el("span", { class: "segment", "data-value": option, text: option }));
    }
  } else if (s.type === "boolean") {
    kind = "boolean";
    control = el("span", { class: "toggle", role: "switch", "aria-checked": "false" }, el("span", { class: "knob" }));
  } else if (s["x-widget"] === "textarea") {
    control = el("textarea", { rows: "1", readonly: "" });
  } else {
    control = el("input", { type: "text", readonly: "" });
    if (s.type === "number" || s.type === "integer") {
      kind = "number";
      control.classList.add("numeric");
    } else {
      wrap.classList.add("wide");
    }
  }
  head.setAttribute("for", "");
  wrap.append(head, control);
  if (s.description) wrap.append(el("small", { class: "hint", text: s.description }));
  parent.append(wrap);
  fields.push({ pointer, wrap, control, kind });
}

function growArrays(value) {
  for (const array of arrays) {
    const items = resolvePointer(value, array.pointer);
    const length = Array.isArray(items) ? items.length : 0;
    while (array.count < length) {
      const index = array.count++;
      const pointer = `${array.pointer}/${index}`;
      if (array.chips) {
        const chip = el("span", { class: "chip", "data-pointer": pointer, "data-status": "pending" });
        array.list.append(chip);
        fields.push({ pointer, wrap: chip, control: chip, kind: "chip" });
      } else {
        const name = array.label.replace(/s$/, "");
        build(array.list, array.items, pointer, `${name} ${index + 1}`);
      }
    }
  }
}

// -- filling it ---------------------------------------------------------------------------

function show(field, value) {
  const { control, kind } = field;
  if (kind === "group" || kind === "array") return;
  if (kind === "enum") {
    for (const segment of control.children) {
      segment.classList.toggle("active", segment.dataset.value === value);
    }
  } else if (kind === "boolean") {
    control.setAttribute("aria-checked", value === true ? "true" : "false");
    control.classList.toggle("on", value === true);
  } else if (kind === "chip") {
    const text = value ?? "";
    if (control.textContent !== text) control.textContent = text;
  } else {
    const text = value === null || value === undefined ? "" : String(value);
    if (control.value !== text) {
      control.value = text;
      if (control.tagName === "TEXTAREA") {
        control.style.height = "auto";
        control.style.height = `${control.scrollHeight + 2}px`;
      }
    }
  }
}

function render() {
  frame = 0;
  const state = client.state;
  growArrays(state.value);
  let complete = 0;
  for (const field of fields) {
    const value = resolvePointer(state.value, field.pointer);
    let status = client.status(field.pointer);
    if (state.status === "cancelled" || state.status === "failed" || state.status === "incomplete") {
      if (status === "streaming") status = "stopped";
    }
    if (field.wrap.dataset.status !== status) field.wrap.dataset.status = status;
    if (status === "complete" && field.kind !== "group" && field.kind !== "array") complete += 1;
    show(field, value);
  }
  const pill = $("status");
  pill.textContent = state.status;
  pill.dataset.status = state.status;
  $("stop").disabled = client.done;
  $("generate").disabled = !client.done;
  $("events").textContent = String(events);
  $("last-id").textContent = state.lastEventId ?? "—";
  $("connections").textContent = String(client.connections);
  $("fields").textContent = String(complete);
  renderTools(state.toolCalls);
}

function renderTools(calls) {
  const box = $("tools");
  if (!calls.size) return;
  box.replaceChildren(
    ...[...calls.values()].map((call) =>
      el(
        "div",
        { class: "tool", "data-status": call.status },
        el(
          "div",
          { class: "tool-head" },
          el("code", { class: "tool-name", text: `${call.name}()` }),
          el("span", { class: "badge", text: call.status === "progress" ? "streaming" : call.status }),
        ),
        el("pre", { class: "tool-args", text: JSON.stringify(call.arguments ?? {}, null, 2) }),
      ),
    ),
  );
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function follow(key) {
  if (client) client.close();
  events = 0;
  client = connect(`/runs/${key}`, {
    onChange: () => {
      events += 1;
      schedule();
    },
  });
  window.liveForm.client = client;
  window.liveForm.key = key;
  client.finished.then(render);
  schedule();
}

async function generate() {
  $("generate").disabled = true;
  reset();
  const response = await fetch("/runs", { method: "POST" });
  const { key } = await response.json();
  history.replaceState(null, "", `#run=${key}`);
  follow(key);
}

function reset() {
  fields = [];
  arrays = [];
  $("form").replaceChildren();
  build($("form"), window.liveForm.schema, "", "");
  $("tools").replaceChildren(el("p", { class: "empty", text: "No tool call yet." }));
}

async function main() {
  const info = await (await fetch("/schema")).json();
  defs = info.schema.$defs ?? {};
  window.liveForm = { schema: info.schema, client: null, key: null };
  $("model-title").textContent = info.schema.title ?? "Answer";
  $("prompt").textContent = info.prompt;
  $("source").textContent = info.live ? "OpenAI Responses API" : "bundled recording";
  $("generate").addEventListener("click", generate);
  $("stop").addEventListener("click", async () => {
    $("stop").disabled = true;
    if (client) await client.cancel();
  });
  const run = new URLSearchParams(location.hash.slice(1)).get("run");
  if (run) {
    reset();
    follow(run); // a reload: the same run, rebuilt from the server's events
  } else {
    await generate();
  }
}

main();
