// Feeds relayed UI message stream bytes to the `ai` package's own reader, as useChat's
// DefaultChatTransport does: parseJsonEventStream with uiMessageChunkSchema (every chunk
// validated), then readUIMessageStream (the message built part by part). Text-mode cases check
// the useObject text with parsePartialJson after every chunk.
// Input (argv[2]): a JSON list of {name, file, mode}. Output (stdout): JSON results.
import { readFileSync } from "node:fs";
import { parseJsonEventStream, parsePartialJson, readUIMessageStream, uiMessageChunkSchema } from "ai";

async function uiCase(c) {
  const bytes = readFileSync(c.file);
  const errors = [];
  const chunkTypes = [];
  const transient = [];
  const stream = parseJsonEventStream({ stream: new Response(bytes).body, schema: uiMessageChunkSchema })
    .pipeThrough(new TransformStream({
      transform(chunk, controller) {
        if (!chunk.success) throw chunk.error;
        chunkTypes.push(chunk.value.type);
        if (chunk.value.transient) transient.push(chunk.value);
        controller.enqueue(chunk.value);
      },
    }));
  let message = null;
  try {
    for await (const m of readUIMessageStream({ stream, onError: (e) => errors.push({ name: e?.name ?? "Error", message: String(e?.message ?? e).slice(0, 300) }) })) {
      message = m;
    }
  } catch (e) {
    errors.push({ name: "thrown:" + (e?.name ?? "Error"), message: String(e?.message ?? e).slice(0, 300) });
  }
  return { name: c.name, message, errors, chunkTypes, transient };
}

async function textCase(c) {
  const bytes = readFileSync(c.file);
  const pieces = JSON.parse(readFileSync(c.pieces, "utf8"));
  const decoder = new TextDecoder();
  let text = "";
  const states = [];
  for (const piece of pieces) {
    text += decoder.decode(Buffer.from(piece, "base64"), { stream: true });
    const partial = await parsePartialJson(text);
    states.push(partial.state);
  }
  text += decoder.decode();
  const whole = decoder.decode(bytes);
  const final = await parsePartialJson(text);
  return { name: c.name, text, sameAsFile: whole === text, finalState: final.state, value: final.value ?? null, states };
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const c of cases) results.push(c.mode === "text" ? await textCase(c) : await uiCase(c));
process.stdout.write(JSON.stringify(results));
