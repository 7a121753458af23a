import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { create } from "tar";
import { roCrate } from "../archive/ro-crate.ts";
import { readManifest } from "../archive/run-archive.ts";
import { UsageError } from "../errors.ts";
import { engineInfo, LOCKFILE } from "../run/engine-info.ts";
import { archivedSource } from "../run/runner.ts";

/** Every file under `dir`, as paths relative to `base`, sorted. */
function filesUnder(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), base) : e.isFile() ? [relative(base, join(dir, e.name))] : []))
    .sort();
}

function readme(id: string, workflow: string, artifact: string): string {
  return `# ${workflow} — run ${id}

A g5k-flow run, packed to be rerun elsewhere.

- \`run/\`: the run archive (manifest, journal, checkpoints, metrics, summary, report.html);
  \`run/workflow.mts\` is the exact workflow source that ran.
- \`package-lock.json\`: the engine's npm lockfile when the run was packed.
- \`engine.json\`: the engine version and lockfile hash the run was made with, and when packed.
- \`ro-crate-metadata.json\`: RO-Crate 1.1 metadata describing the run.

Rerun it from a g5k-flow checkout (\`npm ci\` done), same source, params and seed; the
summaries are compared, and a line says if the engine version or lockfile differ:

    npx g5k-flow rerun ${artifact}

Format of the archive: docs/archive-format.md in the g5k-flow repository.
`;
}

/**
 * `g5k-flow pack <run-dir> [--out file]`: one self-contained .tar.gz holding
 * the run archive, the lockfile, the engine version, a README with the rerun
 * command and RO-Crate metadata; `g5k-flow rerun <file>` reruns it.
 */
export async function packCommand(dir: string, options: { readonly out?: string }): Promise<number> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`no such run directory: ${dir}`);
  const manifest = readManifest(dir);
  archivedSource(dir, manifest.workflow.source, manifest.workflow.sourceSha256);
  const out = resolve(options.out ?? `${manifest.id}.tar.gz`);
  const name = out.split("/").at(-1)!;
  const staging = mkdtempSync(join(tmpdir(), "g5k-pack-"));
  try {
    const top = join(staging, manifest.id);
    mkdirSync(top);
    cpSync(dir, join(top, "run"), { recursive: true });
    const lockfile = existsSync(LOCKFILE) ? "package-lock.json" : null;
    if (lockfile) copyFileSync(LOCKFILE, join(top, lockfile));
    writeFileSync(join(top, "engine.json"), `${JSON.stringify({ run: manifest.engine, packedWith: engineInfo() }, null, 2)}\n`);
    writeFileSync(join(top, "README.md"), readme(manifest.id, manifest.workflow.name, name));
    const files = filesUnder(join(top, "run"), top);
    writeFileSync(join(top, "ro-crate-metadata.json"), `${JSON.stringify(roCrate(manifest, files, { readme: "README.md", lockfile, engineFile: "engine.json" }), null, 2)}\n`);
    await create({ gzip: true, file: out, cwd: staging, portable: true }, [manifest.id]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  process.stdout.write(`${out}\n`);
  return 0;
}
