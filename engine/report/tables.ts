import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { safeName } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";

/** One `metrics/<name>.csv`: header and rows of raw cell strings, in column order. */
export interface Table {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Loads each metrics table once per report; a missing table is `null`, a malformed one a UsageError. */
export class Tables {
  private readonly loaded = new Map<string, Table | null>();

  constructor(private readonly runDir: string) {}

  get(name: string): Table | null {
    if (!this.loaded.has(name)) this.loaded.set(name, this.read(name));
    return this.loaded.get(name) ?? null;
  }

  private read(name: string): Table | null {
    // the file name the archive gave the table; it cannot reach outside metrics/
    const file = `metrics/${safeName(name)}.csv`;
    const path = join(this.runDir, file);
    if (!existsSync(path)) return null;
    let records: string[][];
    try {
      records = parse(readFileSync(path, "utf8"), { skip_empty_lines: true, bom: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new UsageError(`corrupt run archive: ${file}: ${reason}`);
    }
    const [columns = [], ...rows] = records;
    return { file, columns, rows };
  }
}

/** The cell as a finite number, or null (empty, text, NaN, infinite). */
export function numeric(cell: string | undefined): number | null {
  if (cell === undefined || cell.trim() === "") return null;
  const value = Number(cell);
  return Number.isFinite(value) ? value : null;
}

/** A `where` condition: numbers compare numerically ("1e3" matches 1000), strings exactly. */
export function cellMatches(cell: string | undefined, wanted: string | number): boolean {
  return typeof wanted === "number" ? numeric(cell) === wanted : cell === wanted;
}
