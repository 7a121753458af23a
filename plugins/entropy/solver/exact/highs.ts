import highsPackage, { type Highs } from "highs";

// The package's types describe its CommonJS build; its ES module build (the one Node loads here) exports the loader as default.
const loadHighs = highsPackage as unknown as typeof highsPackage.default;

/**
 * HiGHS compiled to WebAssembly (MIT), the exact mode's MIP solver. Loading
 * compiles 3.5 MB of WebAssembly (about 0.3 s idle), so it happens once, on
 * demand: callers that may use the exact mode await `loadExactSolver()`
 * before solving synchronously (the CLI with --exact, the schedulers'
 * `prepare`).
 */
let runtime: Highs | null = null;
let loading: Promise<void> | null = null;

export function loadExactSolver(): Promise<void> {
  loading ??= loadHighs().then((h) => {
    runtime = h;
  });
  return loading as Promise<void>;
}

export function exactRuntime(): Highs {
  if (!runtime) throw new Error("the exact solver is not loaded: await loadExactSolver() first");
  return runtime;
}
