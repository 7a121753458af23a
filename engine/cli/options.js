// @ts-check
/** Option parsers of the command line (plain JavaScript: see main.js). A bad value is a one-line error, exit code 2. */
import { InvalidArgumentError } from "commander";

/**
 * The exit code of a commander parse that stopped: help and version printed, 0; any parsing error is bad input, 2.
 * @param {import("commander").CommanderError} error
 * @returns {number}
 */
export function commanderExitCode(error) {
  return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
}

/**
 * Collects repeated `--param k=v` style options into a record.
 * @param {string} value
 * @param {Record<string, string>} [previous]
 * @returns {Record<string, string>}
 */
export function collectPair(value, previous = {}) {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * @param {string} value
 * @returns {number}
 */
export function parseSeed(value) {
  const seed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(seed)) throw new InvalidArgumentError(`--seed must be an integer, got '${value}'`);
  return seed;
}

/**
 * @param {string} name
 * @returns {(value: string) => number}
 */
export function parsePositive(name) {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${value}'`);
    return n;
  };
}

export const DEFAULT_RESULTS = process.env.G5K_FLOW_RESULTS ?? "results";
