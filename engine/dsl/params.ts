import { z } from "zod";
import { UsageError } from "../errors.ts";

/**
 * Typed workflow parameters. Each spec carries its default, its description
 * and a zod schema; `--param k=v` strings are parsed by the spec, then
 * validated by the schema, so a bad value fails before anything starts.
 */
export interface ParamSpec<T> {
  readonly kind: string;
  readonly default: T;
  readonly description: string;
  readonly schema: z.ZodType<T>;
  /** Numeric bounds (of the items, for a list), shown by `g5k-flow describe`. */
  readonly bounds?: Bounds;
  /** Turns a command-line string into a candidate value (validated afterwards by `schema`). */
  fromText(text: string): unknown;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec<unknown>>>;

export type ParamValues<P extends ParamSpecs> = {
  readonly [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never;
};

export interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

function bounded(schema: z.ZodNumber, bounds: Bounds): z.ZodNumber {
  let s = schema;
  if (bounds.min !== undefined) s = s.min(bounds.min);
  if (bounds.max !== undefined) s = s.max(bounds.max);
  return s;
}

const numberText = (text: string): unknown => (text.trim() === "" ? text : Number(text));

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "30m", "1h30m", "1800" (seconds) → seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) return Number.NaN;
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]], 0);
}

function spec<T>(kind: string, def: T, description: string, schema: z.ZodType<T>, fromText: (t: string) => unknown, bounds?: Bounds): ParamSpec<T> {
  return { kind, default: def, description, schema, fromText, ...(bounds && (bounds.min !== undefined || bounds.max !== undefined) ? { bounds } : {}) };
}

export const param = {
  int(def: number, description = "", bounds: Bounds = {}): ParamSpec<number> {
    return spec("int", def, description, bounded(z.number().int(), bounds), numberText, bounds);
  },
  number(def: number, description = "", bounds: Bounds = {}): ParamSpec<number> {
    return spec("number", def, description, bounded(z.number(), bounds), numberText, bounds);
  },
  string(def: string, description = ""): ParamSpec<string> {
    return spec("string", def, description, z.string(), (t) => t);
  },
  bool(def: boolean, description = ""): ParamSpec<boolean> {
    const fromText = (t: string): unknown => ({ true: true, false: false, yes: true, no: false, "1": true, "0": false })[t.toLowerCase()] ?? t;
    return spec("bool", def, description, z.boolean(), fromText);
  },
  choice<const T extends readonly [string, ...string[]]>(values: T, def: T[number], description = ""): ParamSpec<T[number]> {
    return spec(`choice(${values.join("|")})`, def, description, z.enum(values) as unknown as z.ZodType<T[number]>, (t) => t);
  },
  /** A duration in seconds, written "30m", "1h", "90s" or plain seconds. */
  duration(def: string | number, description = "", bounds: Bounds = {}): ParamSpec<number> {
    const seconds = typeof def === "number" ? def : parseDuration(def);
    return spec("duration", seconds, description, bounded(z.number().nonnegative(), bounds), parseDuration, bounds);
  },
  /** A comma-separated list of items of one kind, e.g. `--param scales=500,1000`. */
  list<T>(item: ParamSpec<T>, def: readonly T[], description = ""): ParamSpec<readonly T[]> {
    const fromText = (t: string): unknown => (t.trim() === "" ? [] : t.split(",").map((part) => item.fromText(part.trim())));
    return spec(`list<${item.kind}>`, def, description, z.array(item.schema).readonly(), fromText, item.bounds);
  },
};

/** Defaults overlaid by given values (strings from the CLI, or values from an archive), validated. */
export function resolveParams<P extends ParamSpecs>(specs: P, given: Readonly<Record<string, unknown>>): ParamValues<P> {
  const unknown = Object.keys(given).filter((k) => !Object.hasOwn(specs, k));
  if (unknown.length > 0) {
    throw new UsageError(`unknown param '${unknown[0]}' (known: ${Object.keys(specs).join(", ")})`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const raw = Object.hasOwn(given, name) ? given[name] : s.default;
    const checked = checkParam(s, raw);
    if (!checked.ok) throw new UsageError(`param '${name}': ${checked.problem} (got ${JSON.stringify(raw)}, expected ${s.kind})`);
    values[name] = checked.value;
  }
  return values as ParamValues<P>;
}

/** One value (a command-line string, or a value from an archive) parsed and validated by its spec; otherwise what is wrong with it. */
export function checkParam<T>(s: ParamSpec<T>, raw: unknown): { ok: true; value: T } | { ok: false; problem: string } {
  const candidate = typeof raw === "string" && s.kind !== "string" && !s.kind.startsWith("choice") ? s.fromText(raw) : raw;
  const parsed = s.schema.safeParse(candidate);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: parsed.error.issues[0]?.message ?? "invalid value" };
}
