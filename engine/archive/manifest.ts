import { z } from "zod";

export const RUN_STATUSES = ["running", "ok", "failed", "interrupted"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `manifest.json`: everything needed to rerun the experiment (docs/archive-format.md). */
export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  workflow: z.object({
    name: z.string(),
    /** Path the run was started from, as given. */
    path: z.string(),
    /** The archived copy of the source, relative to the run directory. */
    source: z.string(),
    sourceSha256: z.string(),
  }),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  /** Every random stream's seed, derived from `seed` and the stream's name (absent in archives made before). */
  randomStreams: z.object({ derivation: z.string(), seeds: z.record(z.string(), z.number().int()) }).optional(),
  testbed: z.object({
    kind: z.string(),
    options: z.record(z.string(), z.string()),
    descriptions: z.array(z.record(z.string(), z.unknown())),
  }),
  engine: z.object({ version: z.string(), node: z.string(), lockfileSha256: z.string().nullable() }),
  hosts: z.array(z.string()),
  start: z.string(),
  end: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  error: z.string().nullable(),
});

export type Manifest = z.infer<typeof manifestSchema>;
