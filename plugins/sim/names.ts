/**
 * The names of a numbered set of hosts, computed when asked: zero-padded so
 * that sorting names sorts indices ("pm-0042", "vm-00042"), the width growing
 * past `minWidth` digits only for larger counts. Nothing is stored per host:
 * a name is built from its index and an index parsed from its name, so
 * 8,000,000 VMs cost no string and no map entry until a name is needed.
 */
export class NumberedNames {
  private readonly width: number;

  constructor(
    private readonly prefix: string,
    readonly count: number,
    minWidth: number,
  ) {
    this.width = Math.max(minWidth, String(Math.max(0, count - 1)).length);
  }

  name(index: number): string {
    return this.prefix + String(index).padStart(this.width, "0");
  }

  /** Index of `name`, or -1 if it is not one of these names (exactly the prefix and `width` digits, below `count`). */
  index(name: string): number {
    const start = this.prefix.length;
    if (name.length !== start + this.width || !name.startsWith(this.prefix)) return -1;
    let index = 0;
    for (let k = start; k < name.length; k++) {
      const digit = name.charCodeAt(k) - 48;
      if (digit < 0 || digit > 9) return -1;
      index = index * 10 + digit;
    }
    return index < this.count ? index : -1;
  }
}

export function nodeNames(count: number): NumberedNames {
  return new NumberedNames("pm-", count, 4);
}

export function vmNames(count: number): NumberedNames {
  return new NumberedNames("vm-", count, 5);
}
