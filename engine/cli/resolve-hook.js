// Module resolution hook: `import ... from "g5k-flow"` in a workflow always
// means this engine, wherever the file sits (an archived copy in /tmp, say).
const engine = new URL("../index.ts", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === "g5k-flow" ? engine : specifier, context);
}
