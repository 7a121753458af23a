import { z } from "zod";
import { UsageError } from "../../engine/errors.ts";
import { libvirtOptionShape } from "../libvirt/index.ts";

/** `--testbed-opt key=value` options of the ssh testbed (README.md lists them). */
const schema = z
  .object({
    /** The YAML inventory of the machines. */
    inventory: z.string({ error: "required: --testbed-opt inventory=hosts.yaml" }).regex(/^[^\p{Cc}]+$/u, "a file path without control characters"),
    /** The guests' subnet, e.g. 10.158.0.0/22: VMs take its addresses from the bottom, MACs 00:16:3e + the IP's last three octets. */
    guestSubnet: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "a CIDR such as 10.158.0.0/22").optional(),
    /** Extra reachability attempts per host at reserve (1 s back-off, doubling). */
    retries: z.coerce.number().int().min(0).max(10).default(1),
    /** Seconds to connect (TCP, handshake, authentication), per connection. */
    connectTimeout: z.coerce.number().min(1).max(300).default(10),
    /** known_hosts file: when given, host keys must match it (strict); otherwise the first key seen is trusted for the run. */
    knownHosts: z.string().regex(/^[^\p{Cc}]+$/u, "a file path without control characters").optional(),
    ...libvirtOptionShape,
  })
  .strict();

export type SshOptions = z.output<typeof schema>;

export function parseSshOptions(options: Readonly<Record<string, string>>): SshOptions {
  const r = schema.safeParse(options);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.join(".") || "options";
    throw new UsageError(`ssh testbed option '${key}': ${issue.message.split("\n")[0]} (known: ${Object.keys(schema.shape).join(", ")})`);
  }
  return r.data;
}
