import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { gunzipSync } from "node:zlib";
import { UsageError } from "../../../engine/errors.ts";
import { catalogue } from "../constraints/catalogue.ts";
import type { ParseContext } from "../constraints/constraint.ts";
import { ProblemBuilder } from "../model/builder.ts";
import type { Problem } from "../model/problem.ts";

type Json = Record<string, unknown>;

const OBJECTIVES = new Set(["minimizeMTTR"]);

/** Reads a BtrPlace JSON instance (`.json` or gzip-compressed); bad or unsupported input is a one-line UsageError. */
export async function readInstanceFile(path: string): Promise<Problem> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read instance '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const name = basename(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw new UsageError(`instance '${name}': corrupt gzip data`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw new UsageError(`instance '${name}': not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  return parseInstance(json, name);
}

/** Builds a Problem from a parsed BtrPlace instance; `name` prefixes error messages. */
export function parseInstance(json: unknown, name = "instance"): Problem {
  const fail = (what: string): never => {
    throw new UsageError(`instance '${name}': ${what}`);
  };
  const root = object(json, "the document", fail);
  const model = object(root.model, "'model'", fail);
  const mapping = object(model.mapping, "'model.mapping'", fail);
  const attributes = model.attributes === undefined ? {} : object(model.attributes, "'model.attributes'", fail);
  const nodeAttrs = attributes.nodes === undefined ? {} : object(attributes.nodes, "'model.attributes.nodes'", fail);
  const vmAttrs = attributes.vms === undefined ? {} : object(attributes.vms, "'model.attributes.vms'", fail);
  const views = model.views === undefined ? [] : array(model.views, "'model.views'", fail);
  const resources = views.map((v, i) => object(v, `view #${i}`, fail)).filter((v) => v.id === "shareableResource");
  for (const v of resources) if (typeof v.rcId !== "string") fail("a shareableResource view has no string 'rcId'");

  const objective = root.objective === undefined ? undefined : object(root.objective, "'objective'", fail).id;
  if (objective !== undefined && !OBJECTIVES.has(String(objective))) fail(`unsupported objective '${String(objective)}'`);

  const b = new ProblemBuilder();
  const capacities = (id: string): Record<string, number> =>
    Object.fromEntries(resources.map((v) => [String(v.rcId), amount(object(v.nodes ?? {}, "view nodes", fail)[id] ?? v.defCapacity, fail)]));
  const demands = (id: string): Record<string, number> =>
    Object.fromEntries(resources.map((v) => [String(v.rcId), amount(object(v.vms ?? {}, "view vms", fail)[id] ?? v.defConsumption, fail)]));
  const seconds = (attrs: unknown, key: string): number | undefined => {
    const x = (attrs as Json | undefined)?.[key];
    return typeof x === "number" && x > 0 ? x : undefined;
  };
  const addNode = (id: string, online: boolean): void => {
    if (b.hasNode(id)) fail(`node '${id}' appears twice in the mapping`);
    const a = nodeAttrs[id];
    b.node(id, { online, capacity: capacities(id), bootSeconds: seconds(a, "boot"), shutdownSeconds: seconds(a, "shutdown") });
  };
  const addVm = (id: string, status: "running" | "sleeping" | "ready", host?: string): void => {
    if (b.hasVm(id)) fail(`VM '${id}' appears twice in the mapping`);
    const a = vmAttrs[id];
    b.vm(id, {
      status,
      host,
      demand: demands(id),
      migrateSeconds: seconds(a, "migrate"),
      bootSeconds: seconds(a, "boot"),
      shutdownSeconds: seconds(a, "shutdown"),
    });
  };

  const online = object(mapping.onlineNodes ?? {}, "'mapping.onlineNodes'", fail);
  for (const id of Object.keys(online)) addNode(id, true);
  for (const id of array(mapping.offlineNodes ?? [], "'mapping.offlineNodes'", fail)) addNode(String(id), false);
  for (const [id, content] of Object.entries(online)) {
    const c = object(content, `the content of node '${id}'`, fail);
    for (const vm of array(c.runningVMs ?? [], `runningVMs of node '${id}'`, fail)) addVm(String(vm), "running", id);
    for (const vm of array(c.sleepingVMs ?? [], `sleepingVMs of node '${id}'`, fail)) addVm(String(vm), "sleeping", id);
  }
  for (const vm of array(mapping.readyVMs ?? [], "'mapping.readyVMs'", fail)) addVm(String(vm), "ready");

  array(root.constraints ?? [], "'constraints'", fail).forEach((raw, i) => {
    const c = object(raw, `constraint #${i}`, fail);
    const kind = catalogue.get(String(c.id));
    if (!kind) fail(`unsupported constraint '${String(c.id)}' (#${i}; supported: ${[...catalogue.keys()].join(", ")})`);
    b.constrain((kind as NonNullable<typeof kind>).parse(parseContext(b, c, (what) => fail(`constraint #${i} (${String(c.id)}): ${what}`))));
  });
  return b.build();
}

function parseContext(b: ProblemBuilder, c: Json, fail: (what: string) => never): ParseContext {
  const field = (f: string): unknown => (c[f] === undefined ? fail(`missing '${f}'`) : c[f]);
  const list = (f: string, x: unknown = field(f)): unknown[] => (Array.isArray(x) ? x : fail(`'${f}' must be an array`));
  const vm = (x: unknown): number => (b.hasVm(String(x)) ? b.vmIndex(String(x)) : fail(`unknown VM '${String(x)}'`));
  const node = (x: unknown): number => (b.hasNode(String(x)) ? b.nodeIndex(String(x)) : fail(`unknown node '${String(x)}'`));
  return {
    vm: (f) => vm(field(f)),
    vms: (f) => list(f).map(vm),
    node: (f) => node(field(f)),
    nodes: (f) => list(f).map(node),
    vmGroups: (f) => list(f).map((g) => list(f, g).map(vm)),
    nodeGroups: (f) => list(f).map((g) => list(f, g).map(node)),
    rc: (f) => {
      const rc = field(f);
      if (typeof rc !== "string") fail(`'${f}' must be a string`);
      b.resource(rc as string);
      return rc as string;
    },
    number: (f) => {
      const x = field(f);
      return typeof x === "number" && Number.isFinite(x) ? x : fail(`'${f}' must be a number`);
    },
    continuous: () => c.continuous === true,
  };
}

function object(x: unknown, what: string, fail: (what: string) => never): Json {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Json) : fail(`${what} must be an object`);
}

function array(x: unknown, what: string, fail: (what: string) => never): unknown[] {
  return Array.isArray(x) ? x : fail(`${what} must be an array`);
}

function amount(x: unknown, fail: (what: string) => never): number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : fail(`resource amounts must be non-negative numbers, got ${JSON.stringify(x)}`);
}
