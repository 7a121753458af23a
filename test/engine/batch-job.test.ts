import { describe, expect, it } from "vitest";
import type { Clock } from "../../engine/batch/clock.ts";
import { isFinal, jobPhase, oarWalltime, waitJobFinal, waitJobRunning } from "../../engine/batch/job.ts";

/** A clock whose sleeps advance time at once, recording each delay. */
function virtualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms / 1000), (now += ms)) };
}

const backoff = { initial: 1, factor: 2, plateau: 5, longAfter: 20, long: 30 };

/** A job going through `states`, one per look. */
const scripted = (states: readonly string[]) => {
  let i = 0;
  return async () => ({ state: states[Math.min(i++, states.length - 1)]!, message: "R=1" });
};

describe("OAR job life cycle (shared by the Grid'5000 and OAR REST clients)", () => {
  it("knows OAR's states in both spellings", () => {
    for (const s of ["Waiting", "hold", "toLaunch", "Launching", "toAckReservation", "waiting"]) expect(jobPhase(s)).toBe("waiting");
    expect(jobPhase("Running")).toBe("running");
    expect(jobPhase("running")).toBe("running");
    for (const s of ["Terminated", "error", "Error", "terminated"]) expect(isFinal(s)).toBe(true);
    expect(isFinal("Finishing")).toBe(false);
  });

  it("waits with back-off until the job runs", async () => {
    const clock = virtualClock();
    const job = await waitJobRunning("OAR job 1", clock, backoff, scripted(["Waiting", "Waiting", "Launching", "Launching", "Running"]));
    expect(job.state).toBe("Running");
    expect(clock.slept).toEqual([1, 2, 4, 5]);
  });

  it("fails with one line when the job ends before running", async () => {
    await expect(waitJobRunning("OAR job 2", virtualClock(), backoff, scripted(["Waiting", "Error"]))).rejects.toThrow("OAR job 2 ended (error) before running: R=1");
  });

  it("waits for a final state", async () => {
    expect((await waitJobFinal(virtualClock(), backoff, scripted(["Running", "Finishing", "Terminated"]))).state).toBe("Terminated");
  });

  it("writes walltimes as OAR does and refuses non-positive ones", () => {
    expect(oarWalltime(3725)).toBe("1:02:05");
    expect(() => oarWalltime(0)).toThrow(/positive whole number/);
  });
});
