import { createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { execa } from "execa";
import { SshRunner, type SshPoolOptions } from "../../engine/process/index.ts";
import type { Host } from "../../engine/hosts.ts";
import { useHostPool } from "../support/hostpool.ts";

/**
 * Every wait of the SSH runner has an end, whatever the server does: the
 * local testbed's release once hung forever on a handshake whose jump
 * tunnel closed after the guest's banner (ssh2 then emits neither ready nor
 * error, and drops its own ready timeout).
 */
const pool = useHostPool(2, "gfbound");
const runners: SshRunner[] = [];
const servers: Server[] = [];
const frozen: number[] = [];
// Keepalives far off: only the runner's own bounds may end these waits.
const newRunner = (opts: SshPoolOptions = {}) => {
  const r = new SshRunner({ hostKeyPolicy: { mode: "insecure" }, keepaliveInterval: 600, ...opts });
  runners.push(r);
  return r;
};
afterEach(() => {
  for (const pid of frozen.splice(0)) process.kill(pid, "SIGCONT");
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
  servers.forEach((s) => s.close());
});

/** A TCP server on loopback that sends an SSH banner, then does what `then` says with the socket. */
async function bannerServer(then: (s: Socket) => void): Promise<{ port: number; connected: Promise<void> }> {
  let connected!: () => void;
  const seen = new Promise<void>((r) => (connected = r));
  const server = createServer((s) => {
    s.on("error", () => undefined);
    s.write("SSH-2.0-OpenSSH_9.2p1\r\n");
    connected();
    then(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as { port: number }).port, connected: seen };
}

/** Stops the sshd processes serving this host's connections (its listener keeps running): a server that no longer answers. */
async function freezeSessions(host: Host, listener: number): Promise<void> {
  const { stdout } = await execa("ip", ["netns", "pids", host.labels!.netns]);
  const pids = stdout.split("\n").filter(Boolean).map(Number).filter((p) => p !== listener);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  frozen.push(...pids);
}

describe("ssh runner bounds", () => {
  it("fails at once, in one line naming the host, when the server closes the connection after its banner", async () => {
    const { port } = await bannerServer((s) => setTimeout(() => s.end(), 200));
    const host: Host = { name: "closer", address: "127.0.0.1", port, keyFile: pool().keyFile };
    const t = Date.now();
    const r = await newRunner({ connectTimeout: 30 }).exec(host, 0, { argv: ["true"], timeout: 5 });
    expect([r.status, r.error]).toEqual(["unreachable", `ssh closer (127.0.0.1:${port}): connection closed during the handshake`]);
    expect(Date.now() - t).toBeLessThan(5000); // not the 30 s connect timeout
  }, 20_000);

  it("closes at once while a handshake stalls after the banner, and the command waiting on it fails then", async () => {
    const { port, connected } = await bannerServer(() => undefined);
    const host: Host = { name: "staller", address: "127.0.0.1", port, keyFile: pool().keyFile };
    const runner = newRunner({ connectTimeout: 30 });
    const run = runner.exec(host, 0, { argv: ["true"], timeout: 5 });
    await connected;
    const t = Date.now();
    await runner.close();
    expect(Date.now() - t).toBeLessThan(1000);
    const r = await run;
    expect(Date.now() - t).toBeLessThan(2000);
    expect([r.status, r.error]).toEqual(["unreachable", `ssh staller (127.0.0.1:${port}): the pool was closed while connecting`]);
  }, 20_000);

  it("gives up on a worker shell or session channel a frozen sshd never answers: after the command's time limit, or at once on abort", async () => {
    const { hosts, sshdPids } = pool();
    const runner = newRunner();
    expect((await runner.exec(hosts[0], 0, { argv: ["true"] })).status).toBe("ok"); // leaves an idle worker shell
    await freezeSessions(hosts[0], sshdPids.get(hosts[0].name)!);
    // 1 s limit + 1 s before KILL + 2 s grace, on the idle worker, then on an exec channel (a command with stdin).
    for (const [stdin, error] of [[undefined, "no answer from the worker shell within 4 s (server unresponsive)"], ["x", "no session channel within 4 s (server unresponsive)"]]) {
      const t = Date.now();
      const r = await runner.exec(hosts[0], 0, { argv: ["true"], timeout: 1, killAfter: 1, stdin });
      expect([r.status, r.error]).toEqual(["unreachable", error]);
      expect(Date.now() - t).toBeGreaterThanOrEqual(3900);
      expect(Date.now() - t).toBeLessThan(7000);
    }
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const a = Date.now();
    const stopped = await runner.exec(hosts[0], 0, { argv: ["true"], timeout: 60 }, ac.signal);
    expect([stopped.status, stopped.error]).toEqual(["failed", "aborted"]);
    expect(Date.now() - a).toBeLessThan(1500);
  }, 30_000);

  it("gives up on a tunnel a frozen jump host never opens, after the connect timeout", async () => {
    const { hosts, sshdPids } = pool();
    const runner = newRunner({ connectTimeout: 1 });
    expect((await runner.exec(hosts[1], 0, { argv: ["true"] })).status).toBe("ok");
    await freezeSessions(hosts[1], sshdPids.get(hosts[1].name)!);
    const t = Date.now();
    const r = await runner.exec({ ...hosts[0], jump: hosts[1] }, 0, { argv: ["true"], timeout: 5 });
    expect([r.status, r.error]).toEqual(["unreachable", `ssh ${hosts[0].name} via ${hosts[1].name}: no tunnel within 1 s`]);
    expect(Date.now() - t).toBeLessThan(3000);
  }, 30_000);
});
