import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError } from "../../errors.ts";

/**
 * How server host keys are checked.
 * - "accept-new" (default): keys listed in `knownHostsFile` (if given) must
 *   match; an unlisted host's first key is trusted and remembered for the
 *   pool's life, so a later change is refused. Testbed nodes get fresh keys at
 *   every deployment, which makes a global known_hosts useless; nothing is
 *   written to ~/.ssh.
 * - "strict": the host must be listed in `knownHostsFile` with that key.
 * - "insecure": any key is accepted (throw-away local testbeds only).
 */
export type HostKeyPolicy =
  | { readonly mode: "accept-new"; readonly knownHostsFile?: string }
  | { readonly mode: "strict"; readonly knownHostsFile: string }
  | { readonly mode: "insecure" };

export const DEFAULT_HOST_KEY_POLICY: HostKeyPolicy = { mode: "accept-new" };

interface Entry {
  readonly matches: (name: string) => boolean;
  readonly key: Buffer;
}

/** Decides whether a host key is acceptable, under one policy, for one pool. */
export class HostKeyChecker {
  private readonly known: readonly Entry[];
  private readonly seen = new Map<string, Buffer>();

  constructor(private readonly policy: HostKeyPolicy) {
    const file = policy.mode === "insecure" ? undefined : policy.knownHostsFile;
    if (policy.mode === "strict" && !file) throw new UsageError("host-key policy strict needs knownHostsFile");
    this.known = file ? parseKnownHosts(readFileSync(file, "utf8")) : [];
  }

  /**
   * The key a host must present, base64, for relays checking on our behalf:
   * undefined = any (insecure, or first use under accept-new); "" = none
   * (strict and unlisted).
   */
  expected(address: string, port: number): string | undefined {
    if (this.policy.mode === "insecure") return undefined;
    const name = port === 22 ? address : `[${address}]:${port}`;
    const key = this.known.find((e) => e.matches(name))?.key ?? this.seen.get(name);
    if (key) return key.toString("base64");
    return this.policy.mode === "strict" ? "" : undefined;
  }

  /** Returns null when acceptable, else why not. */
  check(address: string, port: number, key: Buffer): string | null {
    if (this.policy.mode === "insecure") return null;
    const name = port === 22 ? address : `[${address}]:${port}`;
    const listed = this.known.filter((e) => e.matches(name));
    if (listed.length > 0) {
      return listed.some((e) => e.key.equals(key)) ? null : `host key of ${name} does not match known_hosts`;
    }
    if (this.policy.mode === "strict") return `host ${name} is not in known_hosts (strict host-key policy)`;
    const first = this.seen.get(name);
    if (!first) {
      this.seen.set(name, key);
      return null;
    }
    return first.equals(key) ? null : `host key of ${name} changed since first connection`;
  }
}

function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("@")) continue;
    const [names, , b64] = line.split(/\s+/);
    if (!names || !b64) continue;
    entries.push({ matches: matcher(names), key: Buffer.from(b64, "base64") });
  }
  return entries;
}

function matcher(field: string): (name: string) => boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    return (name) => createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  const names = field.split(",");
  return (name) => names.includes(name);
}
