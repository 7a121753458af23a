import { UsageError } from "../../engine/errors.ts";
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

const KEYS = ["bandwidth", "latency", "migrationSpeed", "maxRounds", "dirtyIntensity", "computeCost", "crashMeanInterval", "crashDuration"] as const;
type Key = (typeof KEYS)[number];
const DEFAULT_CRASH_DURATION = 300;

export function parseSimOptions(raw: Readonly<Record<string, string>>): SimOptions {
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new UsageError(`unknown sim testbed option '${key}' (known: ${KEYS.join(", ")})`);
  }
  const num = (key: Key, check: (v: number) => boolean, what: string): number | undefined => {
    const text = raw[key];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || !check(value)) throw new UsageError(`sim testbed option ${key} must be ${what}, got '${text}'`);
    return value;
  };
  const positive = (v: number): boolean => v > 0;
  const dirtyIntensity = num("dirtyIntensity", (v) => v >= 0 && v <= 1, "between 0 and 1");
  const crashMeanInterval = num("crashMeanInterval", positive, "a positive number of seconds");
  const crashDuration = num("crashDuration", positive, "a positive number of seconds");
  if (crashDuration !== undefined && crashMeanInterval === undefined) throw new UsageError("sim testbed option crashDuration needs crashMeanInterval");
  return {
    bandwidth: num("bandwidth", positive, "a positive number of bytes/s") ?? DEFAULTS.linkBandwidth,
    latency: num("latency", (v) => v >= 0, "a non-negative number of seconds") ?? DEFAULTS.linkLatency,
    migrationSpeed: num("migrationSpeed", positive, "a positive number of bytes/s") ?? DEFAULTS.migrationSpeed,
    maxRounds: num("maxRounds", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer") ?? DEFAULTS.maxRounds,
    computeCost: num("computeCost", (v) => v >= 0, "a non-negative number of seconds") ?? DEFAULTS.computeCost,
    ...(dirtyIntensity === undefined ? {} : { dirtyIntensity }),
    ...(crashMeanInterval === undefined ? {} : { crashes: { meanInterval: crashMeanInterval, duration: crashDuration ?? DEFAULT_CRASH_DURATION } }),
  };
}
