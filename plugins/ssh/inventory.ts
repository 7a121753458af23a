import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { parse } from "yaml";
import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";
import type { Host, NodeCapacity } from "../../engine/hosts.ts";

/**
 * The ssh testbed's inventory: a YAML file of reachable machines (README.md).
 * Everything in it is checked before a run starts; names are strict because
 * they become file names in the archive and values substituted into
 * commands (as quoted arguments, never through a shell, but still).
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const name = z.string().regex(NAME, "letters, digits, '.', '_' or '-' (starting with a letter or digit)");
const address = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/, "an IP address or a host name");
const user = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, "a user name");
// A path is only ever opened, never run; control characters are refused so error messages stay one line.
const path = z.string().min(1).regex(/^[^\p{Cc}]+$/u, "a file path without control characters");
const port = z.number().int().min(1).max(65535);

const connection = {
  user: user.optional(),
  port: port.optional(),
  /** Private key file (`~/` is the home directory); its content is never read into the archive. */
  keyFile: path.optional(),
};

const gatewaySchema = z.object({ name, address, ...connection, jump: name.optional() }).strict();

const hostSchema = z
  .object({
    name,
    address,
    ...connection,
    /** A gateway's name: the host is reached through it (ssh -J). */
    jump: name.optional(),
    labels: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9._-]{0,62}$/, "a label key"), z.string().max(200).regex(/^[^\p{Cc}]*$/u, "a label without control characters")).optional(),
    /** What the host offers to VMs; read from the host (nproc, /proc/meminfo) when absent. */
    capacity: z.object({ cores: z.number().positive(), memoryMiB: z.number().int().positive() }).strict().optional(),
  })
  .strict();

const inventorySchema = z
  .object({
    defaults: z.object({ ...connection, jump: name.optional() }).strict().optional(),
    gateways: z.array(gatewaySchema).optional(),
    hosts: z.array(hostSchema).min(1, "at least one host"),
  })
  .strict();

export interface InventoryHost extends Host {
  readonly capacity?: NodeCapacity;
}

export interface Inventory {
  readonly file: string;
  readonly hosts: readonly InventoryHost[];
}

const expandHome = (p: string | undefined): string | undefined => (p?.startsWith("~/") ? `${homedir()}${p.slice(1)}` : p);

/** The value at a zod issue's path in the raw document, quoted and cut, for the error line. */
function shown(doc: unknown, at: readonly PropertyKey[]): string {
  let v: unknown = doc;
  for (const k of at) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  if (v === undefined || (typeof v === "object" && v !== null)) return "";
  const text = JSON.stringify(v);
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}..."` : text})`;
}

function pathText(at: readonly PropertyKey[]): string {
  return at.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i ? "." : ""}${String(k)}`)).join("") || "top level";
}

export function parseInventory(text: string, file: string): Inventory {
  const fail = (why: string): never => {
    throw new UsageError(`ssh inventory ${file}: ${why}`);
  };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    // yaml's message is the reason, then a colon and an excerpt of the file: keep the reason.
    fail(`not valid YAML: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]!.replace(/:\s*$/, "")}`);
  }
  const parsed = inventorySchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`${pathText(issue.path)}: ${issue.message.split("\n")[0]}${shown(doc, issue.path)}`);
  }
  const { defaults = {}, gateways = [], hosts } = parsed.data!;
  const seen = new Set<string>();
  for (const h of [...gateways, ...hosts]) {
    if (seen.has(h.name)) fail(`the name '${h.name}' is used twice`);
    seen.add(h.name);
  }
  const gatewayByName = new Map(gateways.map((g) => [g.name, g]));
  const base = (h: { name: string; address: string; user?: string; port?: number; keyFile?: string }): Host => {
    const keyFile = expandHome(h.keyFile ?? defaults.keyFile);
    const u = h.user ?? defaults.user;
    return { name: h.name, address: h.address, port: h.port ?? defaults.port ?? 22, ...(u ? { user: u } : {}), ...(keyFile ? { keyFile } : {}) };
  };
  const resolveGateway = (gw: string, chain: readonly string[]): Host => {
    const g = gatewayByName.get(gw);
    if (!g) return fail(`${chain.at(-1)}: jump host '${gw}' is not in gateways`);
    if (chain.includes(gw)) fail(`gateways jump in a cycle: ${[...chain, gw].join(" -> ")}`);
    return { ...base(g), labels: { role: "gateway" }, ...(g.jump ? { jump: resolveGateway(g.jump, [...chain, gw]) } : {}) };
  };
  return {
    file,
    hosts: hosts.map((h): InventoryHost => {
      const jump = h.jump ?? defaults.jump;
      return {
        ...base(h),
        labels: { ...h.labels },
        ...(jump ? { jump: resolveGateway(jump, [h.name]) } : {}),
        ...(h.capacity ? { capacity: h.capacity } : {}),
      };
    }),
  };
}

export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`ssh inventory ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message.split("\n")[0]}`);
  }
  return parseInventory(text, file);
}
