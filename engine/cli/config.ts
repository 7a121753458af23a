import { existsSync, readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { UsageError } from "../errors.ts";

/** An experiment config file (YAML): what `run` would otherwise take as flags. Flags win over it. */
const configSchema = z
  .object({
    testbed: z.string().min(1).optional(),
    seed: z.number().int().optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))])).optional(),
    testbedOptions: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  })
  .strict();

export type RunConfig = z.infer<typeof configSchema>;

export function readConfig(path: string): RunConfig {
  if (!existsSync(path)) throw new UsageError(`config not found: ${path}`);
  const document = parseDocument(readFileSync(path, "utf8"));
  const [error] = document.errors;
  if (error) {
    const where = error.linePos?.[0];
    throw new UsageError(`config ${path}${where ? ` line ${where.line}` : ""}: ${error.message.split("\n")[0].replace(/( at line \d+, column \d+)?:$/, "")}`);
  }
  const parsed = configSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`config ${path}: ${issue?.path.length ? `'${issue.path.join(".")}' ` : ""}${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
