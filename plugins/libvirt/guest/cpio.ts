/**
 * A minimal writer of the "newc" cpio format the Linux kernel unpacks as an
 * initramfs. Written here rather than shelling out to cpio(1) so the image is
 * byte-for-byte reproducible (fixed mtimes, sorted entries, fixed inodes).
 */

export type CpioEntry =
  | { readonly kind: "dir"; readonly path: string; readonly mode?: number }
  | { readonly kind: "file"; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }
  | { readonly kind: "chardev"; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const hex8 = (n: number): string => n.toString(16).padStart(8, "0");
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function header(ino: number, mode: number, size: number, nameLength: number, rdev: { major: number; minor: number }): string {
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev.major, rdev.minor, nameLength, 0];
  return "070701" + fields.map(hex8).join("");
}

/** Serialises entries (sorted by path, parents first) followed by the TRAILER!!! record. */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const push = (name: string, mode: number, data: Uint8Array, ino: number, rdev = { major: 0, minor: 0 }): void => {
    const nameBytes = Buffer.from(name + "\0");
    const head = Buffer.from(header(ino, mode, data.length, nameBytes.length, rdev), "ascii");
    chunks.push(head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length)));
    chunks.push(Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  sorted.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, "");
    const ino = i + 1;
    switch (e.kind) {
      case "dir":
        push(name, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(), ino);
        break;
      case "file":
        push(name, S_IFREG | (e.mode ?? 0o644), e.data, ino);
        break;
      case "symlink":
        push(name, S_IFLNK | 0o777, Buffer.from(e.target), ino);
        break;
      case "chardev":
        push(name, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(), ino, { major: e.major, minor: e.minor });
        break;
    }
  });
  push("TRAILER!!!", 0, new Uint8Array(), 0);
  return Buffer.concat(chunks);
}
