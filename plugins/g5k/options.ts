import { basename } from "node:path";
import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";
import { libvirtOptionShape } from "../libvirt/index.ts";
import { checkApiUrl, DEFAULT_API } from "./api/http.ts";

/** Walltime as seconds, "H:MM:SS", "90m" or "2h". */
export function parseDuration(text: string): number {
  const hms = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(text);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3] ?? 0);
  const unit = /^(\d+)([smhd]?)$/.exec(text);
  if (unit) return Number(unit[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as const)[unit[2] as "" | "s" | "m" | "h" | "d"];
  throw new UsageError(`g5k: invalid duration '${text}' (use seconds, H:MM:SS, 90m or 2h)`);
}

/** OAR keeps job names in a VARCHAR(100) column. */
const OAR_NAME_MAX = 100;
const PREFIX = "g5k-flow-";
/** Length of the run id's hash suffix (engine/run/runner.ts): what keeps a shortened name unique. */
const RUN_HASH = 6;

/**
 * The default OAR job name: the run's id (its archive folder's name), so a
 * restarted or resumed run finds its own jobs and no one else's. A long
 * workflow name is cut, the id's stamp and hash suffix kept.
 */
export function runJobName(archiveDir: string): string {
  const id = basename(archiveDir).replace(/[^A-Za-z0-9_.-]+/g, "-");
  const full = `${PREFIX}${id}`;
  return full.length <= OAR_NAME_MAX ? full : `${full.slice(0, OAR_NAME_MAX - RUN_HASH - 1)}-${full.slice(-RUN_HASH)}`;
}

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '.', '_' or '-'");
const bool = z.enum(["true", "false", "yes", "no", "1", "0"]).transform((v) => v === "true" || v === "yes" || v === "1");
const positiveInt = z.string().regex(/^\d+$/, "a whole number").transform(Number).pipe(z.number().int().positive());

/** `--testbed-opt key=value` options of the g5k testbed (README lists them). */
const schema = z.object({
  api: z.url().default(DEFAULT_API),
  sites: z
    .string()
    .default("rennes")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(name).min(1)),
  cluster: name.optional(),
  credentials: z.string().optional(),
  /** OAR job name, to reattach after a restart; default: g5k-flow-<run id> (runJobName). */
  jobName: name.max(OAR_NAME_MAX, `at most ${OAR_NAME_MAX} characters (OAR's limit)`).optional(),
  walltime: z.string().default("2:00:00").transform(parseDuration),
  queue: name.optional(),
  project: name.optional(),
  properties: z.string().optional(),
  reservation: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$|^\d+$/, "'YYYY-MM-DD HH:MM:SS' or epoch seconds").optional(),
  environment: z.string().default("debian11-min"),
  /** Public key installed for root by Kadeploy (its content is sent, it is public). */
  publicKey: z.string().optional(),
  /** Private key ssh uses to reach the deployed nodes (its path only is kept). */
  sshKey: z.string().optional(),
  vlan: z.enum(["none", "kavlan-local", "kavlan", "kavlan-global"]).default("none"),
  subnets: z.string().default("1").transform(Number).pipe(z.number().int().min(0)),
  deployRounds: positiveInt.default(3),
  minDeployed: z.string().default("0.9").transform(Number).pipe(z.number().gt(0).lte(1)),
  /** SSH jump host when running outside Grid'5000: `[user@]host[:port]`, e.g. access.grid5000.fr (user: your login). */
  gateway: z
    .string()
    .regex(/^(?:[A-Za-z_][A-Za-z0-9_.-]*@)?[A-Za-z0-9][A-Za-z0-9.-]*(?::\d{1,5})?$/, "[user@]host[:port]")
    .optional(),
  /** JSON file mapping node FQDNs to the addresses to reach them at (labs behind NAT, the stand-in's namespaces). */
  addresses: z.string().optional(),
  ...libvirtOptionShape,
  /** Turn the deployed nodes into hypervisors (packages, bridge, sysctls, libvirtd): plugins/libvirt/provision. */
  provision: bool.default(true),
  /** Where each node keeps its libvirt state (`<libvirtDir>/<node>`): wiped by a redeployment. */
  libvirtDir: z.string().regex(/^\/[A-Za-z0-9_./-]*$/, "an absolute path of letters, digits, '_', '.', '/' or '-'").default("/var/lib/g5k-flow/libvirt"),
  /** The interface the VMs' bridge takes over (default: the one of the default route). */
  nodeInterface: name.optional(),
  /** Attempts after the first for a node whose provisioning sub-step failed. */
  provisionRetries: z.coerce.number().int().min(0).max(5).default(1),
  /** Nodes reserved and deployed beyond those asked, each taking the place of a node provisioning excluded (vm5k's spare hosts). */
  spares: z.coerce.number().int().min(0).max(1000).default(0),
  reattach: bool.default(true),
  keepJobs: bool.default(false),
});

export type G5kOptions = z.output<typeof schema>;

export function parseOptions(options: Readonly<Record<string, string>>): G5kOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join(".") || "options";
    throw new UsageError(`g5k: bad testbed option '${key}': ${issue.message}`);
  }
  const unknown = Object.keys(options).filter((k) => !(k in schema.shape));
  if (unknown.length) throw new UsageError(`g5k: unknown testbed option '${unknown[0]}' (known: ${Object.keys(schema.shape).join(", ")})`);
  checkApiUrl(parsed.data.api);
  return parsed.data;
}
