import type { ClusterRuntime } from "../../../engine/cluster.ts";
import type { DvmsMessage } from "../../../plugins/dvms/index.ts";

export interface Sent {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly message: DvmsMessage;
}

/** The same runtime with every agent message recorded (and `onSend` called) before it goes out. */
export function traced(runtime: ClusterRuntime, onSend: (sent: Sent) => void = () => {}): { runtime: ClusterRuntime; sent: Sent[] } {
  const sent: Sent[] = [];
  const network = runtime.network;
  const wrapped: ClusterRuntime = {
    clock: runtime.clock,
    now: () => runtime.now(),
    setTimer: (delay, fire) => runtime.setTimer(delay, fire),
    observe: (nodes) => runtime.observe(nodes),
    onLoadChange: (listener) => runtime.onLoadChange(listener),
    migrate: (vm, to, done) => runtime.migrate(vm, to, done),
    computeDelay: (work, measured) => runtime.computeDelay(work, measured),
    network: {
      send: (from, to, message) => {
        const s: Sent = { at: runtime.now(), from, to, message: message as DvmsMessage };
        sent.push(s);
        onSend(s);
        network.send(from, to, message);
      },
      listen: (node, handler) => network.listen(node, handler),
      latency: (from, to) => network.latency(from, to),
    },
  };
  return { runtime: wrapped, sent };
}
