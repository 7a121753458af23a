import { mkdirSync } from "node:fs";
import { resolve, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { OarApi, LOCAL_OAR_USER } from "../batch/oar-api.ts";
import { isFinal } from "../batch/job.ts";
import { UsageError } from "../errors.ts";
import type { ProgressRenderer } from "../progress/types.ts";
import { continueRun, createRun, type RunOptions, type RunOutcome } from "./runner.ts";
import { sweepsOf } from "./sweep-state.ts";

/** `--workers local:N` (processes on this machine) or `oar:N` (OAR jobs, one node each). */
export interface WorkerSpec {
  readonly kind: "local" | "oar";
  readonly count: number;
}

export function parseWorkers(text: string): WorkerSpec {
  const m = /^(local|oar):(\d+)$/.exec(text.trim());
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(count) || count < 1 || count > 64) throw new UsageError(`--workers must be local:N or oar:N with N in 1..64, got '${text}'`);
  return { kind: m[1] as WorkerSpec["kind"], count };
}

/** The CLI's entry, started by each worker as `node <bin> worker <run-dir>`. */
const BIN = fileURLToPath(new URL("../../bin/g5k-flow.js", import.meta.url));

/** Seconds an OAR worker job may last. */
const OAR_WALLTIME = 4 * 3600;

/** Started workers: what the controller watches and, on Ctrl-C, stops. */
interface Crew {
  /** One line on how the workers stand ("2 running, 1 ended"), or null once they have all ended. */
  poll(): Promise<string | null>;
  stop(): Promise<void>;
}

function localCrew(dir: string, count: number): Crew {
  const children: ResultPromise[] = [];
  for (let i = 0; i < count; i++) {
    const file = (ext: string) => ({ file: join(dir, "workers", `local-${i}.${ext}`) });
    children.push(execa(process.execPath, [BIN, "worker", dir], { stdin: "ignore", stdout: file("out"), stderr: file("err"), reject: false }));
  }
  const ended = new Set<number>();
  children.forEach((child, i) => void child.then(() => ended.add(i)));
  return {
    poll: async () => (ended.size === count ? null : `${count - ended.size} worker processes running`),
    stop: async () => {
      for (const child of children) child.kill("SIGINT");
      await Promise.all(children);
    },
  };
}

async function oarCrew(dir: string, count: number, api: OarApi, log: (message: string) => void): Promise<Crew> {
  // workers run as the OAR user (OAR refuses root): the archive becomes theirs to write in
  await execa("chown", ["-R", `${LOCAL_OAR_USER}:`, dir]);
  const reach = await execa("runuser", ["-u", LOCAL_OAR_USER, "--", "test", "-w", dir, "-a", "-r", BIN], { reject: false });
  if (reach.exitCode !== 0) throw new UsageError(`OAR workers run as ${LOCAL_OAR_USER}, who cannot reach ${dir} or ${BIN}: every parent folder must be searchable (chmod o+x)`);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await api.submit({
      name: `g5k-flow-worker-${i}`,
      nodes: 1,
      walltime: OAR_WALLTIME,
      argv: [process.execPath, BIN, "worker", dir],
      directory: dir,
      stdout: "workers/oar-%jobid%.out",
      stderr: "workers/oar-%jobid%.err",
    }));
  }
  log(`OAR jobs ${ids.join(", ")} submitted`);
  const states = new Map<number, string>();
  return {
    poll: async () => {
      for (const id of ids) {
        const state = (await api.get(id)).state.toLowerCase();
        if (states.get(id) !== state) log(`OAR job ${id} ${state}`);
        states.set(id, state);
      }
      if (ids.every((id) => isFinal(states.get(id) ?? ""))) return null;
      const byState = new Map<string, number>();
      for (const s of states.values()) byState.set(s, (byState.get(s) ?? 0) + 1);
      return [...byState].map(([s, n]) => `${n} ${s}`).join(", ");
    },
    stop: async () => {
      await Promise.all(ids.map((id) => api.end(id).catch(() => undefined)));
    },
  };
}

/** Point counts of every sweep of the run so far. */
function sweepProgress(dir: string): { done: number; total: number; running: number; failed: number } {
  let done = 0, total = 0, running = 0, failed = 0;
  for (const state of sweepsOf(dir).values()) {
    const c = state.counts();
    done += c.done + c.skipped;
    running += c["in-progress"];
    failed += c.failed;
    total += c.todo + c["in-progress"] + c.done + c.skipped + c.failed;
  }
  return { done, total, running, failed };
}

/**
 * `run --workers`: the run's archive is created here, its sweeps' points
 * are run by the workers (each runs the workflow on the shared archive;
 * the sweep state gives each point to exactly one live worker and a killed
 * worker's point to another), this process shows their progress, then goes
 * on with the run itself (every point done: their outputs are reused), so
 * the summary is the one a single process would have written.
 */
export async function runWithWorkers(options: RunOptions, spec: WorkerSpec, api: OarApi = new OarApi({})): Promise<RunOutcome> {
  const run = await createRun(options);
  const dir = resolve(run.archive.dir);
  mkdirSync(join(dir, "workers"), { recursive: true });
  const progress: ProgressRenderer = options.progress;
  const step = `workers (${spec.kind}:${spec.count})`;
  const started = performance.now();
  run.archive.journal({ event: "workers-start", kind: spec.kind, count: spec.count });
  progress.stepStarted(step);
  const log = (message: string): void => {
    progress.stepLog(step, message);
    run.archive.journal({ event: "workers-log", message });
  };
  const crew = spec.kind === "local" ? localCrew(dir, spec.count) : await oarCrew(dir, spec.count, api, log);
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.once("SIGINT", onSignal);
  try {
    let last = "";
    for (;;) {
      const standing = await crew.poll();
      const points = sweepProgress(dir);
      const line = `${points.done}/${points.total} points done, ${points.running} running${points.failed ? `, ${points.failed} failed` : ""}; ${standing ?? "workers ended"}`;
      if (line !== last) progress.stepProgress(step, points);
      last = line;
      if (standing === null) break;
      if (interrupted) {
        log("interrupted: stopping the workers");
        await crew.stop();
        break;
      }
      await sleep(spec.kind === "oar" ? 2000 : 500);
    }
  } finally {
    process.removeListener("SIGINT", onSignal);
  }
  progress.stepEnded(step, interrupted ? "interrupted" : "ok", (performance.now() - started) / 1000);
  return continueRun(run);
}
