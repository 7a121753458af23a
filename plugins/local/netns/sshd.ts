import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { sh } from "./run.ts";

export interface SshdFiles {
  readonly dir: string;
  readonly config: string;
  readonly pidFile: string;
  readonly log: string;
  readonly hostKey: string;
}

export function sshdFiles(dir: string): SshdFiles {
  return {
    dir,
    config: `${dir}/sshd_config`,
    pidFile: `${dir}/sshd.pid`,
    log: `${dir}/sshd.log`,
    hostKey: `${dir}/ssh_host_ed25519_key`,
  };
}

/**
 * Key-only root login, no PAM/DNS (no per-connection lookups), MaxStartups and
 * MaxSessions high so fan-out tests measure the client, not sshd's throttling.
 */
export function sshdConfig(files: SshdFiles, address: string, authorizedKeys: string): string {
  return [
    `ListenAddress ${address}`,
    "Port 22",
    `HostKey ${files.hostKey}`,
    `PidFile ${files.pidFile}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "UseDNS no",
    "StrictModes no",
    "MaxStartups 1000:100:1000",
    "MaxSessions 1000",
    "PrintMotd no",
    "PrintLastLog no",
    "AllowTcpForwarding yes",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
    "LogLevel ERROR",
    "",
  ].join("\n");
}

/*
 * sshd runs in the host's namespace, in private UTS and mount namespaces: its
 * own hostname, and a passwd whose root shell is /bin/sh, because root's bash
 * start-up files on these machines are slow and would run on every command.
 * The script is constant; names and paths arrive as positional parameters.
 */
const LAUNCH = 'mount --bind "$1" /etc/passwd && hostname "$2" && exec /usr/sbin/sshd -f "$3" -E "$4"';

export async function startSshd(namespace: string, hostname: string, files: SshdFiles, passwd: string): Promise<number> {
  await mkdir("/run/sshd", { recursive: true }); // sshd's privilege-separation dir, absent without the service
  await sh("ip", [
    "netns", "exec", namespace, "unshare", "--mount", "--uts", "--",
    "sh", "-c", LAUNCH, "sshd-launch", passwd, hostname, files.config, files.log,
  ]);
  // sshd writes its pid file after it listens.
  for (let i = 0; i < 200; i++) {
    const pid = Number((await readFile(files.pidFile, "utf8").catch(() => "")).trim());
    if (pid > 0) return pid;
    await sleep(10);
  }
  throw new Error(`sshd in ${namespace} did not start: ${await readFile(files.log, "utf8").catch(() => "")}`);
}

/** A passwd copy whose root shell is /bin/sh (see LAUNCH). */
export async function writePasswd(path: string): Promise<void> {
  const lines = (await readFile("/etc/passwd", "utf8")).split("\n");
  const fixed = lines.map((l) => (l.startsWith("root:") ? l.replace(/:[^:]*$/, ":/bin/sh") : l));
  await writeFile(path, fixed.join("\n"));
}

export async function waitListening(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      // A SYN nobody answers would otherwise wait for the kernel's retries (minutes).
      s.setTimeout(1000, () => { s.destroy(); resolve(false); });
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} not listening`);
    await sleep(20);
  }
}
