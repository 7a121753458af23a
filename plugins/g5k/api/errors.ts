/** HTTP failures of the Grid'5000 API as one-line messages a user can act on. */

const HINTS: Readonly<Record<number, string>> = {
  0: "no connection",
  400: "bad request: the API rejected what was sent",
  401: "authentication required or refused: check G5K_USER/G5K_PASSWORD or the credentials file",
  403: "forbidden: the account may not do this",
  404: "not found",
  405: "method not allowed",
  406: "not acceptable: the API cannot answer in JSON here",
  415: "unsupported media type: the request body must be application/json",
  422: "unprocessable: the request body has the wrong structure",
  500: "internal error of the API",
  502: "bad gateway: the API could not reach OAR, Kadeploy or KaVLAN; retry later",
  503: "service unavailable: the API is down or overloaded; retry later",
};

/** Longest API body quoted in a message: enough for OAR's reason, not a page of HTML. */
const MAX_DETAIL = 240;

export class G5kApiError extends Error {
  override readonly name = "G5kApiError";
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(formatApiError(status, method, path, detail));
  }
}

/** "g5k API POST /sites/rennes/jobs: 400 bad request: ... — <API's text>", on one line. */
export function formatApiError(status: number, method: string, path: string, detail: string): string {
  const hint = HINTS[status] ?? (status >= 500 ? "server error" : "request failed");
  const text = oneLine(detail);
  return `g5k API ${method} ${path}: ${status} ${hint}${text ? ` (${text})` : ""}`;
}

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL - 1)}…` : flat;
}

/** Statuses worth retrying for idempotent requests: the backend, not the request, failed. */
export function isTransient(status: number): boolean {
  return status === 502 || status === 503;
}
