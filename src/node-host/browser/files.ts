// Files named by a route result (path, imagePath, download.path) attached as base64 (node-host.md §11.2).
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
export const MAX_FILES = 256;

export interface ProxyFile {
  path: string;
  base64: string;
  mimeType: string;
}

const BY_EXT: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".pdf": "application/pdf",
  ".json": "application/json",
  ".txt": "text/plain",
  ".html": "text/html",
  ".zip": "application/zip",
};

export function sniffMime(bytes: Buffer, path: string): string {
  const head = (sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (head([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (head([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (head([0x25, 0x50, 0x44, 0x46, 0x2d])) return "application/pdf";
  if (head([0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (head([0x52, 0x49, 0x46, 0x46]) && bytes.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp";
  if (head([0x50, 0x4b, 0x03, 0x04])) return "application/zip";
  return BY_EXT[extname(path).toLowerCase()] ?? "application/octet-stream";
}

export function filePathsOf(result: unknown): string[] {
  if (!result || typeof result !== "object") return [];
  const r = result as { path?: unknown; imagePath?: unknown; download?: { path?: unknown } };
  const out: string[] = [];
  for (const p of [r.path, r.imagePath, r.download && typeof r.download === "object" ? r.download.path : undefined]) {
    if (typeof p === "string" && p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** Reads the files; throws with the reference's messages. */
export function collectFiles(result: unknown): ProxyFile[] {
  const paths = filePathsOf(result).slice(0, MAX_FILES);
  const files: ProxyFile[] = [];
  let total = 0;
  for (const path of paths) {
    let bytes: Buffer;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error("not a regular file");
      if (st.size > MAX_FILE_BYTES) throw new SizeError("browser proxy file exceeds 10MB");
      bytes = readFileSync(path);
    } catch (err) {
      if (err instanceof SizeError) throw err;
      throw new Error(`browser proxy file read failed for ${path}: ${(err as Error).message}`);
    }
    if (bytes.length > MAX_FILE_BYTES) throw new SizeError("browser proxy file exceeds 10MB");
    total += bytes.length;
    if (total > MAX_TOTAL_BYTES) throw new SizeError("browser proxy files exceed 16MB in total");
    files.push({ path, base64: bytes.toString("base64"), mimeType: sniffMime(bytes, path) });
  }
  return files;
}

class SizeError extends Error {}
