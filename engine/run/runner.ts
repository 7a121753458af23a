import { createHash } from "node:crypto";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunArchive } from "../archive/run-archive.ts";
import type { RunStatus } from "../archive/manifest.ts";
import { resolveParams } from "../dsl/params.ts";
import { InterruptedError, UsageError } from "../errors.ts";
import type { ProgressRenderer } from "../progress/types.ts";
import { testbeds } from "../registry.ts";
import type { Testbed } from "../testbed.ts";
import { RunContext } from "./context.ts";
import { loadWorkflow } from "./loader.ts";
import { onInterrupt } from "./signals.ts";
import { engineInfo } from "./engine-info.ts";

export interface RunOptions {
  readonly workflowPath: string;
  /** Param values as given (CLI strings or archived values). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly testbed: string;
  readonly testbedOptions?: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Folder holding run archives. */
  readonly resultsDir: string;
  readonly progress: ProgressRenderer;
  /** Where engine notices go (interrupt messages). */
  readonly notify?: (message: string) => void;
}

export interface RunOutcome {
  readonly dir: string;
  readonly status: Exclude<RunStatus, "running">;
  readonly error: string | null;
  readonly summary: Readonly<Record<string, unknown>>;
}

function stamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

/**
 * Runs a workflow file end to end: validates everything first (bad input
 * throws UsageError before any archive exists), then archives as it goes.
 */
export async function runWorkflow(options: RunOptions): Promise<RunOutcome> {
  const loaded = await loadWorkflow(options.workflowPath);
  const params = resolveParams(loaded.workflow.params, options.params);
  if (!Number.isSafeInteger(options.seed)) throw new UsageError(`seed must be an integer, got ${options.seed}`);
  const plugin = await testbeds.resolve(options.testbed);
  const testbedOptions = options.testbedOptions ?? {};

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
    testbed: { kind: plugin.name, options: { ...testbedOptions }, descriptions: [] },
    engine: engineInfo(),
    hosts: [],
    start: start.toISOString(),
    end: null,
    status: "running",
    error: null,
  });
  // .mts: the copy stays an ES module wherever the archive is moved
  copyFileSync(loaded.path, join(dir, "workflow.mts"));
  writeFileSync(join(dir, "report.json"), `${JSON.stringify(loaded.workflow.report ?? { charts: [] }, null, 2)}\n`);
  archive.journal({ event: "run-start", workflow: loaded.workflow.name, params, seed: options.seed, testbed: plugin.name });

  const controller = new AbortController();
  const created: Testbed[] = [];
  const hosts: string[] = [];
  const notify = options.notify ?? (() => {});
  const releaseAll = async (): Promise<void> => {
    for (const testbed of created.splice(0)) {
      try {
        await testbed.release();
        archive.journal({ event: "release", testbed: testbed.kind });
      } catch (error) {
        archive.journal({ event: "release-failed", testbed: testbed.kind, error: String(error) });
      }
    }
  };
  const stopListening = onInterrupt(controller, notify, () => {
    archive.finish("interrupted", "forced exit on second interrupt");
    process.exit(130);
  });

  const root = new RunContext(
    {
      seed: options.seed,
      testbedKind: plugin.name,
      archive,
      progress: options.progress,
      signal: controller.signal,
      newTestbed: () => {
        const testbed = plugin.create({ seed: options.seed, options: testbedOptions, archiveDir: dir, log: (m) => archive.journal({ event: "testbed-log", message: m }) });
        created.push(testbed);
        return testbed;
      },
      noteHosts: (names) => {
        hosts.push(...names);
        archive.update({ hosts: [...hosts], testbed: { kind: plugin.name, options: { ...testbedOptions }, descriptions: created.map((t) => ({ ...t.describe() })) } });
      },
    },
    "",
  );

  let status: RunOutcome["status"] = "ok";
  let error: string | null = null;
  try {
    await loaded.workflow.run(root, params);
  } catch (caught) {
    status = controller.signal.aborted || caught instanceof InterruptedError ? "interrupted" : "failed";
    error = caught instanceof Error ? caught.message : String(caught);
    archive.journal({ event: "run-error", error, stack: caught instanceof Error ? caught.stack : undefined });
  } finally {
    await root.release();
    await releaseAll();
    stopListening();
    await options.progress.close();
  }
  archive.finish(status, error);
  return { dir, status, error, summary: archive.summary() };
}

