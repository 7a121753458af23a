import { Terminal } from "@xterm/headless";
import { execa } from "execa";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "../engine/cli-helpers.ts";

const ARTIFACTS = join(ROOT, "test-artifacts");
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const FIXTURE = join(ROOT, "test/cli/fixtures/concurrent-progress.ts");

/** What a 120x40 terminal shows after replaying a capture: every line of scrollback and screen. */
async function screenOf(capture: string): Promise<string[]> {
  const term = new Terminal({ cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(capture.replace(/\r?\n/g, "\r\n"), resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Runs `command` (a fixed shell line; values come through `env`) under util-linux script; the capture without script's header and trailer. */
function underTerminal(command: string, env: Record<string, string>) {
  const typescript = join(mkdtempSync(join(tmpdir(), "g5k-tty-capture-")), "typescript");
  const child = execa("script", ["-qfec", `stty cols 120 rows 40; ${command}`, typescript], { cwd: ROOT, reject: false, env: { CI: "", G5K_BIN: BIN, TERM: "xterm-256color", ...env } });
  const capture = (): string => (existsSync(typescript) ? readFileSync(typescript, "utf8").replace(/^Script started.*\n/, "").replace(/\nScript done.*\n?$/, "") : "");
  return { child, capture };
}

function keep(name: string, capture: string, screen: readonly string[]): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `${name}.typescript`), capture);
  writeFileSync(join(ARTIFACTS, `${name}.screen.txt`), `${screen.join("\n")}\n`);
}

describe("the run display on an interactive terminal", () => {
  it("ends with the results table, the archive and report paths, and no live line left", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-tty-"));
    const { child, capture: read } = underTerminal('exec node "$G5K_BIN" run workflows/dvms-vs-entropy.ts --param scales=400,800 --param duration=1h --results "$G5K_RESULTS"', { G5K_RESULTS: results });
    expect((await child).exitCode).toBe(0);
    const capture = read();
    const screen = await screenOf(capture);
    keep("tty-run", capture, screen);

    // the live display did run (spinner frames, sweep counts, units) ...
    expect(capture).toMatch(SPINNER);
    expect(capture).toMatch(/sweep compare: \d\/6 points done/);
    expect(capture).toMatch(/simulated s \(\d+%\)/);
    // ... and nothing of it is left on screen
    expect(screen.filter((line) => SPINNER.test(line))).toEqual([]);
    const tail = screen.slice(screen.findIndex((l) => l.startsWith("run ok")));
    expect(tail[0]).toBe("run ok");
    expect(tail[1]).toBe("results:");
    expect(tail[2].split(/\s+/).filter(Boolean)).toEqual(["scheduler", "scale", "violations", "violationSeconds", "medianTimeToSolve", "migrations"]);
    const rows = tail.slice(3, 9).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => `${r[0]}@${r[1]}`)).toEqual(["entropy@400", "entropy@800", "dvms@400", "dvms@800", "none@400", "none@800"]);
    for (const row of rows) expect(row.slice(2).every((cell) => cell === "-" || Number.isFinite(Number(cell)))).toBe(true);
    expect(tail[9]).toMatch(/^archive: .*dvms-vs-entropy-[0-9a-f]{6}$/);
    expect(tail[10]).toMatch(/^report: +.*report\.html$/);
    expect(tail).toHaveLength(11);
    // every point ended with a permanent line, and the sweep's total
    expect(screen.filter((l) => /^✔ compare\[scale=\d+,scheduler=\w+[^\]]*\] \(6 steps/.test(l))).toHaveLength(6);
    expect(screen).toContain("✔ sweep compare: 6/6 points done");
  }, 120_000);

  it("leaves no live line on screen when the run is interrupted (Ctrl-C)", async () => {
    const results = mkdtempSync(join(tmpdir(), "g5k-tty-int-"));
    const { child, capture } = underTerminal('exec node "$G5K_BIN" run workflows/dvms-vs-entropy.ts --param scales=3000 --results "$G5K_RESULTS"', { G5K_RESULTS: results });
    // the node process is script's child (the shell exec'd it): interrupt it as a terminal's Ctrl-C would
    while (!/sweep compare: 0\/3 points done/.test(capture())) await sleep(100);
    const { stdout } = await execa("ps", ["--ppid", String(child.pid), "-o", "pid="]);
    process.kill(Number(stdout.trim()), "SIGINT");
    const run = await child;
    expect(run.exitCode).toBe(130);
    const screen = await screenOf(capture());
    keep("tty-interrupted", capture(), screen);
    expect(screen.filter((line) => SPINNER.test(line))).toEqual([]);
    expect(screen.filter((l) => l.startsWith("run interrupted"))).toHaveLength(1);
    // the engine's notice stays, above the steps' end
    expect(screen.filter((l) => /^↓ SIGINT: stopping/.test(l))).toHaveLength(1);
    expect(screen.at(-1)).toMatch(/^(archive|report): /);
  }, 180_000);

  it("draws concurrent scopes at once, each with its counters, and leaves one line per scope", async () => {
    const { child, capture: read } = underTerminal('exec npx tsx "$G5K_FIXTURE"', { G5K_FIXTURE: FIXTURE });
    expect((await child).exitCode).toBe(0);
    const capture = read();
    // the frames listr2's renderer drew (through log-update), each after erasing the previous one
    const frames = capture.split(/(?:\x1b\[2K\x1b\[1A)*\x1b\[2K\x1b\[G/).map((f) => f.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""));
    const both = frames.filter((f) => /a › fetch 3\/10 hosts \(30%\)/.test(f) && /b › boot 1\/4 VMs \(25%\)/.test(f));
    expect(both.length).toBeGreaterThan(0);
    expect(both.every((f) => f.split("\n").filter((l) => SPINNER.test(l)).length === 2)).toBe(true);
    const screen = await screenOf(capture);
    expect(screen.filter((line) => SPINNER.test(line))).toEqual([]);
    expect(screen).toContain("✔ a (1 steps, 0.6s)");
    expect(screen).toContain("✖ b (1 steps, 0.6s) failed: boom");
    expect(screen.at(-1)).toBe("done");
  }, 60_000);

  it("on a forced exit, ends the running scopes as interrupted lines and leaves no spinner", async () => {
    const { child, capture: read } = underTerminal('exec npx tsx "$G5K_FIXTURE" exit', { G5K_FIXTURE: FIXTURE });
    expect((await child).exitCode).toBe(130);
    const capture = read();
    const screen = await screenOf(capture);
    expect(screen.filter((line) => SPINNER.test(line))).toEqual([]);
    expect(screen).toEqual(["✖ a interrupted", "✖ b interrupted"]);
  }, 60_000);
});
