/** Keeps secrets out of everything the archive writes. */

/** Names of fields that hold secrets, whatever their prefix: `password`, `g5kPassword`, `api_key`, `clientSecret`... */
const SECRET_NAME = /(password|passwd|passphrase|secret|token|apikey|privatekey|authorization)$/;
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
/** Shorter values are not scrubbed from free text: they would match everywhere. */
const MIN_SECRET_LENGTH = 6;

export const REDACTED = "[redacted]";

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ""));
}

/** Secret values the archive must never contain: those of env variables and options with secret names, plus `extra`. */
export function secretValues(sources: readonly Readonly<Record<string, string | undefined>>[], extra: readonly (string | undefined)[] = []): string[] {
  const named = sources.flatMap((source) => Object.entries(source).filter(([k, v]) => v !== undefined && isSecretName(k)).map(([, v]) => v as string));
  return [...new Set([...named, ...extra.filter((v): v is string => v !== undefined)])].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/**
 * A deep copy of `value` with secrets replaced: fields with secret names
 * (when `byName`), private-key blocks, and any occurrence of a known secret
 * value inside a string.
 */
export function redact<T>(value: T, secrets: readonly string[] = [], byName = true): T {
  const scrub = (text: string): string => secrets.reduce((t, secret) => t.replaceAll(secret, REDACTED), text.replace(PEM_BLOCK, REDACTED));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, byName && isSecretName(k) ? REDACTED : walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}
