/** Entry point of one DVMS agent, bundled into one file (bundle.ts): `node dvms-agent.mjs --node N --listen ADDR --port P --control-port C --log FILE`. */
import { parseArgs } from "node:util";
import { UsageError } from "../../../engine/errors.ts";
import { runAgentProcess } from "./agent-process.ts";

function port(text: string | undefined, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${what} must be a TCP port, got '${text}'`);
  return n;
}

try {
  const { values } = parseArgs({
    options: {
      node: { type: "string" },
      listen: { type: "string" },
      port: { type: "string" },
      "control-port": { type: "string" },
      log: { type: "string" },
    },
    strict: true,
  });
  if (!values.node || !values.listen || !values.log) throw new UsageError("--node, --listen, --port, --control-port and --log are required");
  runAgentProcess({
    node: values.node,
    listen: values.listen,
    port: port(values.port, "--port"),
    controlPort: port(values["control-port"], "--control-port"),
    logFile: values.log,
  });
} catch (error) {
  process.stderr.write(`dvms agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
}
