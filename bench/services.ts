/**
 * Services benchmark (issue 17) on namespaced sshd hosts: netem between two
 * groups of two hosts (requested against measured RTT, tc netem or the
 * user-space delayer, whichever this kernel allows), and the CPU monitoring
 * costs on a node. Prints the figures; the last line is one JSON object.
 */
import { createHostPool } from "../plugins/local/netns/index.ts";
import { SshRunner } from "../engine/process/index.ts";
import { applyNetem, DELAYER_PROGRAM, rtt, startMonitoring } from "../engine/services/index.ts";

const DELAY_MS = 25;
const PERIOD_S = 0.5;
const MONITOR_S = 20;

async function main(): Promise<void> {
  const pool = await createHostPool({ count: 4, prefix: "gfbsvc" });
  const ssh = new SshRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile: pool.knownHostsFile } });
  try {
    const [a0, a1, b0, b1] = pool.hosts;
    const baseMs = await rtt(ssh, a0, b0.address, 10);
    const netem = await applyNetem(ssh, [{ between: [[a0, a1], [b0, b1]], delayMs: DELAY_MS }], {}, undefined, ["python3", DELAYER_PROGRAM]);
    const measured = await rtt(ssh, a1, b1.address, 20);
    await netem.remove();
    const afterMs = await rtt(ssh, a0, b0.address, 10);
    console.log(`netem (${netem.report.method}): requested RTT ${2 * DELAY_MS} ms, measured ${measured} ms (median of 20); base ${baseMs} ms, after removal ${afterMs} ms`);
    const m = startMonitoring({ runner: ssh }, [a0], { period: PERIOD_S });
    await new Promise((r) => setTimeout(r, MONITOR_S * 1000));
    const s = await m.stop();
    console.log(`monitoring: ${s.samples} samples in ${MONITOR_S} s at ${PERIOD_S} s, sampler CPU ${s.overheadPct} % of one core`);
    console.log(JSON.stringify({
      bench: "services", netemMethod: netem.report.method,
      netemRequestedMs: 2 * DELAY_MS, netemMeasuredMs: measured, netemBaseMs: baseMs, netemAfterRemovalMs: afterMs,
      monitoringPeriodS: PERIOD_S, monitoringSamples: s.samples, monitoringOverheadPct: s.overheadPct,
    }));
  } finally {
    await ssh.close();
    await pool.destroy();
  }
}

await main();
