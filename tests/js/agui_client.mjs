// Feeds relayed AG-UI bytes to the official client: @ag-ui/client's HttpAgent (SSE parsing, event
// verification, state and message application with fast-json-patch), and checks every event
// against @ag-ui/core's schemas and every STATE_DELTA with fast-json-patch's validator.
// Input (argv[2]): a JSON list of {name, file, threadId, runId}. Output (stdout): JSON results.
import { readFileSync } from "node:fs";
import { HttpAgent } from "@ag-ui/client";
import { EventSchemas } from "@ag-ui/core/schemas";
import fjp from "fast-json-patch";

function sseData(text) {
  const out = [];
  for (const block of text.split("\n\n")) {
    const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
    if (data.length) out.push(data.join("\n"));
  }
  return out;
}

function validate(text) {
  const problems = [];
  let state;
  let types = [];
  for (const data of sseData(text)) {
    const parsed = EventSchemas.safeParse(JSON.parse(data));
    if (!parsed.success) { problems.push(`schema: ${parsed.error.message.slice(0, 300)}`); continue; }
    const event = parsed.data;
    types.push(event.type);
    if (event.type === "STATE_SNAPSHOT") state = structuredClone(event.snapshot);
    if (event.type === "STATE_DELTA") {
      const error = fjp.validate(event.delta, state);
      if (error) { problems.push(`patch: ${error.name} ${error.message.slice(0, 200)}`); continue; }
      state = fjp.applyPatch(state, event.delta, true, false).newDocument;
    }
  }
  return { problems, state, types };
}

async function runCase(c) {
  const bytes = readFileSync(c.file);
  const warnings = [];
  const original = { warn: console.warn, error: console.error };
  console.warn = (...a) => warnings.push(a.map(String).join(" ").slice(0, 300));
  console.error = (...a) => warnings.push(a.map(String).join(" ").slice(0, 300));
  const agent = new HttpAgent({
    url: "http://relay.invalid/agent",
    threadId: c.threadId,
    fetch: async () => new Response(bytes, { status: 200, headers: { "content-type": "text/event-stream" } }),
  });
  let runError = null;
  let failure = null;
  let pending = null;
  const custom = [];
  try {
    await agent.runAgent({ runId: c.runId }, {
      onRunErrorEvent: ({ event }) => { runError = { message: event.message, code: event.code }; },
      onRunFinishedEvent: (params) => { pending = params.pendingToolCallIds ?? null; },
      onCustomEvent: ({ event }) => { custom.push({ name: event.name, value: event.value }); },
    });
  } catch (e) {
    failure = String(e && e.message ? e.message : e).slice(0, 300);
  } finally {
    console.warn = original.warn;
    console.error = original.error;
  }
  const checked = validate(bytes.toString("utf8"));
  return {
    name: c.name,
    state: agent.state,
    messages: agent.messages,
    runError,
    failure,
    pending,
    custom,
    warnings,
    problems: checked.problems,
    validatedState: checked.state === undefined ? null : checked.state,
    types: checked.types,
  };
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const c of cases) results.push(await runCase(c));
process.stdout.write(JSON.stringify(results));
