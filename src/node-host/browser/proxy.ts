// The `browser.proxy` node command (node-host.md §11.2–11.3): validate, check the switches (re-read per
// request), resolve the profile ONCE from every field that can carry it and check that against
// allowProfiles, dispatch in process with a deadline, attach files. Errors: code INVALID_REQUEST (as the
// reference), message without the reference's "Error: " prefix.
import { ConfigError, loadConfig } from "../../shared/config.js";
import { INVALID_REQUEST, fail, type CommandContext, type CommandOutcome } from "../exec/context.js";
import { collectFiles } from "./files.js";
import { matchRoute, routeList, type Route, type RouteRequest } from "./router.js";
import { actRoutes } from "./routes/act.js";
import { captureRoutes } from "./routes/capture.js";
import { consoleRoutes } from "./routes/console.js";
import { snapshotRoutes } from "./routes/snapshot.js";
import { statusRoutes } from "./routes/status.js";
import { tabRoutes } from "./routes/tabs.js";
import { RouteError, type BrowserService } from "./service.js";
import { browserSettings } from "./settings.js";

export const ROUTES: readonly Route[] = [...statusRoutes, ...tabRoutes, ...snapshotRoutes, ...captureRoutes, ...actRoutes, ...consoleRoutes];

export const DEFAULT_PROXY_TIMEOUT_MS = 20_000;
const MAX_ENCODED_PAYLOAD = 25_165_824;

export interface BrowserProxyDeps {
  configPath: string;
  service(): BrowserService;
}

class ProxyError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** params.profile, query.profile, body.profile: every one that is given must name the same profile. */
export function resolveProfile(fields: { params?: unknown; query?: unknown; body?: unknown }, defaultProfile: string): { name: string; explicit: boolean } {
  const given: string[] = [];
  for (const [where, v] of Object.entries(fields)) {
    if (v === undefined || v === null || v === "") continue;
    if (typeof v !== "string") throw new ProxyError(`${where === "params" ? "profile" : `${where}.profile`} must be a string`);
    given.push(v.trim());
  }
  const distinct = [...new Set(given)];
  if (distinct.length > 1) throw new ProxyError(`conflicting browser profiles in one request: ${distinct.join(", ")}`);
  return distinct[0] ? { name: distinct[0], explicit: true } : { name: defaultProfile, explicit: false };
}

export async function handleBrowserProxy(params: unknown, ctx: CommandContext, deps: BrowserProxyDeps): Promise<CommandOutcome> {
  if (!isObject(params)) return fail(INVALID_REQUEST, "paramsJSON required");
  const rawPath = typeof params.path === "string" ? params.path.trim() : "";
  if (!rawPath) return fail(INVALID_REQUEST, "path required");
  const path = (rawPath.startsWith("/") ? rawPath : `/${rawPath}`).replace(/\?.*$/, "");
  const method = (typeof params.method === "string" && params.method.trim() ? params.method.trim() : "GET").toUpperCase();
  if (method !== "GET" && method !== "POST" && method !== "DELETE") return fail(INVALID_REQUEST, "method must be GET, POST, or DELETE");

  let settings;
  try {
    settings = browserSettings(loadConfig(deps.configPath));
  } catch (err) {
    return fail(INVALID_REQUEST, err instanceof ConfigError ? err.message : String(err));
  }
  if (!settings.proxyEnabled) return fail(INVALID_REQUEST, `UNAVAILABLE: node browser proxy disabled (nodeHost.browserProxy.enabled is false in ${deps.configPath})`);
  if (!settings.browserEnabled) return fail(INVALID_REQUEST, `browser control disabled (browser.enabled is false in ${deps.configPath})`);

  const query: Record<string, string> = {};
  if (isObject(params.query)) {
    for (const [k, v] of Object.entries(params.query)) {
      if (v === null || v === undefined) continue;
      query[k] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
    }
  }
  const body: Record<string, unknown> = isObject(params.body) ? { ...params.body } : {};

  let profile: { name: string; explicit: boolean };
  try {
    profile = resolveProfile({ params: params.profile, query: isObject(params.query) ? params.query.profile : undefined, body: body.profile }, settings.defaultProfile);
  } catch (err) {
    return fail(INVALID_REQUEST, (err as Error).message);
  }
  const allow = settings.allowProfiles;
  const listing = method === "GET" && path === "/profiles";
  if (allow.length > 0 && !allow.includes(profile.name) && (profile.explicit || !listing)) {
    return fail(INVALID_REQUEST, `browser profile not allowed: ${profile.name} (nodeHost.browserProxy.allowProfiles: ${allow.join(", ")})`);
  }
  const spec = settings.profiles.get(profile.name);
  if (!spec && !listing) {
    return fail(INVALID_REQUEST, `Profile "${profile.name}" not found. Available profiles: ${[...settings.profiles.keys()].join(", ")}`);
  }
  // the one resolved profile is what every route sees
  query.profile = profile.name;
  delete body.profile;

  const match = matchRoute(ROUTES, method, path);
  if (!match) return fail(INVALID_REQUEST, `Not Found: ${method} ${path} (routes: ${routeList(ROUTES)})`);

  const timeoutMs = typeof params.timeoutMs === "number" && Number.isFinite(params.timeoutMs) ? Math.max(1, Math.floor(params.timeoutMs)) : DEFAULT_PROXY_TIMEOUT_MS;
  const service = deps.service();
  const rt = service.runtime(spec ?? settings.profiles.get(settings.defaultProfile) ?? { name: profile.name, color: "#FF4500" });
  const req: RouteRequest = { method, path, params: match.params, query, body };

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let result: unknown;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProxyError("browser proxy request timed out")), timeoutMs);
      onAbort = () => reject(new ProxyError("browser proxy request cancelled"));
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    const work = match.route.handler(req, { service, settings, rt, timeoutMs });
    work.catch(() => undefined); // a late failure after the deadline is not an unhandled rejection
    result = await Promise.race([work, deadline]);
  } catch (err) {
    if (err instanceof ProxyError || err instanceof RouteError) return fail(INVALID_REQUEST, err.message);
    return fail(INVALID_REQUEST, (err as Error)?.message ?? String(err));
  } finally {
    clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener("abort", onAbort);
  }

  if (listing && allow.length > 0 && isObject(result) && Array.isArray(result.profiles)) {
    result = { ...result, profiles: result.profiles.filter((p) => isObject(p) && typeof p.name === "string" && allow.includes(p.name)) };
  }
  let files;
  try {
    files = collectFiles(result);
  } catch (err) {
    return fail(INVALID_REQUEST, (err as Error).message);
  }
  const payload = files.length ? { result, files } : { result };
  if (JSON.stringify(payload).length > MAX_ENCODED_PAYLOAD) return fail(INVALID_REQUEST, "browser proxy payload exceeds 24MB");
  return { ok: true, payload };
}

export { BrowserService } from "./service.js";
