import type { MigrationResult, Seconds } from "../../engine/cluster.ts";
import type { MetricRow } from "../../engine/scheduler.ts";
import type { IspGoal, IspOutcome } from "./partition.ts";

export interface IspEnd {
  readonly at: Seconds;
  readonly size: number;
  readonly hops: number;
  readonly migrations: number;
  readonly outcome: IspOutcome;
  /** The partition this ISP merged into (it ended with that one), or null. */
  readonly mergedInto: string | null;
}

/** What agents report; in one process it is an IspLog, across processes a link to the controller. */
export interface DvmsEvents {
  ispStarted(id: string, initiator: string, goal: IspGoal, at: Seconds): void;
  /** Several members may report the end of one ISP (e.g. each timing out): the first report wins. */
  ispEnded(id: string, end: IspEnd): void;
  migrated(result: MigrationResult): void;
  /** Solver time charged for one partition, in testbed seconds. */
  computed(seconds: Seconds): void;
}

export interface IspRecord {
  readonly id: string;
  readonly initiator: string;
  readonly goal: IspGoal;
  readonly start: Seconds;
  end: IspEnd | null;
}

/** Collects the per-ISP metrics (docs/dvms.md) into the `isp` table. */
export class IspLog implements DvmsEvents {
  private readonly records = new Map<string, IspRecord>();
  readonly migrations: MigrationResult[] = [];
  computeSeconds = 0;

  ispStarted(id: string, initiator: string, goal: IspGoal, at: Seconds): void {
    if (!this.records.has(id)) this.records.set(id, { id, initiator, goal, start: at, end: null });
  }

  ispEnded(id: string, end: IspEnd): void {
    const record = this.records.get(id);
    if (record && record.end === null) record.end = end;
  }

  migrated(result: MigrationResult): void {
    this.migrations.push(result);
  }

  computed(seconds: Seconds): void {
    this.computeSeconds += seconds;
  }

  all(): readonly IspRecord[] {
    return [...this.records.values()];
  }

  open(): readonly IspRecord[] {
    return this.all().filter((r) => r.end === null);
  }

  rows(): MetricRow[] {
    return this.all().map((r) => ({
      id: r.id,
      initiator: r.initiator,
      goal: r.goal,
      start: r.start,
      end: r.end?.at ?? null,
      // the ISP's own lifetime, not the time to solve its overload (docs/metrics.md)
      ispDuration: r.end ? r.end.at - r.start : null,
      size: r.end?.size ?? null,
      hops: r.end?.hops ?? null,
      migrations: r.end?.migrations ?? null,
      outcome: r.end?.outcome ?? null,
      mergedInto: r.end?.mergedInto ?? null,
    }));
  }
}
