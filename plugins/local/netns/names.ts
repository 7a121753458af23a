import { UsageError } from "../../../engine/errors.ts";

/** Where every pool keeps its keys, sshd configs and pid files (tmpfs: gone after a reboot). */
export const STATE_ROOT = "/run/g5k-flow/netns";
/** The private /16 the pools carve their /24s from; nothing outside our namespaces uses it. */
export const SUBNET_BASE = "10.77";
export const MAX_HOSTS = 250;

const PREFIX = /^[a-z][a-z0-9]{1,7}$/;

/** Names of everything a pool creates, derived from its prefix so pools never collide. */
export interface PoolNames {
  readonly prefix: string;
  readonly stateDir: string;
  readonly bridge: string;
  namespace(i: number): string;
  veth(i: number): string;
}

export function poolNames(prefix: string): PoolNames {
  // Interface names are capped at 15 bytes: prefix (8) + "-v" + index (3) fits.
  if (!PREFIX.test(prefix)) throw new UsageError(`pool prefix "${prefix}" must match ${PREFIX.source}`);
  return {
    prefix,
    stateDir: `${STATE_ROOT}/${prefix}`,
    bridge: `${prefix}-br`,
    namespace: (i) => `${prefix}-h${i}`,
    veth: (i) => `${prefix}-v${i}`,
  };
}
