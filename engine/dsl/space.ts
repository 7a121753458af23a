/**
 * Parameter spaces for sweeps, as Execo's ParamSweeper: products and zips of
 * value lists, filtered. Points are plain records with a stable key.
 */
export type Point = Readonly<Record<string, string | number | boolean>>;

export interface Space<P extends Point> {
  readonly points: readonly P[];
  /** Keeps the points `keep` accepts; the others are recorded as skipped. */
  filter(keep: (point: P) => boolean): Space<P>;
  /** Points the filters removed, in order. */
  readonly skipped: readonly P[];
}

type Axes = Readonly<Record<string, readonly (string | number | boolean)[]>>;
type PointOf<A extends Axes> = { readonly [K in keyof A]: A[K][number] };

function makeSpace<P extends Point>(points: readonly P[], skipped: readonly P[] = []): Space<P> {
  return {
    points,
    skipped,
    filter: (keep) => makeSpace(points.filter(keep), [...skipped, ...points.filter((p) => !keep(p))]),
  };
}

export const space = {
  /** Every combination, first axis slowest: product({a: [1, 2], b: ["x"]}) → {a:1,b:"x"}, {a:2,b:"x"}. */
  product<const A extends Axes>(axes: A): Space<PointOf<A>> {
    let points: Record<string, string | number | boolean>[] = [{}];
    for (const [name, values] of Object.entries(axes)) {
      points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
    }
    return makeSpace(points as unknown as PointOf<A>[]);
  },
  /** Axes walked together; they must have the same length. */
  zip<const A extends Axes>(axes: A): Space<PointOf<A>> {
    const lengths = new Set(Object.values(axes).map((v) => v.length));
    if (lengths.size > 1) throw new Error(`zip needs axes of one length, got ${[...lengths].join(", ")}`);
    const length = [...lengths][0] ?? 0;
    const points = Array.from({ length }, (_, i) => Object.fromEntries(Object.entries(axes).map(([k, v]) => [k, v[i]])));
    return makeSpace(points as unknown as PointOf<A>[]);
  },
};

/** A plain word stays bare; anything that could be read otherwise ("1" the string, "a,b") is JSON-quoted. */
function keyValue(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const ambiguous = !/^[A-Za-z_][\w.-]*$/.test(value) || value === "true" || value === "false";
  return ambiguous ? JSON.stringify(value) : value;
}

/** Stable, unambiguous identity of a point: `scale=500,scheduler=dvms` (distinct points, distinct keys). */
export function pointKey(point: Point): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${keyValue(v)}`)
    .join(",");
}
