import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { MetricRow } from "../scheduler.ts";
import { csvHeader, csvRows, parseCsvHeader } from "./csv.ts";
import { type Manifest, manifestSchema, type RunStatus } from "./manifest.ts";
import { redact } from "./redact.ts";
import { UsageError } from "../errors.ts";

/** Names a file inside the archive after a host or a step without letting it escape the folder. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._@-]+/g, "_").replace(/^\.+/, "_");
  return cleaned === "" ? "_" : cleaned;
}

/**
 * One run's folder (docs/archive-format.md). The journal is written with one synchronous
 * write per event, so a killed engine loses nothing it had journaled.
 */
export class RunArchive {
  private readonly journalFd: number;
  private readonly csvColumns = new Map<string, readonly string[]>();
  private summaryFields: Record<string, unknown> = {};
  /** Secret values (credentials in options or the environment) scrubbed from everything written. */
  private secrets: readonly string[] = [];

  private constructor(
    readonly dir: string,
    private manifest: Manifest,
  ) {
    for (const sub of ["hosts", "metrics", "steps"]) mkdirSync(join(dir, sub), { recursive: true });
    this.journalFd = openSync(join(dir, "journal.jsonl"), "a");
  }

  static create(dir: string, manifest: Manifest, secrets: readonly string[] = []): RunArchive {
    mkdirSync(dir, { recursive: true });
    const archive = new RunArchive(dir, manifest);
    archive.secrets = secrets;
    archive.writeManifest();
    return archive;
  }

  /** Reopens an archive to continue it (resume): the journal is appended to. */
  static reopen(dir: string, secrets: readonly string[] = []): RunArchive {
    const archive = new RunArchive(dir, readManifest(dir));
    archive.secrets = secrets;
    archive.summaryFields = readSummary(dir) ?? {};
    return archive;
  }

  get id(): string {
    return this.manifest.id;
  }

  journal(event: Readonly<Record<string, unknown>>): void {
    const line = `${JSON.stringify(redact({ t: new Date().toISOString(), ...event }, this.secrets))}\n`;
    writeSync(this.journalFd, line);
  }

  keepOutput(host: string, step: string, stdout: string, stderr: string): void {
    const dir = join(this.dir, "hosts", safeName(host));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${safeName(step)}.out`), redact(stdout, this.secrets));
    writeFileSync(join(dir, `${safeName(step)}.err`), redact(stderr, this.secrets));
  }

  /**
   * Appends rows to `metrics/<table>.csv`. Columns are those of the file's
   * header (read back when an archive is resumed); a row bringing a new
   * column rewrites the file with the wider header, so no value is dropped.
   */
  appendMetrics(table: string, rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    const name = join("metrics", `${safeName(table)}.csv`);
    const file = join(this.dir, name);
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    let columns = this.csvColumns.get(table) ?? (existsSync(file) ? parseCsvHeader(readFileSync(file, "utf8")) : createCsv(file, keys));
    if (keys.some((k) => !columns.includes(k))) {
      const wider = [...columns, ...keys.filter((k) => !columns.includes(k))];
      const [, ...body] = readFileSync(file, "utf8").split("\n");
      // old rows lack the new columns: empty trailing fields keep them aligned
      const padding = ",".repeat(wider.length - columns.length);
      this.writeAtomically(name, `${csvHeader(wider)}${body.filter((l) => l !== "").map((l) => `${l}${padding}\n`).join("")}`);
      columns = wider;
    }
    this.csvColumns.set(table, columns);
    writeFileSync(file, csvRows(columns, rows), { flag: "a" });
  }

  /** Writes a checkpoint (`steps/...json`, see run/checkpoints.ts), atomically. */
  saveCheckpoint(relativeFile: string, output: unknown): void {
    // a checkpoint is the step's own output: only secret values are scrubbed, field names are the workflow's
    this.writeAtomically(relativeFile, JSON.stringify(redact(output ?? null, this.secrets, false)));
  }

  mergeSummary(fields: Readonly<Record<string, unknown>>): void {
    this.summaryFields = { ...this.summaryFields, ...fields };
    this.writeAtomically("summary.json", `${JSON.stringify(redact(this.summaryFields, this.secrets, false), null, 2)}\n`);
  }

  summary(): Readonly<Record<string, unknown>> {
    return this.summaryFields;
  }

  update(change: Partial<Manifest>): void {
    this.manifest = { ...this.manifest, ...change };
    this.writeManifest();
  }

  finish(status: RunStatus, error: string | null): void {
    this.update({ status, error, end: new Date().toISOString() });
    this.detach({ event: "run-end", status, error });
  }

  /** Journals a last event and closes the journal, the manifest left as it is (a worker's end). */
  detach(event: Readonly<Record<string, unknown>>): void {
    this.journal(event);
    closeSync(this.journalFd);
  }

  private writeManifest(): void {
    this.writeAtomically("manifest.json", `${JSON.stringify(redact(this.manifest, this.secrets), null, 2)}\n`);
  }

  /** Write-then-rename, so a reader (or a crash) never sees half a file; the temporary is per process (workers share the archive). */
  private writeAtomically(name: string, content: string): void {
    const tmp = join(this.dir, `${name}.${process.pid}.tmp`);
    writeFileSync(tmp, content);
    renameSync(tmp, join(this.dir, name));
  }
}

/** Creates a CSV file with its header, or reads the header of the one another process (a worker) created first. */
function createCsv(file: string, columns: readonly string[]): readonly string[] {
  try {
    writeFileSync(file, csvHeader(columns), { flag: "wx" });
    return columns;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return parseCsvHeader(readFileSync(file, "utf8"));
  }
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new UsageError(`not a g5k-flow run archive: ${what} missing`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new UsageError(`corrupt run archive: ${what} is not valid JSON`);
  }
}

export function readManifest(dir: string): Manifest {
  const parsed = manifestSchema.safeParse(readJson(join(dir, "manifest.json"), `${dir}/manifest.json`));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`corrupt run archive: manifest.json field '${issue?.path.join(".")}' ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function readSummary(dir: string): Record<string, unknown> | null {
  const file = join(dir, "summary.json");
  return existsSync(file) ? (readJson(file, `${dir}/summary.json`) as Record<string, unknown>) : null;
}

/** Journal events, skipping a last line cut short by a crash. */
export function readJournal(dir: string): Record<string, unknown>[] {
  const file = join(dir, "journal.jsonl");
  if (!existsSync(file)) throw new UsageError(`not a g5k-flow run archive: ${dir}/journal.jsonl missing`);
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  const events: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      if (i !== lines.length - 1) throw new UsageError(`corrupt run archive: journal.jsonl line ${i + 1} is not JSON`);
    }
  });
  return events;
}
