import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The real Grid'5000 API fixtures: the subset of them the tests read, kept in
 * the repository (test/fixtures/README.md). G5K_FIXTURES points the stand-in
 * at another copy, such as the full set.
 */
export const FIXTURES = process.env.G5K_FIXTURES ?? fileURLToPath(new URL("../../fixtures/g5k-api/", import.meta.url));
const REFERENCE = join(FIXTURES, "reference-repository/data/grid5000");

export type Json = Record<string, unknown>;

export function readJson<T = Json>(relative: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, relative), "utf8")) as T;
}

function listDir(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : [];
}

/** The Reference API tree: sites, their clusters and nodes, as documents. */
export class ReferenceTree {
  private readonly cache = new Map<string, Json>();

  sites(): string[] {
    return listDir(join(REFERENCE, "sites"));
  }

  site(site: string): Json | undefined {
    return this.load(`sites/${site}/${site}.json`);
  }

  clusters(site: string): string[] {
    return listDir(join(REFERENCE, "sites", site, "clusters")).filter((c) => existsSync(join(REFERENCE, "sites", site, "clusters", c, `${c}.json`)));
  }

  cluster(site: string, cluster: string): Json | undefined {
    return this.load(`sites/${site}/clusters/${cluster}/${cluster}.json`);
  }

  /** Node uids of a cluster, in numeric order (paravance-2 before paravance-10). */
  nodes(site: string, cluster: string): string[] {
    const number = (uid: string): number => Number(uid.match(/-(\d+)$/)?.[1] ?? 0);
    return listDir(join(REFERENCE, "sites", site, "clusters", cluster, "nodes"))
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5))
      .sort((a, b) => number(a) - number(b));
  }

  node(site: string, cluster: string, uid: string): Json | undefined {
    return this.load(`sites/${site}/clusters/${cluster}/nodes/${uid}.json`);
  }

  private load(relative: string): Json | undefined {
    if (!this.cache.has(relative)) {
      const path = join(REFERENCE, relative);
      if (!existsSync(path)) return undefined;
      this.cache.set(relative, JSON.parse(readFileSync(path, "utf8")) as Json);
    }
    // Callers decorate documents with links: hand out copies.
    return structuredClone(this.cache.get(relative));
  }
}

/** Kadeploy environment names (and aliases) the fixtures list: what a deployment may ask for. */
export function environmentNames(): Set<string> {
  const items = readJson<Array<{ name: string; alias?: string }>>("environments-grenoble.json");
  return new Set(items.flatMap((e) => [e.name, ...(e.alias ? [e.alias] : [])]));
}
