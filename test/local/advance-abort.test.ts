/** Ctrl-C during a `schedule` step on a wall-clock testbed: time stops passing with the abort, so the step ends interrupted, not ok. */
import { describe, expect, it } from "vitest";
import { SshRunner } from "../../engine/process/index.ts";
import { LibvirtVmRuntime, libvirtOptions, libvirtOptionShape } from "../../plugins/libvirt/index.ts";
import { z } from "zod";
import { recordingContext } from "./step-context.ts";

describe("libvirt runtime: advance under Ctrl-C", () => {
  it("rejects with the abort at once instead of returning as if the time had passed", async () => {
    const runner = new SshRunner();
    const runtime = new LibvirtVmRuntime({ nodes: [], runner, options: libvirtOptions(z.object(libvirtOptionShape).parse({})), prefixLength: 24, log: () => undefined });
    const stop = new AbortController();
    const ctx = { ...recordingContext("schedule:dvms"), signal: stop.signal };
    const t0 = Date.now();
    setTimeout(() => stop.abort(), 200);
    await expect(runtime.advance(60, ctx)).rejects.toThrow(/abort/i);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await runtime.close();
    await runner.close();
  });
});
