import { UsageError } from "./errors.ts";
import type { SchedulerPlugin } from "./scheduler.ts";
import type { InstanceSolver } from "./solver.ts";
import type { TestbedPlugin } from "./testbed.ts";

/**
 * Plugins register by name with a lazy loader, so the engine never imports a
 * plugin by path and `--help` does not pay for loading a simulator.
 */
class Registry<T> {
  private readonly loaders = new Map<string, () => Promise<T>>();
  constructor(private readonly kind: string) {}

  register(name: string, load: () => Promise<T>): void {
    this.loaders.set(name, load);
  }

  names(): string[] {
    return [...this.loaders.keys()].sort();
  }

  async resolve(name: string): Promise<T> {
    const load = this.loaders.get(name);
    if (!load) {
      throw new UsageError(`unknown ${this.kind} '${name}' (${this.names().length ? `known: ${this.names().join(", ")}` : "none registered"})`);
    }
    return load();
  }
}

export const testbeds = new Registry<TestbedPlugin>("testbed");
export const schedulers = new Registry<SchedulerPlugin>("scheduler");
export const solvers = new Registry<InstanceSolver>("solver");
