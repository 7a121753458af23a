import { UsageError } from "../../../engine/errors.ts";

/**
 * Guest addresses as g5k-subnets hands them out: a /22 per reservation, the
 * MAC derived from the IP (00:16:3e + its last three octets), so a VM's MAC
 * and IP never disagree. Guests take addresses from the bottom, nodes (which
 * need one on the guests' bridge to reach them) from the top.
 */
export interface GuestAddress {
  readonly ip: string;
  /** Prefix length of the subnet (22). */
  readonly prefix: number;
  readonly mac: string;
}

const SIZE = 1024;

export function macOf(ip: string): string {
  const octets = ip.split(".").map(Number);
  return ["00", "16", "3e", ...octets.slice(1).map((o) => o.toString(16).padStart(2, "0"))].join(":");
}

export class SubnetAllocator {
  private readonly base: number;
  private nextGuest = 1;
  private readonly free: number[] = [];

  /** `slot` (0..255) picks the /22 out of 10.160.0.0/14, one per local run. */
  constructor(readonly slot: number, private readonly nodes: number) {
    if (!Number.isInteger(slot) || slot < 0 || slot > 255) throw new UsageError(`subnet slot must be in 0..255, got ${slot}`);
    this.base = ((10 << 24) | (160 << 16)) + slot * SIZE;
  }

  get cidr(): string {
    return `${this.ipAt(0)}/22`;
  }

  private ipAt(offset: number): string {
    const n = this.base + offset;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }

  /** The node's own address on the guests' bridge. */
  nodeAddress(index: number): string {
    if (index < 0 || index >= this.nodes) throw new RangeError(`node index ${index} out of 0..${this.nodes - 1}`);
    return `${this.ipAt(SIZE - 2 - index)}/22`;
  }

  allocate(): GuestAddress {
    const offset = this.free.shift() ?? this.nextGuest++;
    if (offset >= SIZE - 2 - this.nodes) throw new UsageError(`the guests' /22 is full (${SIZE - 3 - this.nodes} addresses)`);
    const ip = this.ipAt(offset);
    return { ip, prefix: 22, mac: macOf(ip) };
  }

  /** Returns an address (a guest that failed to boot for good) for reuse. */
  release(address: GuestAddress): void {
    const parts = address.ip.split(".").map(Number);
    const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
    this.free.push(n - this.base);
    this.free.sort((a, b) => a - b);
  }
}
