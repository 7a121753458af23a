import { UsageError } from "../errors.ts";
import { testbeds } from "../registry.ts";
import type { SetupExtras } from "../testbed.ts";

export async function testbedCommand(verb: "setup" | "down", name: string, extras: SetupExtras = {}): Promise<number> {
  const plugin = await testbeds.resolve(name);
  const action = verb === "setup" ? plugin.setup : plugin.teardown;
  if (!action) throw new UsageError(`testbed '${name}' has nothing to ${verb} on this machine`);
  for (const extra of Object.keys(extras) as (keyof SetupExtras)[]) {
    if (extras[extra] && !plugin.setupExtras?.includes(extra)) throw new UsageError(`testbed '${name}' has no --${extra} part to ${verb}`);
  }
  await action.call(plugin, (message: string) => process.stdout.write(`${message}\n`), extras);
  return 0;
}
