import { afterAll, describe, expect, it } from "vitest";
import { getEventListeners } from "node:events";
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { SshRunner } from "../../engine/process/index.ts";
import type { Host } from "../../engine/hosts.ts";
import type { CommandSpec } from "../../engine/process/types.ts";
import { useHostPool } from "../support/hostpool.ts";
import { matching, until } from "./procs.ts";

/**
 * Commands on a connection's persistent worker shells (engine/process/ssh/
 * worker.ts) give what an exec channel of their own gives; a command with
 * stdin input still takes an exec channel, which is the reference here.
 */
const pool = useHostPool(2, "gfwork");
const runners: SshRunner[] = [];
const newRunner = (maxChannelsPerConnection = 9) => {
  const r = new SshRunner({ hostKeyPolicy: { mode: "insecure" }, maxChannelsPerConnection });
  runners.push(r);
  return r;
};
afterAll(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

/** Pids of the worker shells on a host: `sh` reading commands, no arguments. */
async function workers(host: Host): Promise<number[]> {
  const { stdout } = await execa("ip", ["netns", "pids", host.labels!.netns]);
  const pids: number[] = [];
  for (const pid of stdout.split("\n").filter(Boolean)) {
    if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")) === "sh\0") pids.push(Number(pid));
  }
  return pids;
}

/** Closes a test's runner and waits for its worker shells to end, so each test counts only its own. */
async function done(runner: SshRunner): Promise<void> {
  await runner.close();
  for (const h of pool().hosts) await until(`the workers on ${h.name} to end with their connection`, async () => (await workers(h)).length === 0);
}

const sh = (script: string, ...args: string[]): CommandSpec => ({ argv: ["sh", "-c", script, "sh", ...args] });
/** The same command forced onto an exec channel (stdin input), whose stdin content the script ignores. */
const onExec = (c: CommandSpec): CommandSpec => ({ ...c, stdin: "ignored\n" });

describe("worker shells on pooled connections", () => {
  it("gives exact stdout (no trailing newline, binary bytes, large), separate stderr and the exit status, as an exec channel does", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const cases: CommandSpec[] = [
      sh("printf 'no newline'"),
      sh("printf 'a\\000b\\377\\r\\n\\303\\251\\342\\202'; printf 'err\\000' >&2; exit 3"),
      sh("printf %s \"$1\"; printf %s \"$1\" >&2", "0123456789abcdef0123456789abcdef"), // looks like a nonce
      sh("head -c 300000 /dev/urandom | od -An -tx1 -v; echo done >&2"),
      sh("printf out; printf err >&2; exit 130"),
      sh("exec 1>&-; printf 'closed stdout' >&2"),
      { argv: ["true"] },
    ];
    for (const c of cases) {
      const w = await runner.exec(hosts[0], 0, c);
      const x = await runner.exec(hosts[0], 0, onExec(c));
      if (c.argv[2]?.includes("urandom")) {
        // Random bytes differ between the two runs: compare the shape.
        expect(w.stdout.length).toBe(x.stdout.length);
        expect(w.stdout.length).toBeGreaterThan(600_000);
      } else {
        expect(w.stdout).toBe(x.stdout);
      }
      expect([w.stderr, w.exitCode, w.signal, w.status, w.error]).toEqual([x.stderr, x.exitCode, x.signal, x.status, x.error]);
    }
    // Killed by a signal: sh's own notice ("Segmentation fault") stays out of stderr; the status is 128+N here, a signal there.
    const w = await runner.exec(hosts[0], 0, sh('printf err >&2; kill -SEGV "$$"'));
    const x = await runner.exec(hosts[0], 0, onExec(sh('printf err >&2; kill -SEGV "$$"')));
    expect([w.stderr, w.exitCode, w.signal, w.status]).toEqual(["err", 139, null, "failed"]);
    expect([x.stderr, x.exitCode, x.signal, x.status]).toEqual(["err", null, "SIGSEGV", "failed"]);
    const r = await runner.exec(hosts[0], 0, sh("printf 'a\\000b\\377'"));
    expect(r.stdout).toBe(Buffer.from([0x61, 0, 0x62, 0xff]).toString("utf8"));
    expect(await workers(hosts[0])).toHaveLength(1); // every command above ran on the one worker
    await done(runner);
  }, 60_000);

  it("runs concurrent commands on one host on several workers, never more than the session limit", async () => {
    const { hosts } = pool();
    const runner = newRunner(3);
        let peak = 0;
    const watching = (async () => {
      for (let i = 0; i < 30; i++) {
        peak = Math.max(peak, (await workers(hosts[1])).length);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const t = Date.now();
    const rs = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => runner.exec(hosts[1], i, sh('sleep 0.4; echo "$1"', String(i)))));
    await watching;
    expect(rs.map((r) => [r.status, r.stdout])).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => ["ok", `${i}\n`]));
    expect(Date.now() - t).toBeGreaterThanOrEqual(1150); // three rounds of 0.4 s on three workers
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(peak).toBeLessThanOrEqual(3);
    expect((await workers(hosts[1])).length).toBe(3); // kept for the next commands
    // An exec channel (stdin input) on a connection full of idle workers: one of them makes room.
    expect((await runner.exec(hosts[1], 0, { argv: ["cat"], stdin: "through an exec channel" })).stdout).toBe("through an exec channel");
    await done(runner);
  }, 60_000);

  it("bounds the start of a worker, not the wait for a free session: queued commands outlast their own time limit", async () => {
    const { hosts } = pool();
    const runner = newRunner(1);
    // One session: the last of twelve waits at least 5.5 s, past its 2 + 0.1 + 2 s limit for getting a worker.
    const ranks = [...Array(12).keys()];
    const rs = await Promise.all(ranks.map((i) => runner.exec(hosts[0], i, { ...sh("sleep 0.5; echo $1", String(i)), timeout: 2, killAfter: 0.1 })));
    expect(rs.map((r) => [r.status, r.stdout])).toEqual(ranks.map((i) => ["ok", `${i}\n`]));
    await done(runner);
  }, 60_000);

  it("holds one abort listener per command in flight on a shared signal, none once they end: commands queued for a session, on workers, on exec channels, timed out", async () => {
    const { hosts } = pool();
    const runner = newRunner(2);
    const shared = new AbortController().signal;
    const listening = () => getEventListeners(shared, "abort").length;
    // Twelve at once on two hosts of two sessions each: most wait for a session, each holding its listener meanwhile.
    const batch = (round: number) =>
      Promise.all([...Array(12).keys()].map((i) => {
        const command: CommandSpec = i % 4 === 3 ? onExec(sh("sleep 0.2; echo $1", String(i))) : i % 4 === 2 ? { ...sh("sleep 5"), timeout: 0.3, killAfter: 0.1 } : sh("sleep 0.2; echo $1", String(i));
        return runner.exec(hosts[i % 2], round, command, shared);
      }));
    for (let round = 0; round < 5; round++) {
      let settled = false;
      const running = batch(round).finally(() => (settled = true));
      let peak = 0;
      while (!settled) {
        peak = Math.max(peak, listening());
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(12);
      const rs = await running;
      expect(rs.map((r) => r.status).sort()).toEqual([...Array(9).fill("ok"), ...Array(3).fill("timed-out")]);
      // Sixty commands on one signal so far: none left listening, or N operations would leave N listeners.
      expect(listening()).toBe(0);
    }
    await done(runner);
  }, 120_000);

  it("gives a command EOF on stdin and keeps its directory and variables from the next command", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const read = await runner.exec(hosts[0], 0, sh('cat; if read -r x; then echo "read [$x]"; else echo eof; fi'));
    expect([read.status, read.stdout]).toEqual(["ok", "eof\n"]);
    const home = (await runner.exec(hosts[0], 0, { argv: ["pwd"] })).stdout;
    expect((await runner.exec(hosts[0], 0, sh("cd /tmp && export GF_LEAK=1 && pwd"))).stdout).toBe("/tmp\n");
    expect((await runner.exec(hosts[0], 0, { argv: ["pwd"] })).stdout).toBe(home);
    expect((await runner.exec(hosts[0], 0, { ...sh('echo "${GF_ENV-unset}"'), env: { GF_ENV: "it's $set" } })).stdout).toBe("it's $set\n");
    expect((await runner.exec(hosts[0], 0, sh('echo "${GF_ENV-unset} ${GF_LEAK-unset} ${s-unset} ${p-unset}"'))).stdout).toBe("unset unset unset unset\n");
    expect(await workers(hosts[0])).toHaveLength(1);
    await done(runner);
  }, 60_000);

  it("runs shell builtins named as the program apart from the worker, which they cannot change or end", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const home = (await runner.exec(hosts[1], 0, { argv: ["pwd"] })).stdout;
    // `exec` finds no program for most of them (127), on a worker as on an exec channel.
    const runs: CommandSpec[] = [["cd", "/"], ["export", "GF_LEAK=1"], ["read", "x"], ["exit", "7"], ["exec", "true"], ["trap", "", "TERM"], ["eval", "exit 5"], ["kill", "-0", "1"]]
      .map((argv) => ({ argv, expectedExit: [0, 1, 5, 7, 127] }));
    for (const c of runs) {
      const [w, x] = [await runner.exec(hosts[1], 0, c), await runner.exec(hosts[1], 0, onExec(c))];
      expect([w.exitCode, w.signal, w.stdout], c.argv.join(" ")).toEqual([x.exitCode, x.signal, x.stdout]);
    }
    expect((await runner.exec(hosts[1], 0, { argv: ["pwd"] })).stdout).toBe(home);
    expect((await runner.exec(hosts[1], 0, sh('echo "${GF_LEAK-unset} ${x-unset}"'))).stdout).toBe("unset unset\n");
    expect(await workers(hosts[1])).toHaveLength(1); // the same worker throughout
    await done(runner);
  }, 60_000);

  it("stops a command at its time limit or on abort, leaving no process, and the next command gets a fresh worker", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const netns = hosts[0].labels!.netns;
    expect((await runner.exec(hosts[0], 0, { argv: ["true"] })).status).toBe("ok");
    const nap = `301.${process.pid}`;
    const t = Date.now();
    const r = await runner.exec(hosts[0], 0, { ...sh('trap "" TERM; sleep "$1" & wait', nap), timeout: 0.5, killAfter: 0.5 });
    expect(r.status, JSON.stringify(r)).toBe("timed-out");
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
    await until("the timed-out command's processes to be gone", async () => (await matching(netns, nap)).length === 0, 3000);
    const first = await workers(hosts[0]);
    const ac = new AbortController();
    const run = runner.exec(hosts[0], 0, sh('echo started; sleep "$1"', nap), ac.signal);
    await until("the command to run", async () => (await matching(netns, nap)).length === 2);
    ac.abort();
    const aborted = await run;
    expect([aborted.status, aborted.error, aborted.signal, aborted.stdout]).toEqual(["failed", "aborted", "SIGTERM", "started\n"]);
    await until("the aborted command's processes and its worker to be gone", async () =>
      (await matching(netns, nap)).length === 0 && (await workers(hosts[0])).every((p) => !first.includes(p)), 3000);
    expect((await runner.exec(hosts[0], 0, { argv: ["hostname"] })).stdout).toBe(`${hosts[0].name}\n`);
    await done(runner);
  }, 60_000);

  it("retires a worker whose command left a process writing to it after the command ended: the next command gets only its own output", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    const left = await runner.exec(hosts[0], 0, sh("(sleep 0.5; echo late; echo late >&2) &"));
    expect([left.status, left.stdout]).toEqual(["ok", ""]);
    const [tainted] = await workers(hosts[0]);
    await until("the leftover process to write and the worker to go", async () => !(await workers(hosts[0])).includes(tainted), 5000);
    const next = await runner.exec(hosts[0], 0, sh("sleep 1; echo mine"));
    expect([next.stdout, next.stderr]).toEqual(["mine\n", ""]);
    await done(runner);
  }, 60_000);

  it("replaces a worker killed from outside: idle (the next command still runs) or busy (its command fails)", async () => {
    const { hosts } = pool();
    const runner = newRunner();
    expect((await runner.exec(hosts[1], 0, { argv: ["true"] })).status).toBe("ok");
    const [idle] = await workers(hosts[1]);
    process.kill(idle, "SIGKILL");
    const next = await runner.exec(hosts[1], 0, { argv: ["hostname"] });
    expect([next.status, next.stdout]).toEqual(["ok", `${hosts[1].name}\n`]);
    const netns = hosts[1].labels!.netns;
    const nap = `302.${process.pid}`;
    const run = runner.exec(hosts[1], 0, sh('sleep "$1"', nap));
    await until("the command to run", async () => (await matching(netns, nap)).length > 0);
    const busy = await workers(hosts[1]);
    expect(busy).toHaveLength(1);
    process.kill(busy[0], "SIGKILL");
    // sshd closes the session once nothing holds its pipes: the command orphaned by the kill goes too.
    for (const p of await matching(netns, nap)) process.kill(p, "SIGKILL");
    const lost = await run;
    expect([lost.status, lost.error]).toEqual(["failed", "connection closed before the command's exit status"]);
    expect((await runner.exec(hosts[1], 0, { argv: ["hostname"] })).stdout).toBe(`${hosts[1].name}\n`);
    await done(runner);
  }, 60_000);
});
