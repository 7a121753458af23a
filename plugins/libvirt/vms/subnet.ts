import { UsageError } from "../../../engine/errors.ts";
import { formatIpv4, macForIp, parseIpv4 } from "../ip-mac.ts";

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

const PREFIX = 22;
const SIZE = 2 ** (32 - PREFIX);

export class SubnetAllocator {
  /** Prefix length of every run's guest subnet. */
  static readonly PREFIX = PREFIX;
  private readonly base: number;
  private nextGuest = 1;
  private readonly free: number[] = [];

  /** `slot` (0..255) picks the /22 out of 10.160.0.0/14, one per local run. */
  constructor(readonly slot: number, private readonly nodes: number) {
    if (!Number.isInteger(slot) || slot < 0 || slot > 255) throw new UsageError(`subnet slot must be in 0..255, got ${slot}`);
    this.base = ((10 << 24) | (160 << 16)) + slot * SIZE;
  }

  get cidr(): string {
    return `${this.ipAt(0)}/${PREFIX}`;
  }

  private ipAt(offset: number): string {
    return formatIpv4(this.base + offset);
  }

  /** The node's own address on the guests' bridge. */
  nodeAddress(index: number): string {
    if (index < 0 || index >= this.nodes) throw new RangeError(`node index ${index} out of 0..${this.nodes - 1}`);
    return `${this.ipAt(SIZE - 2 - index)}/${PREFIX}`;
  }

  allocate(): GuestAddress {
    const offset = this.free.shift() ?? this.nextGuest++;
    if (offset >= SIZE - 2 - this.nodes) throw new UsageError(`the guests' /${PREFIX} is full (${SIZE - 3 - this.nodes} addresses)`);
    const ip = this.ipAt(offset);
    return { ip, prefix: PREFIX, mac: macForIp(ip) };
  }

  /** Returns an address (a guest that failed to boot for good) for reuse. */
  release(address: GuestAddress): void {
    this.free.push(parseIpv4(address.ip) - this.base);
    this.free.sort((a, b) => a - b);
  }
}
