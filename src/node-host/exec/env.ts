// The environment a system.run child gets (node-host.md §4.3, quirks §12.3 and §12.20): the node host's
// own environment minus loader/interpreter hooks and minus the node host's secrets, plus caller
// overrides — and a request whose overrides touch a blocked key is rejected, never silently trimmed.

/** Inherited keys that are dropped and override keys that are refused (compared upper-cased). */
export const DANGEROUS_ENV_KEYS: readonly string[] = [
  "NODE_OPTIONS", "NODE_PATH", "PYTHONHOME", "PYTHONPATH", "PERL5LIB", "PERL5OPT", "RUBYLIB", "RUBYOPT",
  "BASH_ENV", "ENV", "GIT_EXTERNAL_DIFF", "GIT_SSH_COMMAND", "GIT_SSH", "SHELLOPTS", "PS4", "GCONV_PATH",
  "IFS", "SSLKEYLOGFILE", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GLIBC_TUNABLES",
  // interpreter start-up hooks and module paths
  "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONUSERBASE", "PERLLIB", "PERL5DB", "LUA_PATH", "LUA_CPATH",
  "RUBYGEMS_GEMDEPS", "JDK_JAVA_OPTIONS", "CLASSPATH", "PHPRC", "PHP_INI_SCAN_DIR", "TCLLIBPATH",
  "ZDOTDIR", "PROMPT_COMMAND", "HISTFILE",
  // git runs these as programs or reads config that does
  "GIT_ASKPASS", "SSH_ASKPASS", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
  "GIT_CONFIG_PARAMETERS", "GIT_PROXY_COMMAND",
];
/** Key prefixes treated like DANGEROUS_ENV_KEYS (case-insensitive). */
export const DANGEROUS_ENV_PREFIXES: readonly string[] = ["LD_", "DYLD_", "BASH_FUNC_", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"];
/** Keys callers may not override although the child inherits them (they pick programs, proxies or trust roots). */
export const OVERRIDE_ONLY_BLOCKED_KEYS: readonly string[] = [
  "PATH", "HOME", "SHELL", "EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "BROWSER", "TMPDIR",
  "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GNUPGHOME", "SSH_AUTH_SOCK", "KUBECONFIG", "DOCKER_HOST",
];
/** Override prefixes refused like OVERRIDE_ONLY_BLOCKED_KEYS (case-insensitive). */
export const OVERRIDE_ONLY_BLOCKED_PREFIXES: readonly string[] = ["GIT_", "NPM_CONFIG_", "CARGO_", "TF_VAR_", "PIP_"];
/** The node host's own credentials, never passed to children. */
export const SECRET_ENV_KEYS: readonly string[] = ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"];
/** Any OPENCLAW_* key containing one of these words is a secret too. */
export const SECRET_ENV_MARKERS: readonly string[] = ["TOKEN", "PASSWORD", "SECRET"];
/**
 * Inherited keys ending like a credential (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY …) are not
 * passed on either: a command the gateway asked for gets a credential only when the request sets it.
 */
export const SECRET_ENV_SUFFIXES: readonly string[] = ["_TOKEN", "_SECRET", "_PASSWORD", "_API_KEY", "_ACCESS_KEY", "_SECRET_KEY", "_PRIVATE_KEY", "_SECRET_ACCESS_KEY"];
/** The only overrides a shell-wrapper run (`sh -c …`) accepts: these keys and LC_*. */
export const SHELL_WRAPPER_OVERRIDE_KEYS: readonly string[] = ["TERM", "LANG", "COLORTERM", "NO_COLOR", "FORCE_COLOR"];
export const SHELL_WRAPPER_OVERRIDE_PREFIXES: readonly string[] = ["LC_"];

const PORTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ChildEnvResult = { ok: true; env: Record<string, string> } | { ok: false; message: string };

function hasPrefix(upper: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => upper.startsWith(p));
}

export function isDangerousEnvKey(key: string): boolean {
  const upper = key.toUpperCase();
  return DANGEROUS_ENV_KEYS.includes(upper) || hasPrefix(upper, DANGEROUS_ENV_PREFIXES);
}

export function isSecretEnvKey(key: string): boolean {
  const upper = key.toUpperCase();
  if (SECRET_ENV_KEYS.includes(upper)) return true;
  if (SECRET_ENV_SUFFIXES.some((suffix) => upper.endsWith(suffix))) return true;
  return upper.startsWith("OPENCLAW_") && SECRET_ENV_MARKERS.some((m) => upper.includes(m));
}

function isBlockedOverride(key: string, shellWrapper: boolean): boolean {
  const upper = key.toUpperCase();
  if (isDangerousEnvKey(key) || OVERRIDE_ONLY_BLOCKED_KEYS.includes(upper) || hasPrefix(upper, OVERRIDE_ONLY_BLOCKED_PREFIXES)) return true;
  if (!shellWrapper) return false;
  return !SHELL_WRAPPER_OVERRIDE_KEYS.includes(upper) && !hasPrefix(upper, SHELL_WRAPPER_OVERRIDE_PREFIXES);
}

// Sorted, de-duplicated list for the rejection message.
function keyList(keys: string[], upperCase: boolean): string {
  return [...new Set(upperCase ? keys.map((k) => k.toUpperCase()) : keys)].sort().join(", ");
}

/** Builds the child environment, or says why the overrides are refused (the whole request is denied). */
export function buildChildEnv(
  hostEnv: NodeJS.ProcessEnv,
  overrides: Record<string, unknown> | null | undefined,
  opts: { shellWrapper: boolean },
): ChildEnvResult {
  // A Map, then Object.fromEntries: a key such as "__proto__" stays an ordinary own property.
  const env = new Map<string, string>();
  for (const [key, value] of Object.entries(hostEnv)) {
    if (typeof value !== "string" || !PORTABLE_KEY.test(key)) continue;
    if (isDangerousEnvKey(key) || isSecretEnvKey(key)) continue;
    env.set(key, value);
  }
  if (!overrides) return { ok: true, env: Object.fromEntries(env) };

  const blocked: string[] = [];
  const nonPortable: string[] = [];
  const nonString: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (!PORTABLE_KEY.test(key)) nonPortable.push(key);
    else if (isBlockedOverride(key, opts.shellWrapper)) blocked.push(key);
    else if (typeof value !== "string") nonString.push(key);
  }
  const clauses: string[] = [];
  if (blocked.length > 0) clauses.push(`blocked override keys: ${keyList(blocked, true)}`);
  if (nonPortable.length > 0) clauses.push(`invalid non-portable override keys: ${keyList(nonPortable, false)}`);
  if (nonString.length > 0) clauses.push(`non-string override values: ${keyList(nonString, false)}`);
  if (clauses.length > 0) {
    return { ok: false, message: `SYSTEM_RUN_DENIED: environment override rejected (${clauses.join("; ")})` };
  }
  for (const [key, value] of Object.entries(overrides)) env.set(key, value as string);
  return { ok: true, env: Object.fromEntries(env) };
}
