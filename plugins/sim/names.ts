/**
 * Zero-padded names so that sorting names sorts indices: "pm-0042", "vm-00042".
 * The width grows past 4 (nodes) or 5 (VMs) digits only for larger counts.
 */
export function nodeNames(count: number): string[] {
  return padded("pm-", count, 4);
}

export function vmNames(count: number): string[] {
  return padded("vm-", count, 5);
}

function padded(prefix: string, count: number, minWidth: number): string[] {
  const width = Math.max(minWidth, String(Math.max(0, count - 1)).length);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = prefix + String(i).padStart(width, "0");
  return out;
}

export function indexByName(names: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  names.forEach((name, i) => map.set(name, i));
  return map;
}
