/**
 * Guest addresses the g5k-subnets way, for the testbeds given blocks of
 * addresses (a g5k job's /22s, an ssh inventory's guestSubnet) and the local
 * testbed's own /22s (vms/subnet.ts).
 */
import { UsageError } from "../../engine/errors.ts";

/** An address of a block with the MAC its VM must use (so a g5k site's DHCP serves it). */
export interface IpMac {
  readonly ip: string;
  readonly mac: string;
}

/** "10.158.4.1" -> its 32-bit number; anything else is bad input. */
export function parseIpv4(ip: string): number {
  const parts = ip.split(".");
  const octets = parts.map(Number);
  if (parts.length !== 4 || octets.some((o, i) => !/^\d{1,3}$/.test(parts[i] ?? "") || o > 255)) {
    throw new UsageError(`invalid IPv4 address '${ip}'`);
  }
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** g5k-subnets rule: MAC = 00:16:3e + the IP's last three octets, in hex. */
export function macForIp(ip: string): string {
  const n = parseIpv4(ip);
  return ["00", "16", "3e", (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
    .map((x) => (typeof x === "string" ? x : x.toString(16).padStart(2, "0")))
    .join(":");
}

/** "10.158.4.0/22" -> first address and size. */
export function parseCidr(cidr: string): { first: number; size: number } {
  const [ip = "", prefixText = ""] = cidr.split("/");
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix < 8 || prefix > 30) throw new UsageError(`invalid subnet '${cidr}'`);
  const size = 2 ** (32 - prefix);
  const base = parseIpv4(ip);
  if (base % size !== 0) throw new UsageError(`subnet '${cidr}' is not aligned on its prefix`);
  return { first: base, size };
}

/**
 * IP/MAC pairs of the blocks in a job's resources_by_type.subnets. The first
 * and last address of each block are left out, as enoslib and vm5k do.
 */
export function ipMacPairs(subnets: readonly string[]): IpMac[] {
  const pairs: IpMac[] = [];
  for (const cidr of subnets) {
    const { first, size } = parseCidr(cidr);
    for (let offset = 1; offset < size - 1; offset++) {
      const ip = formatIpv4(first + offset);
      pairs.push({ ip, mac: macForIp(ip) });
    }
  }
  return pairs;
}

/** True if `ip` lies in `cidr`: a job's blocks must lie in its site's g5ksubnet range. */
export function cidrContains(cidr: string, ip: string): boolean {
  const { first, size } = parseCidr(cidr);
  const n = parseIpv4(ip);
  return n >= first && n < first + size;
}
