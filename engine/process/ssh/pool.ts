import { readFile } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";
import type { Client as ClientType, ConnectConfig } from "ssh2";
import type { Host } from "../../hosts.ts";
import type { Seconds } from "../../cluster.ts";
import { UsageError } from "../../errors.ts";
import { KeyedLimiter, Limiter } from "./limiter.ts";
import { DEFAULT_HOST_KEY_POLICY, HostKeyChecker, type HostKeyPolicy } from "./hostkeys.ts";
import { WorkerSet } from "./workers.ts";

const { Client } = ssh2;

export interface SshPoolOptions {
  /** TCP connect + SSH handshake + auth, per connection (default 10 s). */
  readonly connectTimeout?: Seconds;
  /** Keepalive probe period (default 15 s) and probes missed before the connection is dropped (default 3). */
  readonly keepaliveInterval?: Seconds;
  readonly keepaliveCountMax?: number;
  /** Connection set-ups in flight overall (client CPU: ~1 ms each here; default 64). */
  readonly maxConcurrentConnects?: number;
  /** Set-ups in flight to one sshd, kept under its MaxStartups (OpenSSH default 10:30:100; default 10). */
  readonly maxStartupsPerServer?: number;
  /**
   * Session channels open at once on one connection, worker shells
   * included, kept under sshd's MaxSessions (OpenSSH default 10; default 9:
   * one session stays free for kill requests).
   */
  readonly maxChannelsPerConnection?: number;
  readonly hostKeyPolicy?: HostKeyPolicy;
  /** Used when a host names none. */
  readonly defaultUser?: string;
  readonly defaultKeyFile?: string;
}

/** A pooled connection, the limiters for its session channels and its control channel (kills), and its worker shells. */
export interface Connection {
  readonly client: ClientType;
  readonly channels: Limiter;
  readonly control: Limiter;
  readonly workers: WorkerSet;
}

const DEFAULT_CHANNELS = 9;

/**
 * SSH connections kept open and shared: one per (user, host, port, jump
 * chain), many channels each. Jump hosts are reached through a channel
 * (direct-tcpip) of the jump host's own pooled connection.
 */
export class SshPool {
  private readonly conns = new Map<string, Promise<Connection>>();
  private readonly keys = new Map<string, Promise<Buffer>>();
  private readonly connecting: Limiter;
  private readonly perServer: KeyedLimiter;
  /** Clients still in their handshake: close() cuts them short. */
  private readonly handshaking = new Set<ClientType>();
  readonly hostKeys: HostKeyChecker;
  private closed = false;
  /** Connections opened so far (tests and benchmarks tell cold from warm by it). */
  opened = 0;

  constructor(private readonly opts: SshPoolOptions = {}) {
    this.connecting = new Limiter(positive(opts.maxConcurrentConnects ?? 64, "maxConcurrentConnects"));
    this.perServer = new KeyedLimiter(positive(opts.maxStartupsPerServer ?? 10, "maxStartupsPerServer"));
    positive(opts.maxChannelsPerConnection ?? DEFAULT_CHANNELS, "maxChannelsPerConnection");
    this.hostKeys = new HostKeyChecker(opts.hostKeyPolicy ?? DEFAULT_HOST_KEY_POLICY);
  }

  /** The pooled connection to a host, opened (through its jump hosts) if needed. */
  connection(host: Host): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error("ssh pool is closed"));
    const key = connKey(host);
    let conn = this.conns.get(key);
    if (!conn) {
      const opening = this.open(host);
      this.conns.set(key, opening);
      // A failed or dropped connection leaves the pool; the next use reconnects.
      const forget = () => {
        if (this.conns.get(key) === opening) this.conns.delete(key);
      };
      opening.then((c) => { c.client.on("close", forget); c.client.on("error", forget); }, forget);
      conn = opening;
    }
    return conn;
  }

  /** Whether a live connection to this host is pooled. */
  has(host: Host): boolean {
    return this.conns.has(connKey(host));
  }

  /**
   * Ends every pooled connection and cuts the handshakes in progress short.
   * Returns at once: a connection that comes up later is refused by open().
   */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.conns.values()];
    this.conns.clear();
    for (const client of this.handshaking) client.destroy();
    for (const c of all) c.then((conn) => conn.client.end(), () => undefined);
  }

  private async open(host: Host): Promise<Connection> {
    const sock = host.jump ? await this.tunnel(host.jump, host) : undefined;
    const privateKey = await this.privateKey(host);
    const port = host.port ?? 22;
    const client = await this.perServer.for(`${host.address}:${port}`).run(() =>
      this.connecting.run(() => this.handshake(host, port, privateKey, sock)),
    );
    if (this.closed) {
      client.end();
      throw new Error(`ssh ${host.name}: the pool was closed while connecting`);
    }
    this.opened++;
    const channels = new Limiter(this.opts.maxChannelsPerConnection ?? DEFAULT_CHANNELS);
    return { client, channels, control: new Limiter(1), workers: new WorkerSet(client, channels) };
  }

  /**
   * Settles on ready, error or close: ssh2 clears its readyTimeout when the
   * socket closes, and a socket closed after the server's banner (a jump
   * host's tunnel torn down, sshd killed mid-handshake) emits no error.
   */
  private handshake(host: Host, port: number, privateKey: Buffer, sock?: Duplex): Promise<ClientType> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`ssh ${host.name} (${host.address}:${port}): the pool was closed while connecting`));
      const client = new Client();
      let rejection: string | null = null;
      this.handshaking.add(client);
      const fail = (why: string) => {
        this.handshaking.delete(client);
        client.end();
        reject(new Error(`ssh ${host.name} (${host.address}:${port}): ${rejection ?? (this.closed ? "the pool was closed while connecting" : why)}`));
      };
      const config: ConnectConfig = {
        // Our own socket, with Nagle off: ssh2 leaves it on, and each command's
        // small packets (channel open, exec, EOF) then wait on the server's
        // delayed ACKs (40 ms here); see BENCHMARKS.md, bench:fanout.
        sock: sock ?? tcpConnect({ host: host.address, port, noDelay: true }),
        host: host.address,
        port,
        username: host.user ?? this.opts.defaultUser ?? "root",
        privateKey,
        readyTimeout: (this.opts.connectTimeout ?? 10) * 1000,
        keepaliveInterval: (this.opts.keepaliveInterval ?? 15) * 1000,
        keepaliveCountMax: this.opts.keepaliveCountMax ?? 3,
        hostVerifier: (raw: Buffer) => {
          rejection = this.hostKeys.check(host.address, port, raw);
          return rejection === null;
        },
      };
      const onClose = () => fail("connection closed during the handshake");
      client.once("ready", () => {
        this.handshaking.delete(client);
        client.removeAllListeners("error");
        client.removeListener("close", onClose);
        client.on("error", () => undefined); // later errors surface as channel closes
        resolve(client);
      });
      client.once("error", (err) => fail(err.message));
      client.once("close", onClose);
      client.connect(config);
    });
  }

  /**
   * A TCP stream to `target` opened by the jump host's sshd, within the
   * connect timeout: the jump host's sshd only answers once its own TCP
   * connect to the target ends, which takes minutes for a frozen target.
   */
  private async tunnel(jump: Host, target: Host): Promise<Duplex> {
    const { client } = await this.connection(jump);
    const limit = this.opts.connectTimeout ?? 10;
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new Error(`ssh ${target.name} via ${jump.name}: no tunnel within ${limit} s`));
      }, limit * 1000);
      try {
        client.forwardOut("127.0.0.1", 0, target.address, target.port ?? 22, (err, stream) => {
          clearTimeout(timer);
          if (late) stream?.close(); // given up on: nobody will use it
          else if (err) reject(new Error(`ssh ${target.name} via ${jump.name}: ${err.message}`));
          else resolve(stream);
        });
      } catch (err) {
        clearTimeout(timer); // the jump connection died after the pool lookup
        reject(new Error(`ssh ${target.name} via ${jump.name}: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  private privateKey(host: Host): Promise<Buffer> {
    const file = host.keyFile ?? this.opts.defaultKeyFile;
    if (!file) return Promise.reject(new UsageError(`host ${host.name} has no keyFile and the pool no defaultKeyFile`));
    let key = this.keys.get(file);
    if (!key) this.keys.set(file, (key = readFile(file)));
    return key;
  }
}

function connKey(host: Host): string {
  const self = `${host.user ?? ""}@${host.address}:${host.port ?? 22}`;
  return host.jump ? `${self}<${connKey(host.jump)}` : self;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got ${n}`);
  return n;
}
