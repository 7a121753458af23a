import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { listLocalLeftovers, setupLocalTestbed, teardownLocalTestbed } from "../../plugins/local/index.ts";

describe("g5k-flow testbed down local", () => {
  it("removes everything a killed run left: qemu, libvirtd, sshd, namespaces, bridges, state", async () => {
    await setupLocalTestbed();
    const child = execa("node", ["--import", "tsx", "test/local/fixtures/crash-run.ts"], { reject: false, buffer: false });
    const prefix = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /READY (\w+)/.exec(out);
        if (m) resolve(m[1]);
      });
      void child.then((r) => reject(new Error(`crash-run ended before READY: ${r.stderr}`)));
    });
    // SIGKILL: no release, no handler; the whole process tree of the run dies with it.
    child.kill("SIGKILL");
    await child;
    const left = await listLocalLeftovers();
    expect(left.pools[prefix]?.namespaces.length).toBe(2);
    expect(left.pools[prefix]?.links).toContain(`${prefix}-vb`);
    expect(left.pools[prefix]?.processes.length).toBe(2); // the two sshds
    expect(left.libvirtd).toHaveLength(2);
    expect(left.qemu).toHaveLength(1);

    const found = await teardownLocalTestbed();
    expect(found.qemu).toEqual(left.qemu);
    expect(await listLocalLeftovers()).toEqual({ pools: {}, libvirtd: [], qemu: [], stateDirs: [] });
    const namespaces = (await execa("ip", ["netns", "list"])).stdout;
    expect(namespaces).not.toContain(`${prefix}-`);
  }, 300_000);
});
