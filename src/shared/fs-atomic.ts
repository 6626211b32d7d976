// Atomic, private file writes: temp file in the same directory, fsync, rename, fsync the directory.
// A crash at any point leaves either the old or the new file, never a torn one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, readFileSync, chmodSync, readdirSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

const sweptDirs = new Set<string>();

/**
 * Removes temp files left by writers that were killed mid-write (`.<name>.<pid>.<hex>.tmp` whose pid is
 * gone). Done once per directory per process, so litter never outgrows one file per crashed writer.
 */
export function sweepStaleTemps(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // its writer is alive
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
    }
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  if (!sweptDirs.has(dir)) {
    sweptDirs.add(dir);
    sweepStaleTemps(dir);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // directories cannot be opened for fsync on every platform; the rename is still atomic
  }
}

export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", mode);
}

export type JsonRead<T> = { kind: "missing" } | { kind: "ok"; value: T; raw: string } | { kind: "error"; message: string };

/** Reads a JSON file without ever throwing; errors name the file. */
export function readJsonFile<T = unknown>(path: string): JsonRead<T> {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "error", message: `cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    return { kind: "ok", value: JSON.parse(raw) as T, raw };
  } catch (err) {
    return { kind: "error", message: `${path} is not valid JSON: ${(err as Error).message}` };
  }
}
