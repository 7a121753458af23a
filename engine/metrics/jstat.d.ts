/** The part of jstat (untyped CommonJS) the statistics module uses. */
declare module "jstat" {
  interface StudentT {
    /** P(T <= x) for `dof` degrees of freedom. */
    cdf(x: number, dof: number): number;
    /** The x with P(T <= x) = p. */
    inv(p: number, dof: number): number;
  }
  const jStat: { readonly studentt: StudentT };
  export default jStat;
}
