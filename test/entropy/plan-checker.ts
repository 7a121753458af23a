/**
 * Independent checker of Entropy plans: it reads the raw BtrPlace instance
 * and the plan file and shares no code with the solver. It verifies the
 * final state (mapping, states, capacities, every constraint) and replays
 * the actions on a timeline:
 * - a migrating VM is present on its source and destination from start to end;
 * - an arrival (migrate, boot, resume) starts on an online node and leaves
 *   its node within capacity (sources may start over capacity: that is what
 *   a repair fixes);
 * - a node shuts down empty; a booting node accepts VMs once booted;
 * - a continuous constraint that held initially holds after every instant.
 */
type J = Record<string, any>;

interface Inst {
  nodes: string[];
  online: Map<string, boolean>;
  state: Map<string, "running" | "sleeping" | "ready">;
  host: Map<string, string>;
  cap: Map<string, Map<string, number>>; // rc -> node -> capacity
  use: Map<string, Map<string, number>>; // rc -> vm -> demand
  constraints: J[];
}

function load(instance: J): Inst {
  const m = instance.model;
  const online = new Map<string, boolean>();
  const state = new Map<string, "running" | "sleeping" | "ready">();
  const host = new Map<string, string>();
  for (const [n, c] of Object.entries<J>(m.mapping.onlineNodes ?? {})) {
    online.set(n, true);
    for (const v of c.runningVMs ?? []) (state.set(String(v), "running"), host.set(String(v), n));
    for (const v of c.sleepingVMs ?? []) (state.set(String(v), "sleeping"), host.set(String(v), n));
  }
  for (const n of m.mapping.offlineNodes ?? []) online.set(String(n), false);
  for (const v of m.mapping.readyVMs ?? []) state.set(String(v), "ready");
  const cap = new Map<string, Map<string, number>>();
  const use = new Map<string, Map<string, number>>();
  for (const view of m.views ?? []) {
    if (view.id !== "shareableResource") continue;
    cap.set(view.rcId, new Map([...online.keys()].map((n) => [n, view.nodes?.[n] ?? view.defCapacity ?? 0])));
    use.set(view.rcId, new Map([...state.keys()].map((v) => [v, view.vms?.[v] ?? view.defConsumption ?? 0])));
  }
  const constraints: J[] = instance.constraints ?? [];
  for (const c of constraints) {
    const ensure = (rc: string): void => {
      if (!cap.has(rc)) {
        cap.set(rc, new Map([...online.keys()].map((n) => [n, 0])));
        use.set(rc, new Map([...state.keys()].map((v) => [v, 0])));
      }
    };
    if (c.id === "preserve") {
      ensure(c.rc);
      const u = use.get(c.rc)!;
      u.set(String(c.vm), Math.max(u.get(String(c.vm)) ?? 0, c.amount));
    }
    if (c.id === "overbook") {
      ensure(c.rc);
      const k = cap.get(c.rc)!;
      k.set(String(c.node), (k.get(String(c.node)) ?? 0) * c.ratio);
    }
  }
  return { nodes: [...online.keys()], online, state, host, cap, use, constraints };
}

/** Where each VM is at one instant: node -> VMs present. */
type Presence = Map<string, Set<string>>;

const ids = (xs: unknown[]): string[] => xs.map(String);

/** Violation of one constraint on a presence state (null if it holds); `final` adds the end-state-only checks. */
function constraintViolation(
  c: J,
  at: Presence,
  up: (n: string) => boolean,
  inst: Inst,
  final: boolean,
  readyAtEnd: ReadonlySet<string> = new Set(),
): string | null {
  const where = (v: string): string[] => [...at].filter(([, s]) => s.has(v)).map(([n]) => n);
  const name = `${c.id} ${JSON.stringify(c).slice(0, 80)}`;
  switch (c.id) {
    case "ban":
      return ids(c.vms).some((v) => where(v).some((n) => ids(c.nodes).includes(n))) ? name : null;
    case "fence":
      return ids(c.vms).some((v) => where(v).some((n) => !ids(c.nodes).includes(n))) ? name : null;
    case "spread":
      return [...at.values()].some((s) => ids(c.vms).filter((v) => s.has(v)).length > 1) ? name : null;
    case "gather":
      return new Set(ids(c.vms).flatMap(where)).size > 1 ? name : null;
    case "among": {
      const nodes = new Set(ids(c.vms).flatMap(where));
      return [...nodes].length === 0 || c.parts.some((g: unknown[]) => [...nodes].every((n) => ids(g).includes(n))) ? null : name;
    }
    case "split": {
      const parts: string[][] = c.parts.map(ids);
      return [...at.values()].some((s) => parts.filter((p) => p.some((v) => s.has(v))).length > 1) ? name : null;
    }
    case "lonely": {
      const set = new Set(ids(c.vms));
      return [...at.values()].some((s) => [...s].some((v) => set.has(v)) && [...s].some((v) => !set.has(v))) ? name : null;
    }
    case "resourceCapacity": {
      const u = inst.use.get(c.rc)!;
      const total = ids(c.nodes).reduce((t, n) => t + [...(at.get(n) ?? [])].reduce((s, v) => s + (u.get(v) ?? 0), 0), 0);
      return total > c.amount + 1e-6 ? `${name}: ${total}` : null;
    }
    case "runningCapacity": {
      const vms = new Set(ids(c.nodes).flatMap((n) => [...(at.get(n) ?? [])]));
      return vms.size > c.amount ? name : null;
    }
    case "maxOnline":
      return ids(c.nodes).filter(up).length > c.amount ? name : null;
    case "online":
      return final && !up(String(c.node)) ? name : null;
    case "offline":
      return final && (up(String(c.node)) || (at.get(String(c.node))?.size ?? 0) > 0) ? name : null;
    case "running":
      return final && where(String(c.vm)).length !== 1 ? name : null;
    case "ready":
      return final && (where(String(c.vm)).length > 0 || !readyAtEnd.has(String(c.vm))) ? name : null;
    case "killed":
      return final && (where(String(c.vm)).length > 0 || readyAtEnd.has(String(c.vm))) ? name : null;
    case "root":
    case "quarantine":
    case "preserve":
    case "overbook":
      return null; // checked on the actions / by the capacity rule
    default:
      return `unknown constraint ${c.id}`;
  }
}

export function checkPlan(instance: J, plan: J): string[] {
  const inst = load(instance);
  const errors: string[] = [];
  const err = (e: string): void => void (errors.length < 20 && errors.push(e));

  // Final state.
  const finalAt: Presence = new Map();
  const seen = new Set<string>();
  for (const [n, vs] of Object.entries<string[]>(plan.mapping)) {
    if (!inst.online.has(n)) err(`mapping names unknown node ${n}`);
    finalAt.set(n, new Set(vs));
    for (const v of vs) {
      if (!inst.state.has(v)) err(`mapping names unknown VM ${v}`);
      if (seen.has(v)) err(`VM ${v} placed twice`);
      seen.add(v);
    }
  }
  for (const n of plan.offline) if (finalAt.has(n)) err(`node ${n} both online and offline`);
  if (finalAt.size + plan.offline.length !== inst.nodes.length) err("mapping + offline do not cover every node");
  for (const [rc, caps] of inst.cap) {
    for (const [n, vs] of finalAt) {
      const total = [...vs].reduce((s, v) => s + (inst.use.get(rc)!.get(v) ?? 0), 0);
      if (total > (caps.get(n) ?? 0) + 1e-6) err(`final: node ${n} over ${rc} capacity (${total} > ${caps.get(n)})`);
    }
  }
  const finalUp = (n: string): boolean => finalAt.has(n);
  const readyAtEnd = new Set<string>(plan.ready ?? []);
  for (const c of inst.constraints) {
    const why = constraintViolation(c, finalAt, finalUp, inst, true, readyAtEnd);
    if (why) err(`final: ${why}`);
  }

  // Replay.
  const at: Presence = new Map(inst.nodes.map((n) => [n, new Set<string>()]));
  for (const [v, n] of inst.host) if (inst.state.get(v) === "running") at.get(n)!.add(v);
  const up = new Map(inst.online);
  const booted = new Map<string, boolean>(inst.online);
  const loc = new Map<string, string | null>([...inst.state.keys()].map((v) => [v, inst.state.get(v) === "running" ? inst.host.get(v)! : null]));
  const continuous = inst.constraints.filter((c) => c.continuous === true && !constraintViolation(c, at, (n) => up.get(n)!, inst, false));
  const moved = new Set<string>();
  type Ev = { t: number; order: number; run: () => void };
  const events: Ev[] = [];
  const fits = (n: string): boolean =>
    [...inst.cap].every(([rc, caps]) => [...at.get(n)!].reduce((s, v) => s + (inst.use.get(rc)!.get(v) ?? 0), 0) <= (caps.get(n) ?? 0) + 1e-6);
  const arrive = (a: J, v: string, n: string): void => {
    if (!booted.get(n)) err(`${a.action} ${v} to ${n} at ${a.start}: node not online`);
    at.get(n)!.add(v);
    if (!fits(n)) err(`${a.action} ${v} to ${n} at ${a.start}: node over capacity`);
  };
  for (const a of plan.actions) {
    if (!(a.end >= a.start) || a.start < 0) err(`bad times ${JSON.stringify(a)}`);
    const v = a.vm as string;
    switch (a.action) {
      case "migrate":
        moved.add(v);
        events.push({ t: a.start, order: 1, run: () => {
          if (loc.get(v) !== a.from) err(`migrate ${v} from ${a.from} at ${a.start}: VM is on ${loc.get(v)}`);
          loc.set(v, null);
          arrive(a, v, a.to);
        } });
        events.push({ t: a.end, order: 0, run: () => (at.get(a.from)!.delete(v), loc.set(v, a.to)) });
        break;
      case "boot":
      case "resume":
        events.push({ t: a.start, order: 1, run: () => {
          if (inst.state.get(v) !== (a.action === "boot" ? "ready" : "sleeping")) err(`${a.action} of ${v} in wrong state`);
          arrive(a, v, a.node);
        } });
        events.push({ t: a.end, order: 0, run: () => loc.set(v, a.node) });
        break;
      case "shutdown":
      case "kill":
      case "suspend":
        events.push({ t: a.end, order: 0, run: () => (a.node && at.get(a.node)!.delete(v), loc.set(v, null)) });
        break;
      case "bootNode":
        events.push({ t: a.start, order: 1, run: () => up.set(a.node, true) });
        events.push({ t: a.end, order: 0, run: () => booted.set(a.node, true) });
        break;
      case "shutdownNode":
        events.push({ t: a.start, order: 1, run: () => {
          if (at.get(a.node)!.size > 0) err(`shutdownNode ${a.node} at ${a.start}: node not empty`);
          booted.set(a.node, false);
        } });
        events.push({ t: a.end, order: 0, run: () => up.set(a.node, false) });
        break;
      default:
        err(`unknown action ${a.action}`);
    }
  }
  events.sort((x, y) => x.t - y.t || x.order - y.order);
  for (let i = 0; i < events.length; ) {
    const t = events[i].t;
    while (i < events.length && events[i].t === t) events[i++].run();
    for (const c of continuous) {
      const why = constraintViolation(c, at, (n) => up.get(n)!, inst, false);
      if (why) err(`at ${t}: continuous ${why}`);
    }
  }
  for (const [n, vs] of finalAt) {
    const replayed = at.get(n)!;
    if (replayed.size !== vs.size || [...vs].some((v) => !replayed.has(v))) err(`replay does not reach the mapping on node ${n}`);
  }
  for (const n of plan.offline) {
    if (at.get(n)!.size > 0 || up.get(n)) err(`replay leaves node ${n} online or hosting VMs`);
  }
  for (const c of inst.constraints) {
    if (c.id === "root" && moved.has(String(c.vm))) err(`root VM ${c.vm} migrated`);
    if (c.id === "quarantine") {
      for (const a of plan.actions) {
        if (a.action === "migrate" && (a.from === String(c.node) || a.to === String(c.node))) err(`quarantine ${c.node} crossed by ${a.vm}`);
        if ((a.action === "boot" || a.action === "resume") && a.node === String(c.node)) err(`quarantine ${c.node} entered by ${a.vm}`);
      }
    }
  }
  return errors;
}
