/** Entry point of one DVMS agent process: `node --import tsx agent-main.ts --node N --controller HOST:PORT [--listen HOST]`. */
import { parseArgs } from "node:util";
import { UsageError } from "../../../engine/errors.ts";
import { runAgentProcess } from "./agent-process.ts";

function parseAddress(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--controller must be HOST:PORT, got '${text}'`);
  }
  return { host: text.slice(0, colon), port };
}

try {
  const { values } = parseArgs({
    options: { node: { type: "string" }, controller: { type: "string" }, listen: { type: "string", default: "127.0.0.1" } },
    strict: true,
  });
  if (!values.node || !values.controller) throw new UsageError("--node and --controller are required");
  runAgentProcess({ node: values.node, controller: parseAddress(values.controller), listenHost: values.listen });
} catch (error) {
  process.stderr.write(`dvms agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
}
