/**
 * Brings the Grid'5000 stand-in up on this machine, with `--nodes N` bare
 * namespaced nodes behind a namespaced access gateway (test/g5k/namespaced.ts),
 * and prints the `--testbed-opt` flags that point a g5k run at it. Ctrl-C
 * (or SIGTERM) takes everything down. Needs root and the local testbed's
 * packages: `npm run standin:g5k -- --nodes 4`.
 */
import { parseArgs } from "node:util";
import { namespacedG5k } from "../namespaced.ts";

const { values } = parseArgs({ options: { nodes: { type: "string", default: "4" }, cluster: { type: "string", default: "paravance" } } });
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) {
  process.stderr.write(`standin: --nodes must be a whole number in 1..64, got '${values.nodes}'\n`);
  process.exit(2);
}
const env = await namespacedG5k(nodes, "rennes", values.cluster);
const flags = Object.entries(env.options).map(([k, v]) => `--testbed-opt ${k}=${v}`).join(" ");
process.stdout.write(`stand-in up: ${env.standin.apiUrl}, ${nodes} bare node(s) (${env.fqdns.join(", ")}) behind ${env.gateway.address}\n`);
process.stdout.write(`run against it with: --testbed g5k ${flags}\n`);
process.stdout.write("Ctrl-C to take it down\n");
let closing = false;
const stop = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await env.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
// Keeps the process (and the stand-in's HTTP server) alive until a signal.
setInterval(() => undefined, 1 << 30);
