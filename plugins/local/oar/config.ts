import { readFile, writeFile } from "node:fs/promises";

/** Replaces, in a configuration file, what each pattern matches (a no-op when already edited: idempotent). */
export async function editFile(path: string, edits: ReadonlyArray<readonly [RegExp, string]>): Promise<void> {
  const before = await readFile(path, "utf8");
  const after = edits.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), before);
  if (after !== before) await writeFile(path, after);
}

/** The value of KEY="value" in oar.conf, or "" when unset. */
export async function oarConfValue(key: string): Promise<string> {
  const text = await readFile("/etc/oar/oar.conf", "utf8");
  return text.match(new RegExp(`^${key}="([^"]*)"`, "m"))?.[1] ?? "";
}

/** Sets KEY="value" lines of oar.conf (values generated here: hex passwords, addresses, ports). */
export function setOarConf(values: Readonly<Record<string, string>>): Promise<void> {
  return editFile("/etc/oar/oar.conf", Object.entries(values).map(([key, value]) => [new RegExp(`^${key}="[^"]*"`, "m"), `${key}="${value}"`] as const));
}

/**
 * Apache serves OAR's REST API on loopback only (port 16668); the job owner comes in the
 * X-REMOTE-IDENT header (the API's ident mode), trusted because only local
 * processes reach it. suexec runs the API's CGI as oar.
 */
export async function configureApache(): Promise<void> {
  await editFile("/etc/apache2/ports.conf", [
    [/^Listen 80$/m, "Listen 127.0.0.1:18080"],
    [/^(\s*)Listen 443$/gm, "$1Listen 127.0.0.1:18443"],
  ]);
  await editFile("/etc/oar/apache2/oar-restful-api.conf", [
    // OAR's port 6668 is one fetch() refuses (IRC's range): 16668, on loopback only
    [/^Listen (127\.0\.0\.1:)?6668$/m, "Listen 127.0.0.1:16668"],
    [/^<VirtualHost \*:6668>$/m, "<VirtualHost *:16668>"],
    [/^(\s*)RequestHeader unset X_REMOTE_IDENT/gm, "$1#RequestHeader unset X_REMOTE_IDENT"],
  ]);
  await editFile("/etc/apache2/suexec/www-data", [[/^.*$/m, "/usr/lib/cgi-bin/oarapi"]]);
}
