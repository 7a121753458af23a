/**
 * The testbeds whose nodes run libvirtd share the VM runtime through
 * plugins/libvirt: no testbed depends on a sibling testbed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../engine/cli-helpers.ts";

/** Every plugin folder a plugin's files import from (relative imports only). */
function pluginImports(plugin: string): string[] {
  const root = join(ROOT, "plugins", plugin);
  const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const targets = files.flatMap((f) =>
    [...readFileSync(join(root, f), "utf8").matchAll(/^(?:import|export)[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => relative(join(ROOT, "plugins"), resolve(join(root, f), "..", m[1]!))),
  );
  return [...new Set(targets.filter((t) => !t.startsWith("..")).map((t) => t.split("/")[0]!))].filter((p) => p !== plugin).sort();
}

describe("plugin dependencies", () => {
  it("ssh uses libvirt (the VM runtime, guest addresses, forwarded steps), never g5k or local", () => {
    expect(pluginImports("ssh")).toEqual(["libvirt"]);
  });

  it("g5k uses libvirt for the same, and nothing of ssh or local", () => {
    expect(pluginImports("g5k")).toEqual(["libvirt"]);
  });

  it("local uses libvirt, and libvirt no testbed", () => {
    expect(pluginImports("local")).toEqual(["libvirt"]);
    expect(pluginImports("libvirt")).toEqual([]);
  });
});
