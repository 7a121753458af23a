import { Credentials, G5kClient } from "../../plugins/g5k/index.ts";
import type { ClientInit } from "../../plugins/g5k/index.ts";
import { startStandin } from "./standin/server.ts";
import type { Standin, StandinOptions } from "./standin/server.ts";
import { VirtualClock } from "./standin/virtual-clock.ts";

export const USER = "alice";
export const PASSWORD = "correct horse battery staple";

export interface Harness {
  readonly clock: VirtualClock;
  readonly standin: Standin;
  readonly client: G5kClient;
  close(): Promise<void>;
}

/** A stand-in and a client sharing one virtual clock. */
export async function harness(options: Partial<StandinOptions> = {}, client: Partial<ClientInit> = {}): Promise<Harness> {
  const clock = new VirtualClock();
  const standin = await startStandin({ clock, users: { [USER]: PASSWORD, bob: "bobs-password" }, ...options });
  const g5k = new G5kClient({ baseUrl: standin.apiUrl, credentials: new Credentials(USER, PASSWORD, "test"), clock, ...client });
  return { clock, standin, client: g5k, close: () => standin.stop() };
}
