import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";
import type { Host } from "../../engine/hosts.ts";

/** The access gateway from `[user@]host[:port]` (the option is validated by options.ts); `user` defaults to the Grid'5000 login. */
export function gatewayHost(spec: string, defaultUser: string | undefined, keyFile: string | undefined): Host {
  const at = spec.lastIndexOf("@");
  const user = at >= 0 ? spec.slice(0, at) : defaultUser;
  const [address = "", port] = spec.slice(at + 1).split(":");
  return {
    name: address,
    address,
    ...(user ? { user } : {}),
    ...(port ? { port: Number(port) } : {}),
    ...(keyFile ? { keyFile } : {}),
    labels: { role: "gateway" },
  };
}

const addressFile = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, "a node FQDN"),
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, "an IP address or host name"),
);

/** `addresses=FILE`: node FQDN -> address to connect to, for nodes not reachable by their FQDN. */
export function readNodeAddresses(file: string): Readonly<Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`g5k: addresses file ${file}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
  }
  const parsed = addressFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`g5k: addresses file ${file}: ${issue.path.map(String).join(".") || "top level"}: ${issue.message}`);
  }
  return parsed.data;
}
