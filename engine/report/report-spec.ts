import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { ReportSpec } from "../dsl/workflow.ts";
import { UsageError } from "../errors.ts";

const chartSchema = z.object({
  title: z.string(),
  table: z.string(),
  kind: z.enum(["line", "bar", "scatter", "boxplot", "histogram"]),
  x: z.string(),
  y: z.string(),
  series: z.string().optional(),
  where: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  xLabel: z.string().optional(),
  yLabel: z.string().optional(),
  logY: z.boolean().optional(),
});

const reportSchema = z.object({
  title: z.string().optional(),
  charts: z.array(chartSchema),
  results: z.object({ rows: z.string(), columns: z.array(z.string()) }).optional(),
});

/** `report.json`, the workflow's ReportSpec; an archive without one has no charts. */
export function readReportSpec(runDir: string): ReportSpec {
  const file = join(runDir, "report.json");
  if (!existsSync(file)) return { charts: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new UsageError("corrupt run archive: report.json is not valid JSON");
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`corrupt run archive: report.json field '${issue?.path.join(".")}' ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
