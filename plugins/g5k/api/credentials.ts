import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { parse } from "yaml";
import { UsageError } from "../../../engine/errors.ts";

/**
 * Grid'5000 account. The password lives in a private field: it is only ever
 * read to build the Authorization header, and every serialisation
 * (JSON.stringify, util.inspect, template strings) shows a mask instead.
 */
export class Credentials {
  readonly #password: string;
  constructor(
    readonly user: string,
    password: string,
    /** Where they came from, for messages: "environment" or the file path. */
    readonly source: string,
  ) {
    this.#password = password;
  }

  authorization(): string {
    return `Basic ${Buffer.from(`${this.user}:${this.#password}`).toString("base64")}`;
  }

  /** True if `text` contains the password (or its Basic form): used to scrub API bodies. */
  leaksIn(text: string): boolean {
    return this.#password.length > 0 && (text.includes(this.#password) || text.includes(this.authorization().slice(6)));
  }

  toJSON(): Record<string, string> {
    return { user: this.user, password: "***", source: this.source };
  }

  toString(): string {
    return `${this.user} (password from ${this.source})`;
  }

  [inspect.custom](): string {
    return `Credentials { user: '${this.user}', password: '***', source: '${this.source}' }`;
  }
}

export const DEFAULT_CREDENTIALS_FILE = join(homedir(), ".grid5000.yml");

export interface CredentialSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Explicit file (option `credentials=`); missing explicit file is an error. */
  readonly file?: string;
  /** Default file, used only if it exists. */
  readonly defaultFile?: string;
  readonly warn?: (message: string) => void;
}

/**
 * Environment first (G5K_USER + G5K_PASSWORD), then the YAML file
 * (`username:` / `password:`, as python-grid5000's file). No credentials is
 * not an error: from a frontend the API needs none; a 401 then explains.
 */
export function loadCredentials(sources: CredentialSources): Credentials | undefined {
  const { env } = sources;
  if (env.G5K_USER || env.G5K_PASSWORD) {
    if (!env.G5K_USER || !env.G5K_PASSWORD) {
      throw new UsageError("g5k: set both G5K_USER and G5K_PASSWORD, or neither (to use the credentials file)");
    }
    return new Credentials(env.G5K_USER, env.G5K_PASSWORD, "environment");
  }
  const file = sources.file ?? sources.defaultFile;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    if (sources.file) throw new UsageError(`g5k: cannot read credentials file ${file}`);
    return undefined;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    sources.warn?.(`g5k: credentials file ${file} is readable by others; run: chmod 600 ${file}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // The YAML parser's message quotes the offending line, which may hold the password.
    throw new UsageError(`g5k: credentials file ${file} is not valid YAML`);
  }
  const record = (doc ?? {}) as Record<string, unknown>;
  const user = record.username ?? record.user;
  const password = record.password;
  if (typeof user !== "string" || typeof password !== "string" || !user || !password) {
    throw new UsageError(`g5k: credentials file ${file} needs 'username:' and 'password:' entries`);
  }
  return new Credentials(user, password, file);
}
