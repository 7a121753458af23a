/** `npm run bench:faults`: seeded kill -9 / SIGINT of the engine during a sweep, then resume, until done. */
import { injectFaults } from "../test/engine/fault-injection.ts";

const r = await injectFaults(Number(process.env.TRIALS ?? 8), Number(process.env.SEED ?? 20261121));
console.log(`trials ${r.trials}: faults injected ${r.faultsInjected} (${r.kills} kill -9, ${r.interrupts} SIGINT), runs completed after resume ${r.survived}/${r.trials}`);
console.log(`journal lines lost or torn: ${r.journalLinesLost}; runs with a sweep point lost or done twice: ${r.pointsLostOrDuplicated}; data lost = ${r.dataLost}`);
console.log(JSON.stringify({ bench: "faults", ...r }));
