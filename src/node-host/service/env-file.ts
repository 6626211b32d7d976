// The service's environment file: `KEY=VALUE` lines in the subset of systemd's EnvironmentFile syntax
// that our own parser (used by `node run --env-file` on macOS and Windows) reads identically.
// It holds credentials and proxy settings only, mode 0600 — never the unit, plist, task or argv.

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]*$/;

export class EnvFileError extends Error {
  override name = "EnvFileError";
}

function quote(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new EnvFileError("an environment value cannot contain a line break or NUL");
  if (PLAIN.test(value)) return value;
  if (!value.includes("'") && !value.includes("\\")) return `'${value}'`;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

export function renderEnvFile(vars: Record<string, string>, header = "Managed by `openclaw node install`; mode 0600. Credentials for the node service."): string {
  const lines = [`# ${header}`];
  for (const [k, v] of Object.entries(vars)) {
    if (!KEY.test(k)) throw new EnvFileError(`invalid environment variable name: ${k}`);
    lines.push(`${k}=${quote(v)}`);
  }
  return lines.join("\n") + "\n";
}

/** Parses what renderEnvFile writes (and simple hand-written files): comments, KEY=VALUE, '…', "…". */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) continue;
    let v = line.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    else if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    out[key] = v;
  }
  return out;
}

/** Variables copied from the installing shell into the env file (when set). */
export const SERVICE_SECRET_VARS = ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"] as const;
export const SERVICE_PROXY_VARS = ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "no_proxy", "all_proxy"] as const;
