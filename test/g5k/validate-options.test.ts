/**
 * What `--testbed g5k` refuses before a run starts (exit 2, nothing
 * archived): an API address credentials would travel to in clear, and
 * credentials that cannot be used.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { checkApiUrl, Credentials, G5kClient, g5kTestbed, systemClock } from "../../plugins/g5k/index.ts";
import { ROOT } from "../engine/cli-helpers.ts";

const SECRET = "s3cret-in-the-file";
const dir = mkdtempSync(join(tmpdir(), "g5k-validate-"));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
};

describe("the API address", () => {
  it("must be https, except on this machine (the stand-in)", () => {
    for (const ok of ["https://api.grid5000.fr/stable", "https://10.0.0.1:8443/", "http://127.0.0.1:8080/stable", "http://127.5.6.7", "http://localhost:3000", "http://[::1]:3000/"]) {
      expect(checkApiUrl(ok).href, ok).toBe(new URL(ok).href);
    }
    const refused = ["http://api.grid5000.fr/stable", "http://10.0.0.1/", "http://127.0.0.1.example.org/", "http://localhost.example.org/", "ftp://127.0.0.1/", "ws://localhost/", "http://[::2]/"];
    for (const bad of refused) {
      const error = thrown(() => checkApiUrl(bad));
      expect(error, bad).toBeInstanceOf(UsageError);
      expect(error.message, bad).toMatch(/^g5k: the API address must use https \(credentials are sent with every request\): got \S+ \(plain http only to this machine: 127\.0\.0\.0\/8, ::1, localhost\)$/);
    }
    expect(thrown(() => checkApiUrl("not a url")).message).toBe("g5k: the API address is not a URL");
  });

  it("is checked by validateOptions and by the client itself, which never sends the password in clear", async () => {
    expect(() => g5kTestbed.validateOptions!({ api: "http://api.example.org/stable" })).toThrow(UsageError);
    const error = thrown(() => g5kTestbed.validateOptions!({ api: `http://alice:${SECRET}@api.example.org/` }));
    expect(error.message).not.toContain(SECRET);
    expect(() => new G5kClient({ baseUrl: "http://api.example.org", credentials: new Credentials("alice", SECRET, "test"), clock: systemClock })).toThrow(/must use https/);
  });
});

describe("credentials at validateOptions", () => {
  // The checks read process.env: make sure no G5K_* of the machine running the tests gets in the way.
  beforeEach(() => {
    vi.stubEnv("G5K_USER", "");
    vi.stubEnv("G5K_PASSWORD", "");
  });
  afterEach(() => vi.unstubAllEnvs());

  it("refuse an unreadable file, malformed YAML, a missing user or password, half the environment; never quoting the password", () => {
    const folder = join(dir, "a-folder.yml");
    mkdirSync(folder, { recursive: true });
    const cases: Array<[string, string, RegExp]> = [
      ["missing", join(dir, "absent.yml"), /^g5k: cannot read credentials file .*absent\.yml$/],
      ["folder", folder, /^g5k: cannot read credentials file .*a-folder\.yml$/],
      ["malformed", file("bad.yml", `username: erin\npassword: [${SECRET}\n`), /^g5k: credentials file .*bad\.yml is not valid YAML$/],
      ["no password", file("nopw.yml", "username: erin\n"), /^g5k: credentials file .*nopw\.yml needs 'username:' and 'password:' entries$/],
      ["no user", file("nouser.yml", `password: ${SECRET}\n`), /^g5k: credentials file .*nouser\.yml needs 'username:' and 'password:' entries$/],
    ];
    for (const [label, path, why] of cases) {
      const error = thrown(() => g5kTestbed.validateOptions!({ credentials: path }));
      expect(error, label).toBeInstanceOf(UsageError);
      expect(error.message, label).toMatch(why);
      expect(error.message, label).not.toContain(SECRET);
    }
    vi.stubEnv("G5K_USER", "erin");
    expect(() => g5kTestbed.validateOptions!({})).toThrow(/set both G5K_USER and G5K_PASSWORD/);
    vi.stubEnv("G5K_PASSWORD", SECRET);
    expect(() => g5kTestbed.validateOptions!({ credentials: join(dir, "absent.yml") })).not.toThrow(); // the environment wins
  });

  it("make the CLI answer exit 2 in one line before anything is archived", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["malformed credentials", { credentials: file("cli-bad.yml", `username: erin\npassword: [${SECRET}\n`) }, /^g5k-flow: g5k: credentials file .*cli-bad\.yml is not valid YAML$/],
      ["plain-http API", { api: "http://api.example.org/stable" }, /^g5k-flow: g5k: the API address must use https/],
    ];
    for (const [label, options, why] of cases) {
      const results = mkdtempSync(join(dir, "results-"));
      const opts = Object.entries(options).flatMap(([k, v]) => ["--testbed-opt", `${k}=${v}`]);
      const run = await execa("node", [join(ROOT, "bin/g5k-flow.js"), "run", "workflows/dvms-vs-entropy.ts", "--testbed", "g5k", ...opts, "--results", results], {
        reject: false,
        cwd: ROOT,
        env: { CI: "1", G5K_USER: "", G5K_PASSWORD: "" },
      });
      expect(run.exitCode, label).toBe(2);
      expect(run.stderr.trim().split("\n"), label).toHaveLength(1);
      expect(run.stderr.trim(), label).toMatch(why);
      expect(run.stderr + run.stdout, label).not.toContain(SECRET);
      expect(readdirSync(results), `${label}: nothing archived`).toEqual([]);
    }
  }, 60_000);
});
