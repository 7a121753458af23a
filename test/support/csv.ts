import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

/** A metrics CSV as records keyed by its header's columns (values as written). */
export function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, "utf8"), { columns: true }) as Record<string, string>[];
}
