/** Common shape of the constraints about one set of VMs and placed by them (spread, gather). */
export abstract class VmSetConstraint {
  readonly scope: { readonly vms: readonly number[] };

  constructor(
    readonly vms: readonly number[],
    readonly continuous = false,
  ) {
    this.scope = { vms };
  }
}
