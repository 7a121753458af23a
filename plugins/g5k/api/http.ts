import type { z } from "zod";
import { UsageError } from "../../../engine/errors.ts";
import type { Clock } from "../../../engine/batch/clock.ts";
import type { Credentials } from "./credentials.ts";
import { G5kApiError, isTransient, oneLine } from "./errors.ts";

export const DEFAULT_API = "https://api.grid5000.fr/stable";

/** This machine: 127.0.0.0/8, ::1, localhost (as URL normalises them). */
const isLoopback = (hostname: string): boolean => hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/**
 * The API root, refused unless it is https: the password goes in every
 * request's Authorization header. Plain http only to this machine (a stand-in).
 */
export function checkApiUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError("g5k: the API address is not a URL");
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname))) return url;
  throw new UsageError(`g5k: the API address must use https (credentials are sent with every request): got ${url.protocol}//${url.host} (plain http only to this machine: 127.0.0.0/8, ::1, localhost)`);
}

export interface HttpInit {
  /** API root, e.g. https://api.grid5000.fr/stable (no trailing slash needed). */
  readonly baseUrl: string;
  readonly credentials?: Credentials;
  readonly clock: Clock;
  /** Extra attempts for idempotent requests failing with 502/503 or no connection. */
  readonly retries?: number;
  /** Seconds before the first retry; doubles each time. */
  readonly retryDelay?: number;
}

export interface Reply {
  readonly status: number;
  readonly location: string | null;
  readonly contentType: string;
  readonly text: string;
}

type Query = Readonly<Record<string, string | number | undefined>>;

/**
 * The one place that talks HTTP to the API: Basic auth, JSON in and out,
 * retries of idempotent requests, errors turned into one-line messages with
 * the password scrubbed from anything quoted.
 */
export class G5kHttp {
  readonly baseUrl: string;
  constructor(private readonly init: HttpInit) {
    checkApiUrl(init.baseUrl);
    this.baseUrl = init.baseUrl.replace(/\/+$/, "");
  }

  get clock(): Clock {
    return this.init.clock;
  }

  async getJson<S extends z.ZodType>(path: string, schema: S, query?: Query, signal?: AbortSignal): Promise<z.output<S>> {
    const reply = await this.send("GET", path, { query, signal });
    return this.parse(reply, "GET", path, schema);
  }

  /** POSTs a JSON body; returns the reply (status, Location) and the parsed document if the API sent one. */
  async postJson<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    signal?: AbortSignal,
  ): Promise<{ reply: Reply; doc: z.output<S> | undefined }> {
    const reply = await this.send("POST", path, { body, signal });
    const doc = reply.text.trim() ? this.parse(reply, "POST", path, schema) : undefined;
    return { reply, doc };
  }

  async delete(path: string, signal?: AbortSignal): Promise<Reply> {
    return this.send("DELETE", path, { signal });
  }

  private parse<S extends z.ZodType>(reply: Reply, method: string, path: string, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(reply.text);
    } catch {
      throw new G5kApiError(reply.status, method, path, `expected JSON, got ${reply.contentType || "no content type"}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new G5kApiError(
        reply.status,
        method,
        path,
        `unexpected document shape at '${issue?.path.join(".") ?? ""}': ${issue?.message ?? "invalid"}`,
      );
    }
    return parsed.data;
  }

  private async send(
    method: "GET" | "POST" | "DELETE",
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal },
  ): Promise<Reply> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.init.credentials) headers.Authorization = this.init.credentials.authorization();
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const idempotent = method !== "POST";
    const retries = idempotent ? (this.init.retries ?? 3) : 0;
    let delay = this.init.retryDelay ?? 5;
    for (let attempt = 0; ; attempt++) {
      let reply: Reply;
      try {
        const response = await fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: options.signal,
        });
        reply = {
          status: response.status,
          location: response.headers.get("location"),
          contentType: response.headers.get("content-type") ?? "",
          text: await response.text(),
        };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (attempt < retries) {
          await this.init.clock.sleep(delay * 1000, options.signal);
          delay *= 2;
          continue;
        }
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new G5kApiError(0, method, path, `API unreachable at ${this.baseUrl}: ${cause}`);
      }
      if (reply.status < 400) return reply;
      if (isTransient(reply.status) && attempt < retries) {
        await this.init.clock.sleep(delay * 1000, options.signal);
        delay *= 2;
        continue;
      }
      throw new G5kApiError(reply.status, method, path, this.scrub(reply.text));
    }
  }

  private scrub(text: string): string {
    const line = oneLine(text);
    return this.init.credentials?.leaksIn(line) ? "(response body withheld: it echoed the credentials)" : line;
  }
}
