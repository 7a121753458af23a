import { hardInstance, loadExactSolver, parseInstance, solve } from "../plugins/entropy/index.ts";
await loadExactSolver();
for (const nodes of [10, 50, 200, 500]) {
  for (const seed of [1, 2]) {
    const g = hardInstance({ nodes, seed });
    const p = parseInstance(g.instance);
    const h = solve(p, { timeLimitSeconds: 10 });
    const e = solve(p, { timeLimitSeconds: 30, solver: "exact" });
    console.log(nodes, seed, p.vms.length, h.status, h.plan?.cost.toFixed(1), h.seconds.toFixed(2), "|", e.status, e.plan?.cost.toFixed(1), e.seconds.toFixed(2), JSON.stringify(e.exact));
  }
}
