// The route table of the in-process browser control service (node-host.md §11.5): method + path
// pattern → handler. Handlers throw RouteError(status, message) for `{error}` responses.
import type { BrowserService, ProfileRuntime } from "./service.js";
import type { BrowserSettings } from "./settings.js";
import { RouteError } from "./service.js";

export interface RouteRequest {
  method: "GET" | "POST" | "DELETE";
  path: string;
  /** Path parameters (`:targetId`). */
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface RouteContext {
  service: BrowserService;
  settings: BrowserSettings;
  /** The effective profile (resolved and checked once by the proxy; routes never re-read it). */
  rt: ProfileRuntime;
  /** Remaining request budget, for browser start-up and page operations. */
  timeoutMs: number;
}

export type RouteHandler = (req: RouteRequest, ctx: RouteContext) => Promise<unknown>;

export interface Route {
  method: RouteRequest["method"];
  path: string;
  handler: RouteHandler;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      const v = parts[i]!;
      if (p.startsWith(":")) {
        try {
          params[p.slice(1)] = decodeURIComponent(v);
        } catch {
          ok = false;
        }
      } else if (p !== v) ok = false;
      if (!ok) break;
    }
    if (ok) return { route, params };
  }
  return undefined;
}

export function routeList(routes: readonly Route[]): string {
  return routes.map((r) => `${r.method} ${r.path}`).join(", ");
}

// ---- small helpers shared by the route files ----

export function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export function num(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function flag(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === "";
}

export function targetIdOf(req: RouteRequest): string | undefined {
  return str(req.body.targetId) ?? str(req.query.targetId);
}

/** Only web pages: http(s) and about:blank (no file://, chrome://, javascript: …). */
export function checkUrl(raw: unknown): string {
  const url = str(raw);
  if (!url) throw new RouteError(400, "url is required");
  if (url === "about:blank") return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RouteError(400, `invalid url: ${url}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new RouteError(400, `url scheme not allowed: ${u.protocol} (http, https and about:blank only)`);
  return u.toString();
}

/** Playwright errors carry a long call log; keep the first line. */
export function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split("\n")[0]!.replace(/^\w+\.\w+: /, "");
}
