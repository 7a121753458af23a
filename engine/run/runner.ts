import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REDACTED, secretValues } from "../archive/redact.ts";
import { readManifest, RunArchive } from "../archive/run-archive.ts";
import type { Manifest, RunStatus } from "../archive/manifest.ts";
import { resolveParams, type ParamSpecs } from "../dsl/params.ts";
import { InterruptedError, UsageError } from "../errors.ts";
import type { ProgressRenderer } from "../progress/types.ts";
import { testbeds } from "../registry.ts";
import type { Testbed, TestbedPlugin } from "../testbed.ts";
import type { Workflow } from "../dsl/workflow.ts";
import { writeReport } from "../report/index.ts";
import { STREAM_SEED_DERIVATION, StreamSeeds } from "../random/streams.ts";
import { completedCheckpoints } from "./checkpoints.ts";
import { RunContext, type MetricsBatch, type MetricsTarget } from "./context.ts";
import { engineInfo } from "./engine-info.ts";
import { loadWorkflow, type LoadedWorkflow } from "./loader.ts";
import { PlanContext, type Plan } from "./plan.ts";
import { onInterrupt } from "./signals.ts";
import { SweepState, sweepFolder } from "./sweep-state.ts";
import { watchWalltime } from "./walltime.ts";

interface Presentation {
  readonly progress: ProgressRenderer;
  /** Where engine notices go (interrupt messages; default: the progress display's `notice`). */
  readonly notify?: (message: string) => void;
}

export interface RunOptions extends Presentation {
  readonly workflowPath: string;
  /** Param values as given (CLI strings or archived values). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly testbed: string;
  readonly testbedOptions?: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Folder holding run archives. */
  readonly resultsDir: string;
}

export interface ResumeOptions extends Presentation {
  /** Options for the testbed (secrets were not archived: give them again). */
  readonly testbedOptions?: Readonly<Record<string, string>>;
}

export interface RunOutcome {
  readonly dir: string;
  readonly status: Exclude<RunStatus, "running">;
  readonly error: string | null;
  /**
   * Whose fault a failure is: bad input (a UsageError) or the workflow's own
   * code throwing ("input": the CLI exits 2), or the testbed or engine
   * ("run": exit 1).
   */
  readonly blame: "input" | "run" | null;
  readonly summary: Readonly<Record<string, unknown>>;
  /** The run's `report.html`, or null when it could not be written. */
  readonly report: string | null;
}

function stamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

/** What a run checks before it starts: the workflow, its params, the seed, the testbed and its options. */
export interface PreparedRun {
  readonly loaded: LoadedWorkflow;
  readonly params: Readonly<Record<string, unknown>>;
  readonly plugin: TestbedPlugin;
  readonly testbedOptions: Readonly<Record<string, string>>;
}

/** Validates a run's inputs; bad input throws UsageError, nothing is created. */
export async function prepareRun(options: Omit<RunOptions, keyof Presentation | "resultsDir">): Promise<PreparedRun> {
  const loaded = await loadWorkflow(options.workflowPath);
  const params = resolveParams(loaded.workflow.params, options.params);
  if (!Number.isSafeInteger(options.seed)) throw new UsageError(`seed must be an integer, got ${options.seed}`);
  const plugin = await testbeds.resolve(options.testbed);
  const testbedOptions = options.testbedOptions ?? {};
  plugin.validateOptions?.(testbedOptions);
  return { loaded, params, plugin, testbedOptions };
}

/**
 * Walks the workflow against a recording context (see PlanContext): the
 * steps and sweep points a run would take, with the resources each asks
 * for. Nothing is reserved, nothing archived. A workflow that throws on the
 * placeholders is answered as bad input.
 */
export async function planRun(options: Omit<RunOptions, keyof Presentation | "resultsDir">): Promise<PreparedRun & { readonly plan: Plan }> {
  const prepared = await prepareRun(options);
  const context = new PlanContext(options.seed, prepared.plugin.name);
  try {
    await (prepared.loaded.workflow as Workflow<ParamSpecs>).run(context, prepared.params as never);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const last = context.recorded.steps.at(-1)?.step;
    throw new UsageError(`dry run: the workflow threw${last ? ` after step ${last}` : ""}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  return { ...prepared, plan: context.recorded };
}

/**
 * Runs a workflow file end to end: validates everything first (bad input
 * throws UsageError before any archive exists), then archives as it goes.
 */
export async function runWorkflow(options: RunOptions): Promise<RunOutcome> {
  return execute(await createRun(options));
}

/** A run whose archive exists, not started yet (workers may run its sweeps before it goes on: run/workers.ts). */
export type CreatedRun = Execution;

/** Validates the run (prepareRun), then creates its archive. */
export async function createRun(options: RunOptions): Promise<CreatedRun> {
  const { loaded, params, plugin, testbedOptions } = await prepareRun(options);

  const start = new Date();
  const sourceSha256 = sha256(loaded.source);
  const id = `${stamp(start)}-${loaded.workflow.name}-${sha256(`${sourceSha256}${JSON.stringify(params)}${options.seed}${start.getTime()}${process.pid}`).slice(0, 6)}`;
  const dir = join(options.resultsDir, id);
  const archive = RunArchive.create(dir, {
    format: 1,
    id,
    workflow: { name: loaded.workflow.name, path: options.workflowPath, source: "workflow.mts", sourceSha256 },
    params: params as Record<string, unknown>,
    seed: options.seed,
    randomStreams: { derivation: STREAM_SEED_DERIVATION, seeds: {} },
    testbed: { kind: plugin.name, options: { ...testbedOptions }, descriptions: [] },
    engine: engineInfo(),
    hosts: [],
    start: start.toISOString(),
    end: null,
    status: "running",
    error: null,
  }, secretsOf(plugin, testbedOptions));
  // .mts: the copy stays an ES module wherever the archive is moved
  copyFileSync(loaded.path, join(dir, "workflow.mts"));
  writeFileSync(join(dir, "report.json"), `${JSON.stringify(loaded.workflow.report ?? { charts: [] }, null, 2)}\n`);
  archive.journal({ event: "run-start", workflow: loaded.workflow.name, params, seed: options.seed, testbed: plugin.name });
  return { ...options, archive, workflow: loaded.workflow, workflowFile: loaded.path, params, seed: options.seed, plugin, testbedOptions, previous: new Map() };
}


/** Goes on with a created run after its workers: what they completed is reused, as on resume. */
export function continueRun(run: CreatedRun): Promise<RunOutcome> {
  run.archive.journal({ event: "workers-end" });
  return execute({ ...run, previous: completedCheckpoints(run.archive.dir) });
}

/**
 * `g5k-flow worker <run-dir>`: one worker of a run started with --workers.
 * It runs the workflow on the run's archive, so its sweeps' points are
 * claimed through the shared sweep state (each point by exactly one live
 * process; a dead worker's point is taken over); the run's manifest, status
 * and report stay the controller's.
 */
export async function workOn(dir: string, options: Presentation): Promise<RunOutcome> {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  if (manifest.status !== "running") throw new UsageError(`run ${manifest.id} is ${manifest.status}: workers join running runs only`);
  const { loaded, params, plugin } = await archivedRun(dir, manifest);
  const testbedOptions = archivedOptions(manifest.testbed.options);
  const archive = RunArchive.reopen(dir, secretsOf(plugin, testbedOptions));
  archive.journal({ event: "worker-start", pid: process.pid });
  return execute({ ...options, archive, workflow: loaded.workflow, workflowFile: loaded.path, params, seed: manifest.seed, plugin, testbedOptions, previous: completedCheckpoints(dir), worker: true });
}

/**
 * Continues a failed or interrupted run in its own folder: steps and scopes
 * it completed are skipped (their archived outputs reused), sweeps run only
 * the points not done, the journal goes on.
 */
export async function resumeRun(dir: string, options: ResumeOptions): Promise<RunOutcome> {
  if (!existsSync(dir)) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  if (manifest.status === "ok") throw new UsageError(`run ${manifest.id} completed: nothing to resume (use rerun to reproduce it)`);
  const { loaded, params, plugin } = await archivedRun(dir, manifest);
  const testbedOptions = { ...archivedOptions(manifest.testbed.options), ...options.testbedOptions };
  plugin.validateOptions?.(testbedOptions);
  const previous = completedCheckpoints(dir);
  const archive = RunArchive.reopen(dir, secretsOf(plugin, testbedOptions));
  archive.update({ status: "running", error: null, end: null });
  archive.journal({ event: "run-resume", reusable: previous.size });
  return execute({ ...options, archive, workflow: loaded.workflow, workflowFile: loaded.path, params, seed: manifest.seed, plugin, testbedOptions, previous });
}

/** What a worker or a resume goes on with: the run's archived workflow (hash checked), its params and its testbed's plugin. */
async function archivedRun(dir: string, manifest: Manifest) {
  const loaded = await loadWorkflow(archivedSource(dir, manifest.workflow.source, manifest.workflow.sourceSha256));
  return { loaded, params: resolveParams(loaded.workflow.params, manifest.params), plugin: await testbeds.resolve(manifest.testbed.kind) };
}

/** The archived workflow source, checked against the manifest's hash. */
export function archivedSource(dir: string, source: string, expectedSha256: string): string {
  const file = join(dir, source);
  if (!existsSync(file)) throw new UsageError(`corrupt run archive: ${source} missing`);
  if (sha256(readFileSync(file)) !== expectedSha256) throw new UsageError(`corrupt run archive: ${source} does not match the manifest's hash`);
  return file;
}

/** Values never to be archived: secret-named testbed options and environment variables, and the plugin's declared secret options. */
function secretsOf(plugin: TestbedPlugin, options: Readonly<Record<string, string>>): string[] {
  return secretValues([options, process.env], (plugin.secretOptions ?? []).map((name) => options[name]));
}

/** Archived testbed options minus the redacted secrets (which the user gives again). */
export function archivedOptions(options: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== REDACTED));
}

/**
 * The root context's metrics target. Each write (a root-level `x.metrics`
 * call, numbered in call order, a scope's commit, or a service's rows, keyed
 * by its step) is journaled under a key; a resumed run skips the writes its
 * earlier attempts journaled.
 */
function archiveMetrics(archive: RunArchive, previous: ReadonlyMap<string, unknown>): MetricsTarget {
  let calls = 0;
  const write = (key: string, batches: readonly MetricsBatch[]): void => {
    if (previous.has(`metrics:${key}`)) {
      archive.journal({ event: "metrics-skipped", key, reason: "written by an earlier attempt" });
      return;
    }
    for (const [table, rows] of batches) archive.appendMetrics(table, rows);
    archive.journal({ event: "metrics", key, tables: [...new Set(batches.map(([table]) => table))] });
  };
  return {
    add: (table, rows) => write(`root#${++calls}`, [[table, rows]]),
    commit: (scope, batches) => write(`scope:${scope}`, batches),
    service: (step, batches) => write(`service:${step}`, batches),
  };
}

/** A UsageError, or an error whose innermost stack frame is in the workflow file. */
function thrownByInput(error: unknown, workflowFile: string): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "UsageError") return true;
  const frame = error.stack?.split("\n").find((line) => line.trimStart().startsWith("at "));
  return frame?.includes(workflowFile) ?? false;
}

interface Execution extends Presentation {
  readonly archive: RunArchive;
  readonly workflow: Workflow;
  /** Absolute path of the workflow source being run. */
  readonly workflowFile: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly plugin: TestbedPlugin;
  readonly testbedOptions: Readonly<Record<string, string>>;
  readonly previous: ReadonlyMap<string, unknown>;
  /** A worker of the run (workOn): it leaves the manifest's status and the report to the controller. */
  readonly worker?: boolean;
}

async function execute(run: Execution): Promise<RunOutcome> {
  const { archive, plugin, testbedOptions } = run;
  const controller = new AbortController();
  // every host of a fan-out listens for the run's interrupt on this one signal
  setMaxListeners(0, controller.signal);
  const created: Testbed[] = [];
  // a set: simulated points reserve the same names again, and a million of them must not be spread as arguments
  const hosts = new Set<string>();
  const failures: string[] = [];
  const seeds = new StreamSeeds(run.seed, (given) => archive.update({ randomStreams: { derivation: STREAM_SEED_DERIVATION, seeds: given } }));
  const notify = run.notify ?? ((message: string) => run.progress.notice(message));
  const stopListening = onInterrupt(controller, notify, () => {
    archive.finish("interrupted", "forced exit on second interrupt");
    process.exit(130);
  });

  const root = new RunContext(
    {
      seed: run.seed,
      streamSeed: (stream) => seeds.seedOf(stream),
      testbedKind: plugin.name,
      archive,
      progress: run.progress,
      signal: controller.signal,
      previous: run.previous,
      newTestbed: (seed = run.seed) => {
        const testbed = plugin.create({ seed, streamSeed: (stream) => seeds.seedOf(stream, seed), options: testbedOptions, archiveDir: archive.dir, log: (m) => archive.journal({ event: "testbed-log", message: m }) });
        created.push(testbed);
        return testbed;
      },
      noteHosts: (names) => {
        for (const name of names) hosts.add(name);
        archive.update({ hosts: [...hosts], testbed: { kind: plugin.name, options: { ...testbedOptions }, descriptions: created.map((t) => ({ ...t.describe() })) } });
      },
      noteFailure: (message) => failures.push(message),
      sweepState: (name) => new SweepState(join(archive.dir, "sweeps", sweepFolder(name))),
      watchWalltime: (testbed, walltime, extensions) =>
        watchWalltime(testbed, walltime, extensions, {
          journal: (event) => archive.journal(event),
          warn: (message) => run.progress.stepLog("walltime", message),
          interrupt: (reason) => {
            notify(reason);
            controller.abort(new InterruptedError("walltime"));
          },
        }),
    },
    "",
    archiveMetrics(archive, run.previous),
  );

  let status: RunOutcome["status"] = "ok";
  let error: string | null = null;
  let blame: RunOutcome["blame"] = null;
  let completed = false;
  try {
    await (run.workflow as Workflow<ParamSpecs>).run(root, run.params as never);
    completed = true;
    if (failures.length > 0) {
      status = "failed";
      error = failures.join("; ");
      blame = "run";
    }
  } catch (caught) {
    status = controller.signal.aborted || caught instanceof InterruptedError ? "interrupted" : "failed";
    // an interrupted step throws whatever its wait threw (AbortError...): the reason is the signal's
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : caught;
    error = reason instanceof Error ? reason.message : String(reason);
    if (status === "failed") blame = thrownByInput(caught, run.workflowFile) ? "input" : "run";
    archive.journal({ event: "run-error", error, stack: caught instanceof Error ? caught.stack : undefined });
  } finally {
    // every testbed made in the run is released below, errors journaled: nothing may skip finishing the archive
    await root.end(completed).catch(() => undefined);
    for (const testbed of created.splice(0)) {
      try {
        await testbed.release();
        archive.journal({ event: "release", testbed: testbed.kind });
      } catch (caught) {
        archive.journal({ event: "release-failed", testbed: testbed.kind, error: String(caught) });
      }
    }
    stopListening();
    await run.progress.close();
  }
  if (run.worker) {
    archive.detach({ event: "worker-end", pid: process.pid, status, error });
    return { dir: archive.dir, status, error, blame, summary: archive.summary(), report: null };
  }
  archive.finish(status, error);
  let report: string | null = null;
  try {
    report = await writeReport(archive.dir);
  } catch (caught) {
    notify(`report.html not written: ${caught instanceof Error ? caught.message : String(caught)}`);
  }
  return { dir: archive.dir, status, error, blame, summary: archive.summary(), report };
}
