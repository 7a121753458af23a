import type { Host, RoleHosts, Roles } from "./hosts.ts";
import { UsageError } from "./errors.ts";

/**
 * How a role picks its hosts from a reservation: a count (the next hosts no
 * counted role holds yet), hosts whose labels match (all of them, roles may
 * overlap), or both (the first `count` matching hosts not yet held).
 */
export type RoleSpec = number | { readonly count?: number; readonly label?: Readonly<Record<string, string>> };
export type RoleSpecs = Readonly<Record<string, RoleSpec>>;

const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export function roleHosts<H extends Host>(role: string, hosts: readonly H[]): RoleHosts<H> {
  return Object.assign([...hosts], { role });
}

/** Splits reserved hosts into the declared roles, in declaration order; a role that cannot be filled is a usage error. */
export function assignRoles<H extends Host, const R extends RoleSpecs>(hosts: readonly H[], specs: R): Roles<H, keyof R & string> {
  const held = new Set<string>();
  const out: Record<string, RoleHosts<H>> = {};
  for (const [role, spec] of Object.entries(specs)) {
    if (!ROLE_NAME.test(role)) throw new UsageError(`role name "${role}" must match ${ROLE_NAME.source}`);
    const { count, label } = typeof spec === "number" ? { count: spec, label: undefined } : spec;
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UsageError(`role ${role}: count must be a positive integer, got ${count}`);
    if (count === undefined && label === undefined) throw new UsageError(`role ${role}: give a count, a label, or both`);
    const matching = hosts.filter((h) => Object.entries(label ?? {}).every(([k, v]) => h.labels?.[k] === v));
    if (count === undefined) {
      out[role] = roleHosts(role, matching);
      continue;
    }
    const free = matching.filter((h) => !held.has(h.name));
    if (free.length < count) {
      const what = label ? ` matching ${Object.entries(label).map(([k, v]) => `${k}=${v}`).join(",")}` : "";
      throw new UsageError(`role ${role}: ${count} hosts wanted, ${free.length} free${what} among the ${hosts.length} reserved`);
    }
    const picked = free.slice(0, count);
    for (const h of picked) held.add(h.name);
    out[role] = roleHosts(role, picked);
  }
  return out as Roles<H, keyof R & string>;
}
