// Finding a Chromium-family browser on this machine (node-host.md §11.6). Nothing is ever downloaded.
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";

export interface FoundBrowser {
  kind: "chrome" | "chromium" | "edge" | "brave" | "custom";
  path: string;
}

function usable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (process.platform !== "win32") accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function kindOf(p: string): FoundBrowser["kind"] {
  const l = p.toLowerCase();
  if (l.includes("brave")) return "brave";
  if (l.includes("edge")) return "edge";
  if (l.includes("chromium")) return "chromium";
  if (l.includes("chrome")) return "chrome";
  return "custom";
}

export function candidatePaths(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === "darwin") {
    return [
      "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
      "/Applications/Brave Browser.app/Contents/MacOS/Brave Browser",
      "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
      "/Applications/Chromium.app/Contents/MacOS/Chromium",
    ];
  }
  if (platform === "win32") {
    const roots = [env.LOCALAPPDATA, env.ProgramFiles, env["ProgramFiles(x86)"]].filter((r): r is string => Boolean(r));
    const rel = [
      ["Google", "Chrome", "Application", "chrome.exe"],
      ["BraveSoftware", "Brave-Browser", "Application", "brave.exe"],
      ["Microsoft", "Edge", "Application", "msedge.exe"],
      ["Chromium", "Application", "chrome.exe"],
    ];
    return rel.flatMap((r) => roots.map((root) => join(root, ...r)));
  }
  return [
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/chrome",
    "/usr/bin/brave-browser",
    "/usr/bin/brave-browser-stable",
    "/usr/bin/brave",
    "/snap/bin/brave",
    "/usr/bin/microsoft-edge",
    "/usr/bin/microsoft-edge-stable",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
  ];
}

export class BrowserNotFoundError extends Error {
  override name = "BrowserNotFoundError";
}

/** `browser.executablePath` (must exist) → the first usable well-known install; throws when none. */
export function findBrowser(executablePath?: string, candidates: string[] = candidatePaths()): FoundBrowser {
  if (executablePath) {
    if (!usable(executablePath)) throw new BrowserNotFoundError(`browser.executablePath not found: ${executablePath}`);
    return { kind: "custom", path: executablePath };
  }
  for (const p of candidates) if (usable(p)) return { kind: kindOf(p), path: p };
  throw new BrowserNotFoundError(
    `no Chromium-based browser found (looked for ${candidates.join(", ")}); install Chrome/Chromium (Debian: apt-get install chromium) or set browser.executablePath`,
  );
}

/** Non-throwing variant for status and tests. */
export function detectBrowser(executablePath?: string): { found?: FoundBrowser; error?: string } {
  try {
    return { found: findBrowser(executablePath) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
