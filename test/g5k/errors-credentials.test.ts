import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../engine/errors.ts";
import { Credentials, G5kClient, loadCredentials } from "../../plugins/g5k/index.ts";
import { harness, PASSWORD } from "./helpers.ts";
import type { Harness } from "./helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

const HINTS: Record<number, RegExp> = {
  400: /400 bad request/,
  401: /401 authentication required or refused: check G5K_USER\/G5K_PASSWORD or the credentials file/,
  403: /403 forbidden/,
  404: /404 not found/,
  415: /415 unsupported media type: the request body must be application\/json/,
  422: /422 unprocessable/,
  500: /500 internal error of the API/,
  502: /502 bad gateway: the API could not reach OAR, Kadeploy or KaVLAN; retry later/,
  503: /503 service unavailable: the API is down or overloaded; retry later/,
};

describe("HTTP errors", () => {
  it.each(Object.keys(HINTS).map(Number))("maps %i to one clear line that never holds the password", async (status) => {
    h = await harness({}, { retries: 0 });
    h.standin.faults.push({ status, path: /^\/sites\/rennes$/, body: `backend said:\n  something broke` });
    const error = await h.client.reference.site("rennes").catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(HINTS[status]!);
    expect(message).toContain(`g5k API GET /sites/rennes: ${status} `);
    expect(message).toContain("(backend said: something broke)");
    expect(message).not.toContain("\n");
    expect(message).not.toContain(PASSWORD);
  });

  it("withholds a body that echoes the credentials", async () => {
    h = await harness({}, { retries: 0 });
    h.standin.faults.push({ status: 500, body: `debug: password=${PASSWORD}` });
    await expect(h.client.reference.sites()).rejects.toThrow("(response body withheld: it echoed the credentials)");
  });

  it("answers the real causes: 401 bad password, 403 another's job, 404 unknown site, 415 non-JSON body", async () => {
    h = await harness();
    const wrong = new G5kClient({ baseUrl: h.standin.apiUrl, credentials: new Credentials("alice", "not-the-password", "test"), clock: h.clock });
    const denied = await wrong.reference.sites().catch((e: Error) => e.message);
    expect(denied).toMatch(HINTS[401]!);
    expect(denied).not.toContain("not-the-password");
    const anonymous = new G5kClient({ baseUrl: h.standin.apiUrl, clock: h.clock });
    await expect(anonymous.reference.sites()).rejects.toThrow(/401 .*\(Authorization Required\)/);

    const bobs = new G5kClient({ baseUrl: h.standin.apiUrl, credentials: new Credentials("bob", "bobs-password", "test"), clock: h.clock });
    const job = await bobs.jobs.submit("rennes", { name: "b", resources: "nodes=1", command: "sleep 1d" });
    await expect(h.client.jobs.delete(job)).rejects.toThrow(`g5k API DELETE /sites/rennes/jobs/${job.uid}: 403 forbidden: the account may not do this (Job ${job.uid} does not belong to you)`);
    await expect(h.client.reference.site("atlantis")).rejects.toThrow(/GET \/sites\/atlantis: 404 not found/);

    const raw = await fetch(`${h.standin.apiUrl}/sites/rennes/vlans/1/nodes`, {
      method: "POST",
      headers: { Authorization: new Credentials("alice", PASSWORD, "t").authorization(), "Content-Type": "text/plain" },
      body: "paravance-1.rennes.grid5000.fr",
    });
    expect(raw.status).toBe(415);
    expect(raw.headers.get("content-type")).toMatch(/^text\/plain/);
  });

  it("retries idempotent requests on 502/503, not submissions", async () => {
    h = await harness({}, { retries: 2, retryDelay: 5 });
    h.standin.faults.push({ status: 503, method: "GET", times: 2 });
    expect((await h.client.reference.sites()).length).toBe(8);
    const gets = h.standin.requests("GET", /^\/sites$/);
    expect(gets.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(gets.map((r) => (r.time - gets[0]!.time) / 1000)).toEqual([0, 5, 15]);
    h.standin.faults.push({ status: 502, method: "POST" });
    await expect(h.client.jobs.submit("rennes", { name: "x", resources: "nodes=1", command: "sleep 1d" })).rejects.toThrow(/502/);
    expect(h.standin.requests("POST", /\/jobs$/)).toHaveLength(1);
  });

  it("serves the real media types: vnd.grid5000 item/collection, application/json on request, 406 on a mismatch", async () => {
    h = await harness();
    const auth = { Authorization: new Credentials("alice", PASSWORD, "t").authorization() };
    const type = async (path: string, accept?: string) => {
      const r = await fetch(`${h.standin.apiUrl}${path}`, { headers: { ...auth, ...(accept ? { Accept: accept } : {}) } });
      return [r.status, r.headers.get("content-type")?.split(";")[0]];
    };
    expect(await type("/sites")).toEqual([200, "application/vnd.grid5000.collection+json"]);
    expect(await type("/sites/rennes")).toEqual([200, "application/vnd.grid5000.item+json"]);
    expect(await type("/sites", "application/json")).toEqual([200, "application/json"]);
    expect(await type("/sites", "application/vnd.grid5000.item+json")).toEqual([406, "text/plain"]);
  });
});

describe("credentials", () => {
  const dir = mkdtempSync(join(tmpdir(), "g5k-cred-"));

  it("come from G5K_USER/G5K_PASSWORD first, then the YAML file", () => {
    const file = join(dir, "grid5000.yml");
    writeFileSync(file, "username: carol\npassword: 'p@ss: word'\n", { mode: 0o600 });
    expect(loadCredentials({ env: { G5K_USER: "dave", G5K_PASSWORD: "x" }, file })?.user).toBe("dave");
    const fromFile = loadCredentials({ env: {}, file })!;
    expect(fromFile.user).toBe("carol");
    expect(fromFile.authorization()).toBe(`Basic ${Buffer.from("carol:p@ss: word").toString("base64")}`);
    expect(loadCredentials({ env: {}, defaultFile: join(dir, "absent.yml") })).toBeUndefined();
    expect(() => loadCredentials({ env: {}, file: join(dir, "absent.yml") })).toThrow(UsageError);
    expect(() => loadCredentials({ env: { G5K_USER: "dave" } })).toThrow(/set both G5K_USER and G5K_PASSWORD/);
  });

  it("never show the password: JSON, inspect, strings, parse errors", () => {
    const secret = "hunter2-very-secret";
    const c = new Credentials("erin", secret, "environment");
    for (const shown of [JSON.stringify(c), inspect(c), String(c), `${c}`, JSON.stringify({ nested: { c } })]) {
      expect(shown).toContain("erin");
      expect(shown).not.toContain(secret);
    }
    const bad = join(dir, "bad.yml");
    writeFileSync(bad, `username: erin\npassword: [${secret}\n`, { mode: 0o600 });
    const message = (() => {
      try {
        loadCredentials({ env: {}, file: bad });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toBe(`g5k: credentials file ${bad} is not valid YAML`);
    const incomplete = join(dir, "incomplete.yml");
    writeFileSync(incomplete, `username: erin\n`, { mode: 0o600 });
    expect(() => loadCredentials({ env: {}, file: incomplete })).toThrow(/needs 'username:' and 'password:'/);
  });

  it("warn when the file is readable by others", () => {
    const open = join(dir, "open.yml");
    writeFileSync(open, "username: f\npassword: g\n");
    chmodSync(open, 0o644);
    const warnings: string[] = [];
    loadCredentials({ env: {}, file: open, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`g5k: credentials file ${open} is readable by others; run: chmod 600 ${open}`]);
  });
});
