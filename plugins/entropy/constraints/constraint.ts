import type { Problem } from "../model/problem.ts";
import type { Live } from "../plan/live.ts";
import type { Budget } from "../solver/budget.ts";
import type { Placement } from "../solver/placement.ts";
import type { Targets } from "../solver/targets.ts";

/**
 * One placement constraint and what the solver and planner need from it.
 * Discrete constraints hold on the final configuration; continuous ones
 * (`continuous: true`) also at every instant of the plan, which the planner
 * enforces through `admits`.
 */
export interface Constraint {
  /** BtrPlace id ("ban", "spread"...). */
  readonly id: string;
  readonly continuous: boolean;
  /**
   * Which placements `accepts` must be consulted for: the VMs it is about,
   * the nodes it is about (any VM placed there), or every placement.
   */
  readonly scope: { readonly vms: readonly number[] } | { readonly nodes: readonly number[] } | "all" | "none";
  /** Adjusts the targets: states, demands, capacities, pinned VMs. */
  prepare?(t: Targets, p: Problem): void;
  /** Runs after every `prepare`: chooses node states within a bound (maxOnline). */
  decideNodes?(t: Targets, p: Problem): void;
  /** Repair mode: VMs that must leave their current host for this constraint to hold. */
  misplaced?(pl: Placement, budget: Budget): readonly number[];
  /** May `vm` be placed on `node`, given the VMs placed so far? */
  accepts?(pl: Placement, vm: number, node: number): boolean;
  /** Why the final configuration violates the constraint, or null. */
  violation(pl: Placement): string | null;
  /** Continuous only: may `vm` start arriving on `node` now? */
  admits?(live: Live, vm: number, node: number): boolean;
  /** Continuous only: may `node` start booting now? */
  admitsNodeBoot?(live: Live, node: number): boolean;
  /** Static host restriction (ban, fence, among): may `vm` ever end on `node`, whatever else is placed? */
  allows?(vm: number, node: number): boolean;
  /** Why the constraint cannot hold within the capacities (a proof, see solver/prove.ts), or null. */
  infeasible?(b: Bounds): string | null;
  /** Adds the constraint's rows to the exact mode's MIP (solver/exact/); constraints without it make the model inexact. */
  linear?(m: LinearModel): void;
}

/** A linear term: coefficient times a binary variable's name. */
export type Term = readonly [number, string];

/**
 * The exact mode's MIP as constraints see it: x(vm, node) = 1 when `vm`
 * ends on `node`. Only free VMs have variables; fixed ones (pinned, or left
 * out of a restricted model) sit on `fixedOn(vm)`.
 */
export interface LinearModel {
  readonly problem: Problem;
  readonly targets: Targets;
  /** The variable of (vm, node), or null when vm cannot end there (or is fixed). */
  x(vm: number, node: number): string | null;
  /** Node a fixed running VM ends on; -1 for a free VM; -2 when the VM does not run at the end. */
  fixedOn(vm: number): number;
  /** Nodes a free VM may end on. */
  candidates(vm: number): readonly number[];
  /** A fresh binary variable. */
  binary(prefix: string): string;
  /** sum(terms) op rhs. */
  row(terms: readonly Term[], op: "<=" | ">=" | "=", rhs: number): void;
}

/** What infeasibility proofs know before any placement: states, capacities, static host restrictions. */
export interface Bounds {
  readonly problem: Problem;
  readonly targets: Targets;
  /** True when `vm` runs at the end. */
  runs(vm: number): boolean;
  /** Capacity of resource `r` on `node` beside the pinned VMs (0 when the node ends offline). */
  free(r: number, node: number): number;
  /** Nodes `vm` may end on: online at the end, allowed by every static restriction, with room for it alone. */
  allowed(vm: number): readonly number[];
  /** "cpu 12": an amount of resource `r`, for messages. */
  describe(r: number, amount: number): string;
}

/** Resolves the ids of a BtrPlace JSON constraint to element indices (UsageError on bad input). */
export interface ParseContext {
  vm(field: string): number;
  vms(field: string): number[];
  node(field: string): number;
  nodes(field: string): number[];
  vmGroups(field: string): number[][];
  nodeGroups(field: string): number[][];
  /** A resource id; declares the resource if no view named it. */
  rc(field: string): string;
  number(field: string): number;
  /** The `continuous` flag (false when absent). */
  continuous(): boolean;
}

/** A constraint type of the catalogue: its BtrPlace id and how to read it from JSON. */
export interface ConstraintKind {
  readonly id: string;
  parse(ctx: ParseContext): Constraint;
}
