import { homedir } from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { UsageError } from "../../engine/errors.ts";
import { parseInventory, parseSshOptions, sshTestbed } from "../../plugins/ssh/index.ts";

const parse = (doc: unknown) => parseInventory(stringify(doc), "hosts.yaml");
const error = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("no error");
};

describe("ssh inventory", () => {
  it("resolves defaults, jump chains, labels and capacities", () => {
    const inv = parse({
      defaults: { user: "jdoe", keyFile: "~/.ssh/id_ed25519", jump: "inner" },
      gateways: [
        { name: "outer", address: "bastion.example.org", port: 2222 },
        { name: "inner", address: "10.0.0.1", user: "root", jump: "outer" },
      ],
      hosts: [
        { name: "node-1", address: "10.0.1.1", labels: { rack: "a" }, capacity: { cores: 16, memoryMiB: 65536 } },
        { name: "node_2.lab", address: "fe80::1", user: "root", port: 22022, keyFile: "/keys/k" },
      ],
    });
    expect(inv.hosts[0]).toEqual({
      name: "node-1", address: "10.0.1.1", port: 22, user: "jdoe", keyFile: `${homedir()}/.ssh/id_ed25519`, labels: { rack: "a" },
      capacity: { cores: 16, memoryMiB: 65536 },
      jump: {
        name: "inner", address: "10.0.0.1", port: 22, user: "root", keyFile: `${homedir()}/.ssh/id_ed25519`, labels: { role: "gateway" },
        jump: { name: "outer", address: "bastion.example.org", port: 2222, user: "jdoe", keyFile: `${homedir()}/.ssh/id_ed25519`, labels: { role: "gateway" } },
      },
    });
    expect(inv.hosts[1]).toMatchObject({ name: "node_2.lab", address: "fe80::1", port: 22022, user: "root", keyFile: "/keys/k", jump: { name: "inner" } });
  });

  it("accepts every name of letters, digits, '.', '_' and '-' starting with a letter or digit", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/), (name) => {
        expect(parse({ hosts: [{ name, address: "h" }] }).hosts[0]!.name).toBe(name);
      }),
      { seed: 9, numRuns: 200 },
    );
  });

  it("refuses, in one line, any host name holding another character (shell metacharacters included)", () => {
    const outside = fc.constantFrom(..." ;|&$`'\"\\<>(){}*?!#~=%\n\t\r/,:@+".split(""));
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), outside, fc.string({ maxLength: 8 }), (before, bad, after) => {
        const message = error(() => parse({ hosts: [{ name: `a${before}${bad}${after}`, address: "h" }] }));
        expect(message).toMatch(/^ssh inventory hosts\.yaml: hosts\[0\]\.name: letters, digits/);
        expect(message).not.toContain("\n");
      }),
      { seed: 10, numRuns: 300 },
    );
  });

  it("names what is wrong: YAML, unknown keys, missing or cyclic jumps, duplicates, no hosts", () => {
    expect(error(() => parseInventory("hosts: [\n", "x.yaml"))).toMatch(/^ssh inventory x\.yaml: not valid YAML: /);
    expect(error(() => parse({ hosts: [{ name: "a", address: "h" }], extra: 1 }))).toBe('ssh inventory hosts.yaml: top level: Unrecognized key: "extra"');
    expect(error(() => parse({ hosts: [{ name: "a", address: "h", pasword: "x" }] }))).toBe('ssh inventory hosts.yaml: hosts[0]: Unrecognized key: "pasword"');
    expect(error(() => parse({ hosts: [{ name: "a", address: "h", jump: "gw" }] }))).toBe("ssh inventory hosts.yaml: a: jump host 'gw' is not in gateways");
    expect(error(() => parse({ gateways: [{ name: "g1", address: "x", jump: "g2" }, { name: "g2", address: "y", jump: "g1" }], hosts: [{ name: "a", address: "h", jump: "g1" }] }))).toBe(
      "ssh inventory hosts.yaml: gateways jump in a cycle: a -> g1 -> g2 -> g1",
    );
    expect(error(() => parse({ hosts: [{ name: "a", address: "h" }, { name: "a", address: "i" }] }))).toBe("ssh inventory hosts.yaml: the name 'a' is used twice");
    expect(error(() => parse({ hosts: [] }))).toBe("ssh inventory hosts.yaml: hosts: at least one host");
    expect(error(() => parse({ hosts: [{ name: "a", address: "h", port: 70000 }] }))).toMatch(/^ssh inventory hosts\.yaml: hosts\[0\]\.port: .* \(got 70000\)$/);
    expect(error(() => parse({ hosts: [{ name: "a", address: "h", labels: { rack: "a\nb" } }] }))).toMatch(/hosts\[0\]\.labels\.rack: a label without control characters \(got "a\\nb"\)$/);
  });

  it("checks options and the inventory file before a run: validateOptions throws UsageError", () => {
    expect(error(() => parseSshOptions({}))).toMatch(/^ssh testbed option 'inventory': required: --testbed-opt inventory=hosts\.yaml/);
    expect(error(() => parseSshOptions({ inventory: "x", colour: "blue" }))).toMatch(/^ssh testbed option 'colour': Unrecognized key/);
    expect(error(() => parseSshOptions({ inventory: "x", accel: "fast" }))).toMatch(/^ssh testbed option 'accel'/);
    expect(error(() => sshTestbed.validateOptions!({ inventory: "/nonexistent/hosts.yaml" }))).toBe("ssh inventory /nonexistent/hosts.yaml: no such file");
    expect(parseSshOptions({ inventory: "x", guestSubnet: "10.158.0.0/22", retries: "2" })).toMatchObject({ retries: 2, guestSubnet: "10.158.0.0/22", accel: "kvm", imageDir: "/var/tmp/g5k-flow" });
  });
});
