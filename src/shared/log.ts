// Minimal leveled logger to stderr with secret redaction. Secrets registered with `redact()` are
// replaced wherever they appear in a log line.

export type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const secrets = new Set<string>();

export function redact(secret: string | undefined | null): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(prefix: string, opts: { level?: Level; sink?: (line: string) => void } = {}): Logger {
  const envLevel = process.env.OPENCLAW_LOG_LEVEL as Level | undefined;
  const min = order[opts.level ?? (envLevel && envLevel in order ? envLevel : "info")];
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (level: Level, msg: string) => {
    if (order[level] < min) return;
    sink(scrub(`${prefix} ${level === "info" ? "" : level + ": "}${msg}`));
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
