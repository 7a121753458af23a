import type { LinearModel, Term } from "../../constraints/constraint.ts";
import type { Problem } from "../../model/problem.ts";
import type { Targets } from "../targets.ts";

/**
 * The repair problem as a MIP: x(v, n) = 1 when free VM v ends on node n;
 * one node per VM; per node and resource, the demands of the VMs ending
 * there fit beside the fixed ones; each constraint adds its rows
 * (`Constraint.linear`). Objective: the summed duration of the migrations
 * (a VM ending away from its current node), which is the plan's cost when
 * every migration can start at t = 0. Written in CPLEX LP format for HiGHS.
 */
export class Mip implements LinearModel {
  private readonly vars: Map<number, string>[];
  private readonly cands: number[][];
  private readonly rows: string[] = [];
  private readonly binaries: string[] = [];
  private aux = 0;
  /** A row with no variable that cannot hold: the model is infeasible as built. */
  contradiction = false;

  constructor(
    readonly problem: Problem,
    readonly targets: Targets,
    private readonly fixed: Int32Array,
    candidates: (vm: number) => readonly number[],
  ) {
    this.vars = problem.vms.map(() => new Map());
    this.cands = problem.vms.map(() => []);
    for (let v = 0; v < problem.vms.length; v++) {
      if (fixed[v] !== -1) continue;
      for (const n of candidates(v)) {
        const name = `x${v}_${n}`;
        this.vars[v].set(n, name);
        this.cands[v].push(n);
        this.binaries.push(name);
      }
      this.row(this.cands[v].map((n): Term => [1, this.vars[v].get(n) as string]), "=", 1);
    }
    this.capacities();
  }

  get variables(): number {
    return this.binaries.length;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  x(vm: number, node: number): string | null {
    return this.vars[vm].get(node) ?? null;
  }

  fixedOn(vm: number): number {
    return this.fixed[vm];
  }

  candidates(vm: number): readonly number[] {
    return this.cands[vm];
  }

  binary(prefix: string): string {
    const name = `${prefix}${this.aux++}`;
    this.binaries.push(name);
    return name;
  }

  row(terms: readonly Term[], op: "<=" | ">=" | "=", rhs: number): void {
    if (terms.length === 0) {
      const holds = op === "<=" ? 0 <= rhs + 1e-9 : op === ">=" ? 0 >= rhs - 1e-9 : Math.abs(rhs) <= 1e-9;
      if (!holds) this.contradiction = true;
      return;
    }
    this.rows.push(`r${this.rows.length}: ${sum(terms)} ${op} ${num(rhs)}`);
  }

  /** The objective's migration cost of VM `vm` ending on `node`. */
  cost(vm: number, node: number): number {
    const p = this.problem;
    return p.vmStatus[vm] === "running" && p.host[vm] !== node ? p.durations.migrate[vm] : 0;
  }

  toLp(): string {
    const objective: Term[] = [];
    this.vars.forEach((byNode, v) => {
      for (const [n, name] of byNode) {
        const c = this.cost(v, n);
        if (c > 0) objective.push([c, name]);
      }
    });
    // HiGHS needs one term at least; a zero coefficient on any variable does.
    if (objective.length === 0) objective.push([0, this.binaries[0]]);
    return `Minimize\n obj: ${sum(objective)}\nSubject To\n${this.rows.join("\n")}\nBinary\n${chunks(this.binaries, " ")}\nEnd\n`;
  }

  private capacities(): void {
    const { problem: p, targets: t } = this;
    const byNode: number[][] = p.nodes.map(() => []);
    this.cands.forEach((ns, v) => {
      for (const n of ns) byNode[n].push(v);
    });
    const fixedUse = t.demand.map(() => new Float64Array(p.nodes.length));
    this.fixed.forEach((n, v) => {
      if (n >= 0) t.demand.forEach((d, r) => (fixedUse[r][n] += d[v]));
    });
    for (let n = 0; n < p.nodes.length; n++) {
      for (let r = 0; r < t.demand.length; r++) {
        const room = t.capacity[r][n] - fixedUse[r][n];
        const terms = byNode[n].filter((v) => t.demand[r][v] > 0).map((v): Term => [t.demand[r][v], this.vars[v].get(n) as string]);
        const total = terms.reduce((s, [c]) => s + c, 0);
        if (total > room + 1e-9 || room < -1e-9) this.row(terms, "<=", room);
      }
    }
  }
}

const num = (x: number): string => String(Math.round(x * 1e6) / 1e6);

/** "3 a + 2 b - c", a term per piece, lines kept short for the LP reader. */
function sum(terms: readonly Term[]): string {
  return chunks(
    terms.map(([c, x], i) => `${c < 0 ? "-" : i > 0 ? "+" : ""} ${num(Math.abs(c))} ${x}`),
    " ",
  );
}

function chunks(items: readonly string[], sep: string): string {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 16) lines.push(items.slice(i, i + 16).join(sep));
  return lines.join("\n ");
}
