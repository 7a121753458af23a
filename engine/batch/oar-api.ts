import { z } from "zod";
import { UsageError } from "../errors.ts";
import { shellQuote } from "../process/quote.ts";
import { defaultBackoff, systemClock, type BackoffPolicy, type Clock } from "./clock.ts";
import { isFinal, jobPhase, oarWalltime, waitJobFinal, waitJobRunning } from "./job.ts";

/** The local testbed's OAR REST API (Apache on loopback port 16668, see docs/oar.md). */
export const LOCAL_OAR_API = "http://127.0.0.1:16668/oarapi";
/** The account OAR jobs run as on the local testbed: OAR refuses root. */
export const LOCAL_OAR_USER = "g5kflow";

const jobDoc = z.object({
  id: z.coerce.number(),
  state: z.string(),
  message: z.string().nullish(),
  name: z.string().nullish(),
  exit_code: z.number().nullish(),
});
export type OarJob = z.infer<typeof jobDoc>;

const submitted = z.object({ id: z.coerce.number() });
const nodesDoc = z.object({ items: z.array(z.object({ network_address: z.string() })) });

/** What to ask OAR for (oarsub's options). */
export interface OarSubmission {
  readonly name: string;
  readonly nodes: number;
  /** Seconds. */
  readonly walltime: number;
  /** OAR SQL expression on resource properties, e.g. "host != 'oarn-h0'". */
  readonly properties?: string;
  /** What the job runs on its first node: an argument vector (quoted here, never a shell string from data); none: it holds its nodes until ended. */
  readonly argv?: readonly string[];
  /** Where the job starts and OAR writes its stdout/stderr. */
  readonly directory: string;
  readonly stdout?: string;
  readonly stderr?: string;
}

/**
 * The OAR REST API quotes commands itself, into further shell strings, and
 * escapes only some characters; arguments are held to characters no shell
 * layer treats specially, so nothing depends on its escaping.
 */
const PLAIN = /^[A-Za-z0-9_./:=,@+%-]+$/;

function checkPlain(what: string, value: string): string {
  if (!PLAIN.test(value)) throw new UsageError(`OAR: ${what} '${value}' has characters OAR's API would pass to a shell (allowed: letters, digits, _ . / : = , @ + % -)`);
  return value;
}

/** A job body that holds its nodes until signalled (SIGUSR2: exits 0, so OAR records the job Terminated). A constant. */
const HOLD = "trap 'exit 0' USR2; while :; do sleep 1; done";

const PROPERTIES = /^[A-Za-z0-9_ .'=!<>(),-]*$/;

/** An OAR-side failure as one line. */
export class OarApiError extends Error {
  override readonly name = "OarApiError";
}

/**
 * OAR's own REST API (oar-restful-api 2.5), the user given in the
 * X-REMOTE-IDENT header. Jobs follow OAR's state machine (engine/batch/job.ts),
 * the one the Grid'5000 API reports too.
 */
export class OarApi {
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;

  constructor(
    private readonly init: { readonly url?: string; readonly user?: string; readonly clock?: Clock; readonly backoff?: BackoffPolicy },
  ) {
    this.clock = init.clock ?? systemClock;
    // a local scheduler answers within seconds: poll faster than a national testbed's API
    this.backoff = init.backoff ?? { ...defaultBackoff, initial: 1, plateau: 5 };
  }

  private get base(): string {
    return (this.init.url ?? LOCAL_OAR_API).replace(/\/+$/, "");
  }

  private async send<S extends z.ZodType>(method: "GET" | "POST" | "DELETE", path: string, schema: S, body?: unknown, signal?: AbortSignal): Promise<z.output<S>> {
    const headers: Record<string, string> = { Accept: "application/json", "X-REMOTE-IDENT": this.init.user ?? LOCAL_OAR_USER };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new OarApiError(`OAR API ${method} ${path}: unreachable at ${this.base} (${cause}): is it set up (g5k-flow testbed setup local --oar)?`);
    }
    const text = await response.text();
    if (!response.ok) throw new OarApiError(`OAR API ${method} ${path}: ${response.status} ${text.replace(/\s+/g, " ").trim().slice(0, 200)}`);
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new OarApiError(`OAR API ${method} ${path}: unexpected document: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return parsed.data;
  }

  async submit(job: OarSubmission, signal?: AbortSignal): Promise<number> {
    if (!Number.isInteger(job.nodes) || job.nodes < 1) throw new UsageError(`OAR: nodes must be a positive integer, got ${job.nodes}`);
    if (job.properties !== undefined && !PROPERTIES.test(job.properties)) throw new UsageError(`OAR: properties '${job.properties}' has characters outside an OAR SQL expression`);
    const body: Record<string, string> = {
      name: checkPlain("job name", job.name),
      resource: `nodes=${job.nodes},walltime=${oarWalltime(job.walltime)}`,
      command: job.argv ? job.argv.map((a) => shellQuote(checkPlain("argument", a))).join(" ") : HOLD,
      directory: checkPlain("directory", job.directory),
    };
    if (job.properties) body.property = job.properties;
    if (job.stdout) body.stdout = checkPlain("stdout file", job.stdout);
    if (job.stderr) body.stderr = checkPlain("stderr file", job.stderr);
    return (await this.send("POST", "/jobs.json", submitted, body, signal)).id;
  }

  get(id: number, signal?: AbortSignal): Promise<OarJob> {
    return this.send("GET", `/jobs/${id}.json`, jobDoc, undefined, signal);
  }

  /** Network addresses of the job's nodes. */
  async nodes(id: number, signal?: AbortSignal): Promise<string[]> {
    return (await this.send("GET", `/jobs/${id}/nodes.json`, nodesDoc, undefined, signal)).items.map((n) => n.network_address);
  }

  waitRunning(id: number, signal?: AbortSignal, onWait?: (job: OarJob, nextDelay: number) => void): Promise<OarJob> {
    return waitJobRunning(`OAR job ${id}`, this.clock, this.backoff, () => this.get(id, signal), signal, onWait);
  }

  waitFinal(id: number, signal?: AbortSignal): Promise<OarJob> {
    return waitJobFinal(this.clock, this.backoff, () => this.get(id, signal), signal);
  }

  /** oardel -s: the job's processes get the signal (they may end cleanly: Terminated, not Error). */
  async signal(id: number, signo: number, signal?: AbortSignal): Promise<void> {
    await this.send("POST", `/jobs/${id}/signals/${signo}.json`, z.unknown(), undefined, signal);
  }

  /** oardel: a running job is killed and ends in Error, a waiting one never starts. */
  async delete(id: number, signal?: AbortSignal): Promise<void> {
    await this.send("DELETE", `/jobs/${id}.json`, z.unknown(), undefined, signal);
  }

  /**
   * Ends a job: a running one is asked to stop (SIGUSR2: jobs submitted by
   * g5k-flow exit 0 on it, so OAR records Terminated), one not running or not
   * stopping within `graceSeconds` is deleted. Resolves once the job is final.
   */
  async end(id: number, graceSeconds = 60): Promise<OarJob> {
    const job = await this.get(id);
    if (isFinal(job.state)) return job;
    if (jobPhase(job.state) === "running") {
      await this.signal(id, 12);
      const ended = await this.waitFinal(id, AbortSignal.timeout(graceSeconds * 1000)).catch(() => null);
      if (ended) return ended;
    }
    await this.delete(id);
    return this.waitFinal(id, AbortSignal.timeout(graceSeconds * 1000));
  }
}
