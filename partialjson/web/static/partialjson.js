// partialjson.js — the browser client of partialjson's relay. An ES module, no dependencies.
//
//   import { connect } from "/partialjson.js";
//   const client = connect("/relay/KEY", { onChange: (state) => render(state.value) });
//   client.status("/customer/name");   // "pending" | "streaming" | "complete"
//   await client.cancel();             // POST /relay/KEY/cancel: the server cancels upstream
//
// It reads the relay's server-sent events with fetch (so it can send Last-Event-ID on every
// reconnect), applies each `patch` (JSON Patch, RFC 6902 `add`/`replace`, plus `append`, which
// concatenates a string to the string at `path`) to a plain object, tracks which fields are
// complete, the tool calls and the terminal state, and calls `onChange` after every event.
// A dropped connection is resumed from the last event id: the server sends what was missed (or
// one `snapshot` of everything so far), never a piece of text twice.

const TERMINAL = new Set(["completed", "incomplete", "refused", "failed", "cancelled"]);

/** A JSON Pointer (RFC 6901) as its list of reference tokens. */
export function parsePointer(pointer) {
  if (pointer === "") return [];
  if (pointer[0] !== "/") throw new SyntaxError(`not a JSON Pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The value at `pointer` in `doc`, or undefined. */
export function resolvePointer(doc, pointer) {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(node, token)) return undefined;
      node = node[token];
    }
  }
  return node;
}

/** Apply a relay patch to `doc` (containers are changed in place); returns the new document. */
export function applyPatch(doc, ops) {
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    if (tokens.length === 0) {
      if (op.op === "append") doc = doc + op.value;
      else if (op.op === "add" || op.op === "replace") doc = op.value;
      else throw new Error(`unknown patch operation ${op.op}`);
      continue;
    }
    let parent = doc;
    for (const token of tokens.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(token)] : parent[token];
      if (parent === null || typeof parent !== "object") {
        throw new Error(`patch path not found: ${op.path}`);
      }
    }
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (op.op === "add") parent.splice(index, 0, op.value);
      else if (op.op === "replace") parent[index] = op.value;
      else if (op.op === "append") parent[index] = parent[index] + op.value;
      else throw new Error(`unknown patch operation ${op.op}`);
    } else if (op.op === "add" || op.op === "replace") {
      parent[last] = op.value;
    } else if (op.op === "append") {
      parent[last] = parent[last] + op.value;
    } else {
      throw new Error(`unknown patch operation ${op.op}`);
    }
  }
  return doc;
}

/** Server-sent events from a byte stream (the WHATWG parsing rules, minus `retry`). */
async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { id: null, event: "message", data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let match;
      while ((match = /\r\n|\r|\n/.exec(buffer)) !== null) {
        if (match[0] === "\r" && match.index === buffer.length - 1) break; // maybe half a \r\n
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === "") {
          if (event.data.length) yield { ...event, data: event.data.join("\n") };
          event = { id: event.id, event: "message", data: [] };
          continue;
        }
        if (line[0] === ":") continue; // a comment: a heartbeat
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text[0] === " ") text = text.slice(1);
        if (field === "data") event.data.push(text);
        else if (field === "event") event.event = text;
        else if (field === "id" && !text.includes("\0")) event.id = text;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A relayed response, followed live. `state`:
 *   status      "connecting" | "streaming" | "completed" | "incomplete" | "refused" | "failed" |
 *               "cancelled"
 *   value       the partial value (the validated value once completed)
 *   completed   Set of the JSON Pointers of the fields that are final
 *   toolCalls   Map call_id -> {call_id, name, arguments, status: progress | ready | rejected}
 *   refusal     the refusal text so far;  reason: the terminal event's code
 *   lastEventId the id of the last event applied
 */
export class RelayClient {
  constructor(url, options = {}) {
    this.url = url;
    this.cancelUrl = options.cancelUrl ?? `${url.replace(/\/$/, "")}/cancel`;
    this.onChange = options.onChange ?? (() => {});
    this.onEvent = options.onEvent ?? (() => {});
    this.retry = options.retry ?? 500;
    this.maxRetry = options.maxRetry ?? 10000;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.state = {
      status: "connecting",
      value: null,
      completed: new Set(),
      toolCalls: new Map(),
      refusal: "",
      reason: null,
      lastEventId: options.lastEventId ?? null,
    };
    this.connections = 0;
    this._abort = null;
    this._closed = false;
  }

  get done() {
    return TERMINAL.has(this.state.status);
  }

  /** "pending", "streaming" or "complete": where the field at `pointer` stands. */
  status(pointer) {
    const state = this.state;
    if (state.status === "completed") return "complete";
    // complete if it, or a value that holds it, completed
    for (let at = pointer; ; at = at.slice(0, at.lastIndexOf("/"))) {
      if (state.completed.has(at)) return "complete";
      if (at === "") break;
    }
    const value = resolvePointer(state.value, pointer);
    // a typed view shows fields that have not arrived as null: a null that arrived completes at once
    return value === undefined || value === null ? "pending" : "streaming";
  }

  /** Read the stream until its terminal event, reconnecting as needed. */
  async start() {
    let wait = this.retry;
    while (!this._closed && !this.done) {
      this._abort = new AbortController();
      const headers = { Accept: "text/event-stream" };
      if (this.state.lastEventId !== null) headers["Last-Event-ID"] = this.state.lastEventId;
      try {
        const response = await this.fetch(this.url, { headers, signal: this._abort.signal });
        if (response.status === 404) {
          this._end("failed", "unknown_stream");
          return this.state;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.connections += 1;
        for await (const message of readEvents(response.body)) {
          this._apply(message);
          wait = this.retry;
          if (this.done) break;
        }
      } catch (error) {
        if (this._closed) break;
      }
      if (!this._closed && !this.done) {
        // the connection dropped: resume from the last event id after a pause
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, this.maxRetry);
      }
    }
    return this.state;
  }

  /** Stop reading (the server cancels upstream once no reader is left). */
  close() {
    this._closed = true;
    if (this._abort) this._abort.abort();
  }

  /** Ask the server to cancel the upstream call now (the Stop button). */
  async cancel() {
    const response = await this.fetch(this.cancelUrl, { method: "POST" });
    return response.ok;
  }

  _apply(message) {
    const state = this.state;
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return; // not ours
    }
    switch (message.event) {
      case "started":
        state.status = "streaming";
        break;
      case "patch":
        state.status = "streaming";
        state.value = applyPatch(state.value, data);
        break;
      case "snapshot":
        state.status = "streaming";
        state.value = data.value;
        state.completed = new Set(data.completed ?? []);
        state.toolCalls = new Map((data.tool_calls ?? []).map((call) => [call.call_id, call]));
        state.refusal = data.refusal ?? "";
        break;
      case "field_completed":
        if ((data.choice ?? 0) === 0) state.completed.add(data.path);
        break;
      case "refusal":
        state.refusal += data.delta ?? "";
        break;
      case "tool_call_progress":
      case "tool_call_ready":
      case "tool_call_rejected": {
        const previous = state.toolCalls.get(data.call_id) ?? {};
        const status = message.event.slice("tool_call_".length);
        state.toolCalls.set(data.call_id, { ...previous, ...data, status });
        break;
      }
      default:
        if (!TERMINAL.has(message.event)) return; // an event this client does not know
        if (message.event === "completed") state.value = data.value;
        this._end(message.event, data.reason ?? null);
    }
    if (message.id !== null) state.lastEventId = message.id;
    this.onEvent(message.event, data, state);
    this.onChange(state, message.event);
  }

  _end(status, reason) {
    this.state.status = status;
    this.state.reason = reason;
  }
}

/** Start following a relayed response: `new RelayClient(url, options)`, started. */
export function connect(url, options = {}) {
  const client = new RelayClient(url, options);
  client.finished = client.start();
  return client;
}
