import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { execa } from "execa";
import { remoteCommand, shellQuote } from "../../engine/process/index.ts";
import { killable, killCommand, splitPgid } from "../../engine/process/quote.ts";
import { UsageError } from "../../engine/errors.ts";

const nasty = ["; rm -rf /", "$(touch /tmp/pwned)", "`id`", "a'b", "'", "''", "\\", "\n", "*", "$HOME", "&& echo x", "|", ">", "\"", "{{host}}", " ", ""];

/** What a POSIX shell makes of a command string: the argv `printf` receives, one per line. */
async function shellArgs(cmd: string): Promise<string[]> {
  const r = await execa("sh", ["-c", cmd.replace(/^exec /, "exec printf '%s\\0' ")]);
  return r.stdout.split("\0").slice(0, -1);
}

describe("remoteCommand quoting", () => {
  it("passes metacharacters through sh literally", async () => {
    expect(await shellArgs(remoteCommand(nasty))).toEqual(nasty);
  });

  it("round-trips any argv through sh and through dash (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: "binary" }).map((s) => s.replaceAll("\0", "")), { minLength: 1, maxLength: 6 }), async (argv) => {
        expect(await shellArgs(remoteCommand(argv))).toEqual(argv);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it("quotes env assignments and rejects bad names, NUL and empty argv", async () => {
    const cmd = remoteCommand(["sh", "-c", 'printf %s "$X"'], { X: "$(id) ; 'q'" });
    expect((await execa("sh", ["-c", cmd])).stdout).toBe("$(id) ; 'q'");
    expect(() => remoteCommand(["true"], { "A;B": "1" })).toThrow(UsageError);
    expect(() => shellQuote("a\0b")).toThrow(UsageError);
    expect(() => remoteCommand([])).toThrow(UsageError);
    expect(() => remoteCommand(["true"], {}, { timeout: -1 })).toThrow(UsageError);
  });

  it("wraps time limits in timeout(1), TERM then KILL", async () => {
    const cmd = remoteCommand(["sh", "-c", "trap 'echo term; sleep 5' TERM; sleep 5 & wait"], undefined, { timeout: 0.3, killAfter: 0.3 });
    const t = Date.now();
    const r = await execa("sh", ["-c", cmd], { reject: false });
    expect(r.stdout).toMatch(/^term/);
    // timeout(1) KILLs the whole process group, itself included.
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - t).toBeLessThan(3000);
  });

  it("killable: the shell reports its pid first on stderr, which splitPgid takes out exactly (property)", async () => {
    const r = await execa("sh", ["-c", killable(remoteCommand(["sh", "-c", 'printf "out:%s" "$$"; printf err >&2']))]);
    const { pgid, rest } = splitPgid(r.stderr);
    expect(r.stdout).toBe(`out:${pgid}`); // exec keeps the pid: the group leader is the command itself
    expect(rest).toBe("err");
    fc.assert(fc.property(fc.string(), fc.string(), fc.nat(), (before, after, pid) => {
      const text = (before ? `${before}\n` : "") + `g5k-flow-pgid:${pid}\n${after}`;
      expect(splitPgid(text)).toEqual({ pgid: pid, rest: (before ? `${before}\n` : "") + after });
    }), { seed: 13, numRuns: 200 });
    expect(() => killCommand(1, "TERM")).toThrow(UsageError);
  });
});
