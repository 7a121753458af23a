/** Keeps secrets out of everything the archive writes. */

const SECRET_KEY = /pass(word)?|secret|token|credential|private.?key|api.?key|^auth/i;
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export const REDACTED = "[redacted]";

/** A deep copy of `value` with secret-named fields and private-key blocks replaced. */
export function redact<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === "string") return value.replace(PEM_BLOCK, REDACTED);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : redactValue(v)]),
    );
  }
  return value;
}
