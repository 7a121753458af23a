import { UsageError } from "../errors.ts";
import { testbeds } from "../registry.ts";

export async function testbedCommand(verb: "setup" | "down", name: string): Promise<number> {
  const plugin = await testbeds.resolve(name);
  const action = verb === "setup" ? plugin.setup : plugin.teardown;
  if (!action) throw new UsageError(`testbed '${name}' has nothing to ${verb} on this machine`);
  await action.call(plugin, (message: string) => process.stdout.write(`${message}\n`));
  return 0;
}
