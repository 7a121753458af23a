import type { Manifest } from "./manifest.ts";

type Entity = Readonly<Record<string, unknown>>;

const ref = (id: string): Entity => ({ "@id": id });

/**
 * `ro-crate-metadata.json` (RO-Crate 1.1) of a packed run: the crate is a
 * Dataset holding the run archive, the workflow source is its main entity
 * (a ComputationalWorkflow), and the run itself a CreateAction with the
 * params as inputs and the summary and metrics as results, following the
 * Workflow Run Crate conventions. `files` are the packed paths, relative to
 * the crate's root.
 */
export function roCrate(manifest: Manifest, files: readonly string[], extras: { readonly readme: string; readonly lockfile: string | null; readonly engineFile: string }): Entity {
  const run = (path: string): string => `run/${path}`;
  const source = run(manifest.workflow.source);
  const results = files.filter((f) => f === run("summary.json") || f === run("report.html") || (f.startsWith(run("metrics/")) && f.endsWith(".csv")));
  const params = Object.entries(manifest.params).map(([name, value]) => ({
    "@id": `#param-${name}`,
    "@type": "PropertyValue",
    name,
    value: typeof value === "string" ? value : JSON.stringify(value),
  }));
  const fileEntities = files.map((f) => ({
    "@id": f,
    "@type": f === source ? ["File", "SoftwareSourceCode", "ComputationalWorkflow"] : "File",
    ...(f === source ? { name: manifest.workflow.name, programmingLanguage: ref("#typescript"), sha256: manifest.workflow.sourceSha256 } : {}),
    ...(f.endsWith(".json") ? { encodingFormat: "application/json" } : f.endsWith(".csv") ? { encodingFormat: "text/csv" } : f.endsWith(".html") ? { encodingFormat: "text/html" } : {}),
  }));
  const top = [extras.readme, extras.engineFile, ...(extras.lockfile ? [extras.lockfile] : [])];
  const status = manifest.status === "ok" ? "CompletedActionStatus" : manifest.status === "failed" ? "FailedActionStatus" : "PotentialActionStatus";
  return {
    "@context": "https://w3id.org/ro/crate/1.1/context",
    "@graph": [
      { "@id": "ro-crate-metadata.json", "@type": "CreativeWork", conformsTo: ref("https://w3id.org/ro/crate/1.1"), about: ref("./") },
      {
        "@id": "./",
        "@type": "Dataset",
        name: `${manifest.workflow.name} run ${manifest.id}`,
        description: `A g5k-flow run of workflow ${manifest.workflow.name} on the ${manifest.testbed.kind} testbed (seed ${manifest.seed}), packed with what it takes to rerun it: see README.md.`,
        datePublished: manifest.end ?? manifest.start,
        mainEntity: ref(source),
        hasPart: [...top, "run/"].map(ref),
        mentions: ref(`#run-${manifest.id}`),
      },
      { "@id": "run/", "@type": "Dataset", name: "run archive", description: "the g5k-flow run archive (manifest, journal, checkpoints, metrics, summary)", hasPart: files.map(ref) },
      ...fileEntities,
      { "@id": extras.readme, "@type": "File", name: "how to rerun", encodingFormat: "text/markdown" },
      { "@id": extras.engineFile, "@type": "File", name: "engine version and lockfile hash", encodingFormat: "application/json" },
      ...(extras.lockfile ? [{ "@id": extras.lockfile, "@type": "File", name: "npm lockfile of the engine", encodingFormat: "application/json" }] : []),
      { "@id": "#typescript", "@type": "ComputerLanguage", name: "TypeScript", url: ref("https://www.typescriptlang.org/") },
      { "@id": "#g5k-flow", "@type": "SoftwareApplication", name: "g5k-flow", version: manifest.engine.version },
      ...params,
      {
        "@id": `#run-${manifest.id}`,
        "@type": "CreateAction",
        name: `run ${manifest.id}`,
        instrument: ref(source),
        agent: ref("#g5k-flow"),
        startTime: manifest.start,
        ...(manifest.end ? { endTime: manifest.end } : {}),
        actionStatus: ref(`http://schema.org/${status}`),
        ...(manifest.error ? { error: manifest.error } : {}),
        object: params.map((p) => ref(p["@id"])),
        result: results.map(ref),
      },
    ],
  };
}
