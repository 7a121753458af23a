import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(def);

const schema = z.object({
  /** Nodes all local runs may hold together. */
  poolSize: int(16, 1, 200),
  /** Capacity each node reports to schedulers (the machine's cores are shared by all nodes). */
  cores: num(1, 0.1, 64),
  memoryMiB: int(2048, 128, 1 << 20),
  accel: z.enum(["auto", "kvm", "tcg"]).default("auto"),
  /** Seconds a guest has to answer SSH after `virsh create`. */
  bootTimeout: num(120, 5, 3600),
  bootRetries: int(1, 0, 5),
  /** Seconds before an unfinished migration is aborted and reported not converged. */
  migrateTimeout: num(120, 5, 3600),
  /** Seconds between CPU polls of the nodes' libvirtd. */
  pollInterval: num(1, 0.2, 60),
  /** Who grants nodes: this machine's ledger, or a real OAR job (testbed setup local --oar). */
  reservation: z.enum(["local", "oar"]).default("local"),
  /** OAR properties the reserved nodes must have (reservation=oar), e.g. "host != 'oarn-h0'". */
  oarProperties: z.string().default(""),
}).strict();

export type LocalOptions = z.infer<typeof schema>;

export function parseLocalOptions(options: Readonly<Record<string, string>>): LocalOptions {
  const r = schema.safeParse(options);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue?.path.join(".") || "?";
    throw new UsageError(`local testbed option '${key}': ${issue?.message ?? "invalid"} (known: ${Object.keys(schema.shape).join(", ")})`);
  }
  return r.data;
}
