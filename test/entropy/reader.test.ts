import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { entropySolver, readInstanceFile } from "../../plugins/entropy/index.ts";
import { tinyInstance } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "entropy-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function usageError(path: string): Promise<string> {
  const e = await entropySolver.solveInstanceFile(path, { timeLimitSeconds: 5 }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  const message = (e as Error).message;
  expect(message).not.toContain("\n");
  return message;
}

const valid = tinyInstance({ n1: { cpu: 4, mem: 8 }, n2: { cpu: 4, mem: 8 } }, { a: { node: "n1" }, b: { state: "ready" } }, [
  { id: "running", vm: "b" },
]);
const variant = (edit: (j: any) => void): string => {
  const j = structuredClone(valid);
  edit(j);
  return JSON.stringify(j);
};

describe("BtrPlace instance reader", () => {
  it("reads plain and gzip-compressed JSON alike", async () => {
    const plain = await readInstanceFile(file("ok.json", JSON.stringify(valid)));
    const gz = await readInstanceFile(file("ok.json.gz", gzipSync(JSON.stringify(valid))));
    expect(plain.nodes).toEqual(["n1", "n2"]);
    expect(plain.vms).toEqual(["a", "b"]);
    expect(plain.vmStatus).toEqual(["running", "ready"]);
    expect(gz.vms).toEqual(plain.vms);
    expect([...gz.capacity[0]]).toEqual([4, 4]);
  });

  const bad: [string, string | Buffer, RegExp][] = [
    ["not JSON", "{ nope", /not valid JSON/],
    ["corrupt gzip", Buffer.from([0x1f, 0x8b, 1, 2, 3]), /corrupt gzip/],
    ["no model", "{}", /'model' must be an object/],
    ["no mapping", JSON.stringify({ model: {} }), /'model.mapping' must be an object/],
    ["unsupported constraint", variant((j) => j.constraints.push({ id: "teleport", vm: "a" })), /unsupported constraint 'teleport'/],
    ["unknown VM", variant((j) => j.constraints.push({ id: "root", vm: "zz" })), /constraint #1 \(root\): unknown VM 'zz'/],
    ["unknown node", variant((j) => j.constraints.push({ id: "offline", node: 99 })), /unknown node '99'/],
    ["missing field", variant((j) => j.constraints.push({ id: "ban", vms: ["a"] })), /constraint #1 \(ban\): missing 'nodes'/],
    ["bad amount", variant((j) => (j.model.views[0].nodes.n1 = "lots")), /non-negative numbers/],
    ["duplicate VM", variant((j) => j.model.mapping.onlineNodes.n2.runningVMs.push("a")), /VM 'a' appears twice/],
    ["unsupported objective", variant((j) => (j.objective = { id: "maximizeFun" })), /unsupported objective 'maximizeFun'/],
  ];
  for (const [what, content, message] of bad) {
    it(`${what}: one-line UsageError`, async () => {
      expect(await usageError(file(`${what.replace(/ /g, "-")}.json`, content))).toMatch(message);
    });
  }

  it("a missing file is a UsageError naming the path", async () => {
    expect(await usageError(join(dir, "absent.json"))).toMatch(/cannot read instance '.*absent.json': ENOENT/);
  });
});
