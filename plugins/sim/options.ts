import { UsageError } from "../../engine/errors.ts";
import type { StressProfile } from "../../engine/testbed.ts";
import { DEFAULTS } from "./constants.ts";
import type { CrashSpec } from "./world.ts";

/** `--testbed-opt` keys of the sim testbed, parsed and checked. */
export interface SimOptions {
  readonly bandwidth: number;
  readonly latency: number;
  readonly migrationSpeed: number;
  readonly maxRounds: number;
  readonly dirtyIntensity?: number;
  readonly computeCost: number;
  readonly crashes?: CrashSpec;
}

type Rule = readonly [check: (v: number) => boolean, what: string];
const finite = (check: (v: number) => boolean) => (v: number) => Number.isFinite(v) && check(v);
const positiveSeconds: Rule = [finite((v) => v > 0), "a positive number of seconds"];

/** Every model parameter of the sim testbed and what it must be, whether given as an option or in a SimClusterSpec. */
const RULES = {
  bandwidth: [finite((v) => v > 0), "a positive number of bytes/s"],
  latency: [finite((v) => v >= 0), "a non-negative number of seconds"],
  migrationSpeed: [finite((v) => v > 0), "a positive number of bytes/s"],
  maxRounds: [(v) => Number.isSafeInteger(v) && v >= 0, "a non-negative integer"],
  dirtyIntensity: [(v) => v >= 0 && v <= 1, "between 0 and 1"],
  computeCost: [finite((v) => v >= 0), "a non-negative number of seconds"],
  crashMeanInterval: positiveSeconds,
  crashDuration: positiveSeconds,
} as const satisfies Record<string, Rule>;
type Key = keyof typeof RULES;
const KEYS = Object.keys(RULES) as Key[];
const DEFAULT_CRASH_DURATION = 300;

/** Throws a one-line usage error unless `value` is a valid `key`. */
export function checkModelValue(key: Key, value: number, shown: string = String(value)): number {
  const [check, what] = RULES[key];
  if (typeof value !== "number" || !check(value)) throw new UsageError(`sim testbed option ${key} must be ${what}, got '${shown}'`);
  return value;
}

export function parseSimOptions(raw: Readonly<Record<string, string>>): SimOptions {
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new UsageError(`unknown sim testbed option '${key}' (known: ${KEYS.join(", ")})`);
  }
  const num = (key: Key): number | undefined => {
    const text = raw[key];
    if (text === undefined) return undefined;
    return checkModelValue(key, text.trim() === "" ? NaN : Number(text), text);
  };
  const dirtyIntensity = num("dirtyIntensity");
  const crashMeanInterval = num("crashMeanInterval");
  const crashDuration = num("crashDuration");
  if (crashDuration !== undefined && crashMeanInterval === undefined) throw new UsageError("sim testbed option crashDuration needs crashMeanInterval");
  return {
    bandwidth: num("bandwidth") ?? DEFAULTS.linkBandwidth,
    latency: num("latency") ?? DEFAULTS.linkLatency,
    migrationSpeed: num("migrationSpeed") ?? DEFAULTS.migrationSpeed,
    maxRounds: num("maxRounds") ?? DEFAULTS.maxRounds,
    computeCost: num("computeCost") ?? DEFAULTS.computeCost,
    ...(dirtyIntensity === undefined ? {} : { dirtyIntensity }),
    ...(crashMeanInterval === undefined ? {} : { crashes: { meanInterval: crashMeanInterval, duration: crashDuration ?? DEFAULT_CRASH_DURATION } }),
  };
}

/** Throws a one-line usage error for a load profile the injector cannot run. */
export function checkProfile(profile: StressProfile): void {
  if (profile.kind === "gaussian") {
    if (!(profile.mean >= 0 && profile.mean <= 1)) throw new UsageError(`gaussian load mean must be between 0 and 1, got ${profile.mean}`);
    if (!(profile.std >= 0 && Number.isFinite(profile.std))) throw new UsageError(`gaussian load std must be a finite number >= 0, got ${profile.std}`);
    if (profile.loadPeriod !== undefined && !(profile.loadPeriod > 0 && Number.isFinite(profile.loadPeriod))) throw new UsageError(`loadPeriod must be a positive number of seconds, got ${profile.loadPeriod}`);
  } else if (profile.kind === "constant") {
    if (!(profile.load >= 0 && profile.load <= 1)) throw new UsageError(`constant load must be between 0 and 1, got ${profile.load}`);
    const p = profile.dirtyIntensity;
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new UsageError(`dirtyIntensity must be between 0 and 1, got ${p}`);
  } else {
    throw new UsageError(`unknown stress profile '${(profile as { kind: string }).kind}' (known: gaussian, constant)`);
  }
}

/** Throws a one-line usage error unless `value` is an integer >= `min` (0 or 1). */
export function checkInt(name: string, value: number, min: 0 | 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${name} must be a ${min === 0 ? "non-negative" : "positive"} integer, got ${value}`);
  return value;
}
