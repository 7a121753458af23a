/** `npm run bench:faults`: seeded kill -9 / SIGINT of the engine during a sweep, then resume, until done. */
import { param } from "../engine/dsl/params.ts";
import { injectFaults } from "../test/engine/fault-injection.ts";
import { benchArgs } from "./args.ts";

const args = benchArgs({
  name: "faults",
  description: "Seeded kill -9 / SIGINT of the engine during a sweep, then resume, until done: journal lines and sweep points lost. Last line: one JSON object.",
  flags: { trials: param.int(8, "runs, each interrupted and resumed", { min: 1 }), seed: param.int(20261121, "seed of the faults' times and kinds") },
  env: { trials: "TRIALS", seed: "SEED" },
});
const r = await injectFaults(args.trials, args.seed);
console.log(`trials ${r.trials}: faults injected ${r.faultsInjected} (${r.kills} kill -9, ${r.interrupts} SIGINT), runs completed after resume ${r.survived}/${r.trials}`);
console.log(`journal lines lost or torn: ${r.journalLinesLost}; runs with a sweep point lost or done twice: ${r.pointsLostOrDuplicated}; data lost = ${r.dataLost}`);
console.log(JSON.stringify({ bench: "faults", ...r }));
