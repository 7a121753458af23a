// g5k-flow tree relay. Plain JavaScript (no build step) run with `node` on a
// relay host, next to the engine's node_modules (ssh2). It reads one JSON job
// line on stdin, runs its own command, runs the command on its children over
// SSH (leaves directly, subtrees through a child relay), and writes one JSON
// line per host on stdout as results arrive. A child relay that dies has its
// unanswered hosts re-run here (re-parented), so no host goes missing.
// In broadcast mode the job line is followed by a file's bytes: each relay
// writes them to disk while streaming them on to its children, and reports
// the sha256 of what it wrote; lost subtrees are re-sent from its own copy.
// There each node's `remote` holds its destination path.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync, renameSync } from "node:fs";
import { Transform } from "node:stream";
import { connect as tcpConnect } from "node:net";
import ssh2 from "ssh2";

const emit = (r) => process.stdout.write(JSON.stringify(r) + "\n");

/** Runs `remote` on this host as sshd would: through sh -c. */
function runSelf(name, remote, stdin) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn("/bin/sh", ["-c", remote], { stdio: ["pipe", "pipe", "pipe"] });
    const out = [], err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", (e) => resolve({ host: name, exitCode: null, signal: null, stdout: "", stderr: "", start, end: Date.now(), error: e.message, unreachable: true }));
    child.on("close", (code, signal) => resolve({
      host: name, exitCode: code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), start, end: Date.now(),
    }));
    child.stdin.on("error", () => {}); // EPIPE: the command exited without reading its input
    child.stdin.end(stdin ?? "");
  });
}

/** A bounded number of handshakes in flight (sshd MaxStartups, CPU). */
function limiter(n) {
  let active = 0;
  const queue = [];
  return async (fn) => {
    if (active >= n) await new Promise((r) => queue.push(r));
    else active++;
    try { return await fn(); } finally { const next = queue.shift(); if (next) next(); else active--; }
  };
}

function connect(job, host, limit) {
  const key = readFileSync(host.keyFile ?? job.keyFile);
  const known = job.knownHosts ?? {};
  return limit(() => new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.once("ready", () => { c.on("error", () => {}); resolve(c); });
    c.once("error", (e) => reject(new Error(`ssh ${host.name} (${host.address}) from relay ${job.self.name}: ${e.message}`)));
    c.connect({
      // Nagle off, as the controller's pool does (ssh2 leaves it on).
      sock: tcpConnect({ host: host.address, port: host.port ?? 22, noDelay: true }),
      host: host.address, port: host.port ?? 22, username: host.user ?? "root", privateKey: key,
      readyTimeout: job.connectTimeoutMs,
      // Keys the controller knew for these hosts must match; others are trusted on first use (the controller's policy decides which).
      hostVerifier: (raw) => known[host.address] === undefined || known[host.address] === raw.toString("base64"),
    });
  }));
}

/** exec on a connection; `onLine` gets stdout line by line when given (child relays). */
function execOn(client, name, remote, stdin, onLine) {
  return new Promise((resolve) => {
    const start = Date.now();
    client.exec(remote, (err, ch) => {
      if (err) return resolve({ host: name, exitCode: null, signal: null, stdout: "", stderr: "", start, end: Date.now(), error: err.message, unreachable: true });
      const out = [], errs = [];
      let code = null, signal = null, partial = "";
      ch.on("data", (d) => {
        if (!onLine) return out.push(d);
        const lines = (partial + d.toString()).split("\n");
        partial = lines.pop();
        lines.forEach(onLine);
      });
      ch.stderr.on("data", (d) => errs.push(d));
      ch.on("exit", (c, s) => { code = c ?? null; signal = s ?? null; });
      ch.on("close", () => {
        const lost = code === null && signal === null;
        resolve({
          host: name, exitCode: code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString(), start, end: Date.now(),
          ...(lost ? { error: "connection closed before the command's exit status" } : {}),
        });
      });
      ch.end(stdin ?? undefined);
    });
  });
}

function flatten(node) {
  return [{ ...node, children: [] }, ...node.children.flatMap(flatten)];
}

async function runLeaf(job, node, limit, extra = {}) {
  let client;
  try {
    client = await connect(job, node.host, limit);
  } catch (e) {
    return emit({ host: node.host.name, exitCode: null, signal: null, stdout: "", stderr: "", start: Date.now(), end: Date.now(), error: e.message, unreachable: true, ...extra });
  }
  const r = await execOn(client, node.host.name, node.remote, job.stdin);
  client.end();
  emit({ ...r, ...extra });
}

async function runSubtree(job, node, limit) {
  const seen = new Set();
  let client;
  try {
    client = await connect(job, node.host, limit);
  } catch {
    client = null;
  }
  if (client) {
    const sub = { ...job, self: { name: node.host.name, remote: node.remote }, children: node.children };
    await execOn(client, node.host.name, job.relayCommand, JSON.stringify(sub) + "\n", (line) => {
      if (!line) return;
      try {
        const r = JSON.parse(line);
        seen.add(r.host);
        process.stdout.write(line + "\n");
      } catch { /* a torn last line from a dying relay: its host is re-run below */ }
    });
    client.end();
  }
  const missing = flatten(node).filter((n) => !seen.has(n.host.name));
  if (missing.length === 0) return;
  if (job.onRelayLoss === "fail") {
    for (const n of missing) emit({ host: n.host.name, exitCode: null, signal: null, stdout: "", stderr: "", start: Date.now(), end: Date.now(), error: `relay ${node.host.name} lost`, unreachable: true });
    return;
  }
  await Promise.all(missing.map((n) => runLeaf(job, n, limit, { reparented: node.host.name })));
}

/**
 * Starts a broadcast relay on each node (for its subtree); returns sinks to
 * stream the data into and promises of the hosts that answered. Lines are
 * passed upward as they come, with `extra` merged in.
 */
async function openChildren(job, nodes, limit, extra = {}) {
  return Promise.all(nodes.map(async (node) => {
    const seen = new Set();
    let client;
    try {
      client = await connect(job, node.host, limit);
    } catch (e) {
      return { node, seen, sink: null, done: Promise.resolve(), error: e.message };
    }
    const sub = { ...job, self: { name: node.host.name, remote: node.remote }, children: node.children };
    return new Promise((opened) => client.exec(job.relayCommand, (err, ch) => {
      if (err) { client.end(); return opened({ node, seen, sink: null, done: Promise.resolve(), error: err.message }); }
      ch.on("error", () => {});
      ch.stderr.resume();
      let partial = "";
      ch.on("data", (d) => {
        const lines = (partial + d.toString()).split("\n");
        partial = lines.pop();
        for (const line of lines.filter(Boolean)) {
          try { const r = { ...JSON.parse(line), ...extra }; seen.add(r.host); emit(r); } catch { /* torn line of a dying relay */ }
        }
      });
      const done = new Promise((r) => ch.on("close", () => { client.end(); r(); }));
      ch.write(JSON.stringify(sub) + "\n");
      opened({ node, seen, sink: ch, done });
    }));
  }));
}

/** Writes a chunk and waits for the sink to drain if it asks to; a dead sink is skipped. */
function write(sink, chunk) {
  if (sink.destroyed || sink.writableEnded) return Promise.resolve();
  if (sink.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { sink.off("drain", done); sink.off("close", done); resolve(); };
    sink.on("drain", done);
    sink.on("close", done);
  });
}

async function pump(input, sinks) {
  for await (const chunk of input) await Promise.all(sinks.map((s) => write(s, chunk)));
  for (const s of sinks) s.end();
}

/** Broadcast: the data on stdin to `path` here and down to every child. */
async function broadcast(job, input, limit) {
  const start = Date.now();
  const path = job.self.remote;
  const hash = createHash("sha256");
  const file = createWriteStream(`${path}.part`);
  const children = await openChildren(job, job.children, limit);
  const hashing = new Transform({ transform(c, _e, cb) { hash.update(c); cb(null, c); } });
  input.pipe(hashing);
  await Promise.all([pump(hashing, [file, ...children.flatMap((c) => (c.sink ? [c.sink] : []))]), new Promise((r) => file.once("finish", r))]);
  renameSync(`${path}.part`, path);
  emit({ host: job.self.name, exitCode: 0, signal: null, stdout: hash.digest("hex"), stderr: "", start, end: Date.now() });
  await Promise.all(children.map((c) => c.done));
  // Hosts a lost child never answered for: sent our copy, each on its own.
  const missing = children.flatMap((c) => flatten(c.node).filter((n) => !c.seen.has(n.host.name)).map((n) => ({ n, via: c.node.host.name })));
  await Promise.all(missing.map(async ({ n, via }) => {
    const [again] = await openChildren(job, [n], limit, { reparented: via });
    if (!again.sink) {
      return emit({ host: n.host.name, exitCode: null, signal: null, stdout: "", stderr: "", start, end: Date.now(), error: again.error, unreachable: true });
    }
    await pump(createReadStream(path), [again.sink]);
    await again.done;
    if (!again.seen.has(n.host.name)) emit({ host: n.host.name, exitCode: null, signal: null, stdout: "", stderr: "", start, end: Date.now(), error: `lost while receiving from ${job.self.name}`, unreachable: true });
  }));
}

async function main() {
  const { job, rest } = await readJob(process.stdin);
  const limit = limiter(job.maxConcurrentConnects ?? 32);
  if (job.broadcast) return broadcast(job, rest, limit);
  await Promise.all([
    runSelf(job.self.name, job.self.remote, job.stdin).then(emit),
    ...job.children.map((c) => (c.children.length > 0 ? runSubtree(job, c, limit) : runLeaf(job, c, limit))),
  ]);
}

/** The first stdin line is the job; the rest of stdin (broadcast data) stays readable. */
async function readJob(stdin) {
  let head = Buffer.alloc(0);
  for (;;) {
    const chunk = await new Promise((resolve) => {
      const c = stdin.read();
      if (c !== null) return resolve(c);
      stdin.once("readable", () => resolve(stdin.read() ?? Buffer.alloc(0)));
      stdin.once("end", () => resolve(null));
    });
    if (chunk === null) throw new Error("relay: no job on stdin");
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl >= 0) {
      stdin.unshift(head.subarray(nl + 1));
      return { job: JSON.parse(head.subarray(0, nl).toString()), rest: stdin };
    }
  }
}

main().then(() => process.exit(0), (e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exit(1); });
