/** The plugins shipped with g5k-flow, registered by name (loaded on first use). */
import { schedulers, solvers, testbeds } from "../engine/registry.ts";

testbeds.register("sim", async () => (await import("./sim/index.ts")).simTestbed);
testbeds.register("local", async () => (await import("./local/index.ts")).localTestbed);
testbeds.register("g5k", async () => (await import("./g5k/index.ts")).g5kTestbed);
testbeds.register("ssh", async () => (await import("./ssh/index.ts")).sshTestbed);
schedulers.register("entropy", async () => (await import("./entropy/index.ts")).entropyScheduler);
schedulers.register("dvms", async () => (await import("./dvms/index.ts")).dvmsScheduler);
schedulers.register("none", async () => (await import("./noop/index.ts")).noopScheduler);
solvers.register("entropy", async () => (await import("./entropy/index.ts")).entropySolver);
