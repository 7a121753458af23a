import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import { remote, SshRunner, TaktukRunner } from "../../engine/process/index.ts";
import { UsageError } from "../../engine/errors.ts";
import { useHostPool } from "../support/hostpool.ts";
import { killNamespace } from "../support/kill.ts";
import { matching, until } from "./procs.ts";

const pool = useHostPool(20, "gfssh");
const runners: SshRunner[] = [];
const newRunner = (...a: ConstructorParameters<typeof SshRunner>) => {
  const r = new SshRunner(...a);
  runners.push(r);
  return r;
};
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe("ssh runner on 20 namespaced sshd hosts", () => {
  it("runs a command on all hosts with per-host output and exit codes, then reuses the connections", async () => {
    const { hosts, knownHostsFile } = pool();
    const runner = newRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile } });
    const cmd = { argv: ["sh", "-c", 'hostname; echo "rank $1" >&2; exit $(($1 % 3))', "sh", "{{rank}}"], expectedExit: [0, 1] };
    const r = await remote(cmd, hosts, runner).run();
    expect(r.results.map((x) => x.stdout)).toEqual(hosts.map((h) => `${h.name}\n`));
    expect(r.results.map((x) => x.stderr)).toEqual(hosts.map((_, i) => `rank ${i}\n`));
    expect(r.results.map((x) => x.exitCode)).toEqual(hosts.map((_, i) => i % 3));
    expect(r.results.map((x) => x.status)).toEqual(hosts.map((_, i) => (i % 3 === 2 ? "failed" : "ok")));
    expect([r.started, r.ok, r.failed, r.timedOut]).toEqual([20, 14, 6, 0]);
    expect(runner.pool.opened).toBe(20);
    const again = await remote({ argv: ["true"] }, hosts, runner).run();
    expect(again.ok).toBe(20);
    expect(runner.pool.opened).toBe(20); // warm: no new connection
  }, 60_000);

  it("passes hosts and vars with shell metacharacters literally", async () => {
    const { hosts } = pool();
    const marker = `/tmp/gf-pwned-${process.pid}`;
    const evil = [`; rm -rf ${marker}.d; touch ${marker}`, `$(touch ${marker})`, "`touch " + marker + "`", "it's | > <"];
    const runner = newRunner();
    const named = hosts.slice(0, 4).map((h, i) => ({ ...h, name: evil[i] }));
    const r = await remote({ argv: ["printf", "%s|%s", "{{host}}", "{{v}}"], vars: { v: evil[1] } }, named, runner).run();
    expect(r.results.map((x) => x.stdout)).toEqual(evil.map((e) => `${e}|${evil[1]}`));
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  it("reports a host whose sshd dies mid-run as failed while the others succeed", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const victim = hosts[7];
    const action = remote({ argv: ["sh", "-c", "sleep 2; hostname"] }, hosts, runner).run();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await killNamespace(victim.labels!.netns)).toBeGreaterThan(0);
    const r = await action;
    const bad = r.results.filter((x) => x.status !== "ok");
    expect(bad.map((x) => x.host)).toEqual([victim.name]);
    expect(bad[0].error).toMatch(/connection closed|ssh/);
    expect(r.ok).toBe(19);
    // The next action cannot reach it and says so.
    const next = await remote({ argv: ["true"] }, [victim], runner).run();
    expect(next.results[0].status).toBe("unreachable");
  }, 60_000);

  it("times out remotely: TERM first, KILL when TERM is ignored", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const polite = await runner.exec(hosts[0], 0, { argv: ["sh", "-c", "trap 'echo term; exit 9' TERM; sleep 30 & wait"], timeout: 0.5, killAfter: 1 });
    expect(polite, JSON.stringify(polite)).toMatchObject({ status: "timed-out", stdout: "term\n" });
    expect(polite.end - polite.start).toBeLessThan(1400);
    const stubborn = await runner.exec(hosts[1], 1, { argv: ["sh", "-c", "trap '' TERM; sleep 30"], timeout: 0.5, killAfter: 0.7 });
    expect(stubborn, JSON.stringify(stubborn)).toMatchObject({ status: "timed-out" });
    expect(stubborn.end - stubborn.start).toBeGreaterThanOrEqual(1150);
    expect(stubborn.end - stubborn.start).toBeLessThan(5000);
    const quick = await runner.exec(hosts[2], 2, { argv: ["true"], timeout: 5 });
    expect(quick.status).toBe("ok");
  }, 30_000);

  it("stops the remote command's whole process group on abort: TERM, then KILL when TERM is ignored", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const netns = hosts[9].labels!.netns;
    for (const [i, script, killAfter] of [[0, 'sleep "$1" & wait', 5], [1, 'trap "" TERM; sleep "$1" & wait', 0.4]] as const) {
      const nap = `300.${process.pid}${i}`; // a unique sleep to find on the host
      const ac = new AbortController();
      const run = runner.exec(hosts[9], 0, { argv: ["sh", "-c", script, "sh", nap], killAfter }, ac.signal);
      await until("sh and sleep on the host", async () => (await matching(netns, nap)).length === 2);
      const t = Date.now();
      ac.abort();
      const r = await run;
      expect([r.status, r.error, r.stderr]).toEqual(["failed", "aborted", ""]);
      expect(r.signal).toBe(i === 0 ? "SIGTERM" : "SIGKILL");
      if (i === 1) expect(Date.now() - t).toBeGreaterThanOrEqual(400);
      await until(`the processes of run ${i} to be gone`, async () => (await matching(netns, nap)).length === 0, 3000);
    }
    // Already aborted: nothing is started.
    const marker = `/tmp/gf-never-${process.pid}`;
    const r = await runner.exec(hosts[9], 0, { argv: ["touch", marker] }, AbortSignal.abort());
    expect([r.status, r.error]).toEqual(["failed", "aborted"]);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  it("goes through a jump host", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const target = { ...hosts[3], jump: hosts[2] };
    const r = await runner.exec(target, 0, { argv: ["sh", "-c", 'hostname; echo "$SSH_CONNECTION"'] });
    const [name, conn] = r.stdout.trim().split("\n");
    expect(name).toBe(hosts[3].name);
    expect(conn.split(" ")[0]).toBe(hosts[2].address); // the TCP peer is the jump host
    expect(runner.pool.opened).toBe(2);
  }, 30_000);

  it("enforces the host-key policy", async () => {
    const { hosts, knownHostsFile } = pool();
    const strictEmpty = `/tmp/gf-known-empty-${process.pid}`;
    await writeFile(strictEmpty, "");
    const strict = newRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile: strictEmpty } });
    const refused = await strict.exec(hosts[4], 0, { argv: ["true"] });
    expect(refused.status).toBe("unreachable");
    expect(refused.error).toMatch(/not in known_hosts/);
    // hosts[5]'s address listed with hosts[6]'s key: a changed key is refused.
    const lines = (await import("node:fs")).readFileSync(knownHostsFile, "utf8").split("\n");
    const wrong = `/tmp/gf-known-wrong-${process.pid}`;
    await writeFile(wrong, `${hosts[5].address} ${lines[6].split(" ").slice(1).join(" ")}\n`);
    const acceptNew = newRunner({ hostKeyPolicy: { mode: "accept-new", knownHostsFile: wrong } });
    const mismatch = await acceptNew.exec(hosts[5], 0, { argv: ["true"] });
    expect(mismatch.error).toMatch(/does not match/);
    expect((await acceptNew.exec(hosts[6], 0, { argv: ["true"] })).status).toBe("ok"); // unlisted: trusted on first use
  }, 30_000);

  it("fails fast on an address with no sshd (connect timeout)", async () => {
    const { hosts } = pool();
    const runner = newRunner({ connectTimeout: 1 });
    const ghost = { ...hosts[0], name: "ghost", address: hosts[0].address.replace(/\.\d+$/, ".250") };
    const t = Date.now();
    const r = await runner.exec(ghost, 0, { argv: ["true"] });
    expect(r.status).toBe("unreachable");
    expect(Date.now() - t).toBeLessThan(4000);
  }, 30_000);

  it("runs through the taktuk connector with per-host output, exit codes and literal metacharacters", async () => {
    const { hosts } = pool();
    const tk = new TaktukRunner({ sshOptions: ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"] });
    const some = hosts.slice(8, 14);
    const r = await remote({ argv: ["sh", "-c", 'echo "$1"; echo "[$2]" >&2; exit $(($2 % 2))', "sh", "{{host}} ] ; $(id)", "{{rank}}"], expectedExit: [0] }, some, tk).run();
    expect(r.results.map((x) => x.stdout)).toEqual(some.map((h) => `${h.name} ] ; $(id)\n`));
    expect(r.results.map((x) => x.stderr)).toEqual(some.map((_, i) => `[${i}]\n`));
    expect(r.results.map((x) => x.exitCode)).toEqual(some.map((_, i) => i % 2));
    expect([r.ok, r.failed]).toEqual([3, 3]);
    const ghost = { ...hosts[0], name: "ghost", address: hosts[0].address.replace(/\.\d+$/, ".251") };
    const g = await tk.exec(ghost, 0, { argv: ["true"] });
    expect(g.status).toBe("unreachable");
    await expect(tk.exec(hosts[0], 0, { argv: ["true"], stdin: "x" })).rejects.toThrow(UsageError);
  }, 60_000);

  it("bounds a taktuk run stuck on a hung node by the command's time limit, and stops it on abort", async () => {
    const { hosts, sshdPids } = pool();
    const tk = new TaktukRunner({ sshOptions: ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"], deployTimeout: 1 });
    const [fine, victim] = [hosts[14], hosts[15]];
    const sshd = sshdPids.get(victim.name)!;
    // A hung node: the kernel accepts the connection, sshd never answers; taktuk waits for it before running anything.
    process.kill(sshd, "SIGSTOP");
    // taktuk's ssh connectors to the hung node, which must not outlive the run.
    const connectors = async () => (await execa("pgrep", ["-f", `^ssh .* ${victim.address.replaceAll(".", "\\.")}( |$)`], { reject: false })).stdout;
    try {
      const t = Date.now();
      const r = await remote({ argv: ["true"], timeout: 0.3, killAfter: 0.3 }, [fine, victim], tk).run();
      expect(Date.now() - t).toBeGreaterThanOrEqual(1600); // 0.3 + 0.3 + 1 s deployment
      expect(Date.now() - t).toBeLessThan(6000);
      expect(r.results.map((x) => [x.status, x.error])).toEqual([fine, victim].map(() => ["timed-out", "taktuk exceeded its time limit of 1.6 s"]));
      await until("no ssh connector left", async () => (await connectors()) === "", 2000);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 300);
      const a = Date.now();
      const stopped = await tk.execAll([fine, victim], { argv: ["true"] }, ac.signal);
      expect(Date.now() - a).toBeLessThan(3000);
      expect(stopped.map((x) => [x.status, x.error])).toEqual([["failed", "aborted"], ["failed", "aborted"]]);
      await until("no ssh connector left", async () => (await connectors()) === "", 2000);
    } finally {
      process.kill(sshd, "SIGCONT");
    }
  }, 30_000);
});
