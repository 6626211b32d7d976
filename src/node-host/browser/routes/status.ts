// GET / (status), POST /start, POST /stop, GET /profiles.
import type { Route, RouteContext } from "../router.js";
import { RouteError } from "../service.js";

async function status(_req: unknown, ctx: RouteContext): Promise<unknown> {
  const { rt, settings, service } = ctx;
  const detected = rt.isRemote ? {} : service.detect(settings);
  const envInfo = service.environment(settings);
  const running = rt.running;
  return {
    enabled: settings.browserEnabled,
    profile: rt.name,
    driver: "openclaw",
    transport: "cdp",
    running,
    cdpReady: running,
    cdpHttp: running,
    pageReady: running && rt.pages().length > 0,
    pid: running ? rt.pid : null,
    cdpPort: rt.cdpPort ?? rt.spec.cdpPort ?? null,
    cdpUrl: rt.cdpUrl ?? rt.spec.cdpUrl ?? (rt.spec.cdpPort ? `http://127.0.0.1:${rt.spec.cdpPort}` : null),
    chosenBrowser: running ? (rt.chosen?.kind ?? null) : null,
    detectedBrowser: detected.found?.kind ?? null,
    detectedExecutablePath: detected.found?.path ?? null,
    detectError: detected.error ?? null,
    userDataDir: rt.isRemote ? null : rt.userDataDir,
    color: rt.spec.color,
    headless: envInfo.headless,
    headlessSource: envInfo.headlessSource,
    noSandbox: envInfo.noSandbox,
    executablePath: settings.executablePath ?? null,
    attachOnly: settings.attachOnly,
    lastError: rt.lastError ?? null,
  };
}

async function start(_req: unknown, ctx: RouteContext): Promise<unknown> {
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  return { ok: true, profile: ctx.rt.name };
}

async function stop(_req: unknown, ctx: RouteContext): Promise<unknown> {
  const stopped = await ctx.service.stopProfile(ctx.rt);
  return { ok: true, stopped, profile: ctx.rt.name };
}

async function profiles(_req: unknown, ctx: RouteContext): Promise<unknown> {
  const { settings, service } = ctx;
  const list = [...settings.profiles.values()].map((spec) => {
    const rt = service.knownRuntime(spec.name);
    const running = Boolean(rt?.running);
    const port = rt?.cdpPort ?? spec.cdpPort ?? null;
    return {
      name: spec.name,
      cdpPort: port,
      cdpUrl: spec.cdpUrl ?? rt?.cdpUrl ?? (port ? `http://127.0.0.1:${port}` : null),
      color: spec.color,
      running,
      tabCount: running ? rt!.pages().length : 0,
      isDefault: spec.name === settings.defaultProfile,
      isRemote: Boolean(spec.cdpUrl),
    };
  });
  return { profiles: list };
}

function refuseMutation(): Promise<unknown> {
  // the node never rewrites its config from a remote request (node-host.md §12 items 7–8)
  return Promise.reject(new RouteError(403, "browser.proxy cannot mutate persistent browser profiles"));
}

export const statusRoutes: Route[] = [
  { method: "GET", path: "/", handler: status },
  { method: "POST", path: "/start", handler: start },
  { method: "POST", path: "/stop", handler: stop },
  { method: "GET", path: "/profiles", handler: profiles },
  { method: "POST", path: "/profiles/create", handler: refuseMutation },
  { method: "DELETE", path: "/profiles/:name", handler: refuseMutation },
  { method: "POST", path: "/reset-profile", handler: refuseMutation },
];
