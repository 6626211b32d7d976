// The node's browser control: one browser per profile, started lazily on first use, restarted after a
// crash, a failed start retried on the next call (never cached), all stopped with the node host.
// playwright-core is imported on first use only (CLI start-up time).
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { platform as osPlatform } from "node:os";
import type { Logger } from "../../shared/log.js";
import { killChrome, launchChrome } from "./chrome-process.js";
import { detectBrowser, findBrowser, type FoundBrowser } from "./executable.js";
import type { BrowserSettings, ProfileSpec } from "./settings.js";

export class RouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ConsoleEntry {
  type: string;
  text: string;
  timestamp: string;
  location?: { url: string; lineNumber: number; columnNumber: number };
}

const CONSOLE_CAP = 500;
const START_TIMEOUT_MS = 20_000;

type Playwright = typeof import("playwright-core");
let playwright: Promise<Playwright> | undefined;
function loadPlaywright(): Promise<Playwright> {
  playwright ??= import("playwright-core").catch((err: unknown) => {
    playwright = undefined;
    throw new RouteError(501, `playwright-core is not installed: ${(err as Error).message}`);
  });
  return playwright;
}

/** One profile's browser, while it runs. */
export class ProfileRuntime {
  browser: Browser | undefined;
  proc: ChildProcess | undefined;
  pid: number | null = null;
  cdpUrl: string | undefined;
  cdpPort: number | undefined;
  chosen: FoundBrowser | undefined;
  lastError: string | undefined;
  starting: Promise<Browser> | undefined;
  currentTargetId: string | undefined;
  readonly targetIds = new WeakMap<Page, string>();
  readonly consoles = new WeakMap<Page, ConsoleEntry[]>();

  constructor(
    readonly spec: ProfileSpec,
    readonly userDataDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get isRemote(): boolean {
    return Boolean(this.spec.cdpUrl);
  }

  get running(): boolean {
    return Boolean(this.browser?.isConnected());
  }

  pages(): Page[] {
    return this.browser?.isConnected() ? this.browser.contexts().flatMap((c) => c.pages()) : [];
  }

  context(): BrowserContext {
    const ctx = this.browser?.contexts()[0];
    if (!ctx) throw new RouteError(409, "browser not running");
    return ctx;
  }
}

export interface Environment {
  headless: boolean;
  headlessSource: "config" | "linux-display-fallback" | "default";
  noSandbox: boolean;
}

export function environmentFor(settings: BrowserSettings, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = osPlatform()): Environment {
  let headless: boolean;
  let headlessSource: Environment["headlessSource"];
  if (settings.headless !== undefined) {
    headless = settings.headless;
    headlessSource = "config";
  } else if (platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    headless = true;
    headlessSource = "linux-display-fallback";
  } else {
    headless = false;
    headlessSource = "default";
  }
  // Chromium refuses to run as root with its sandbox on
  const noSandbox = settings.noSandbox ?? (typeof process.getuid === "function" && process.getuid() === 0);
  return { headless, headlessSource, noSandbox };
}

export class BrowserService {
  private readonly runtimes = new Map<string, ProfileRuntime>();
  private stopped = false;
  private readonly onExit = () => {
    for (const rt of this.runtimes.values()) if (rt.proc) killChrome(rt.proc);
  };

  constructor(
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
  ) {
    process.on("exit", this.onExit);
  }

  get mediaDir(): string {
    return join(this.stateDir, "media", "browser");
  }

  runtime(spec: ProfileSpec): ProfileRuntime {
    let rt = this.runtimes.get(spec.name);
    if (!rt || JSON.stringify(rt.spec) !== JSON.stringify(spec)) {
      if (rt && !rt.running) this.runtimes.delete(spec.name);
      if (!rt || !rt.running) {
        rt = new ProfileRuntime(spec, join(this.stateDir, "browser", spec.name, "user-data"));
        this.runtimes.set(spec.name, rt);
      }
    }
    return rt;
  }

  knownRuntime(name: string): ProfileRuntime | undefined {
    return this.runtimes.get(name);
  }

  detect(settings: BrowserSettings): { found?: FoundBrowser; error?: string } {
    return detectBrowser(settings.executablePath);
  }

  environment(settings: BrowserSettings): Environment {
    return environmentFor(settings, this.env);
  }

  /** The profile's browser, launching (or attaching) it when it is not running. */
  async ensure(rt: ProfileRuntime, settings: BrowserSettings, timeoutMs = START_TIMEOUT_MS): Promise<Browser> {
    if (this.stopped) throw new RouteError(503, "browser control is shutting down");
    if (rt.browser?.isConnected()) return rt.browser;
    // only an in-flight start is shared; a failed one is forgotten (node-host.md §12 item 9)
    rt.starting ??= this.start(rt, settings, timeoutMs).finally(() => (rt.starting = undefined));
    return rt.starting;
  }

  private async start(rt: ProfileRuntime, settings: BrowserSettings, timeoutMs: number): Promise<Browser> {
    const { chromium } = await loadPlaywright();
    try {
      let endpoint: string;
      if (rt.isRemote || settings.attachOnly) {
        const url = rt.spec.cdpUrl ?? (rt.spec.cdpPort ? `http://127.0.0.1:${rt.spec.cdpPort}` : undefined);
        if (!url) throw new RouteError(409, `profile "${rt.name}" is attach-only and has no cdpUrl/cdpPort`);
        endpoint = url;
        rt.cdpUrl = url;
      } else {
        const found = findBrowser(settings.executablePath);
        const envInfo = this.environment(settings);
        rt.chosen = found;
        this.log.info(`starting browser for profile ${rt.name}: ${found.path}${envInfo.headless ? " (headless)" : ""}`);
        const launched = await launchChrome({
          executablePath: found.path,
          userDataDir: rt.userDataDir,
          cdpPort: rt.spec.cdpPort ?? 0,
          headless: envInfo.headless,
          noSandbox: envInfo.noSandbox,
          extraArgs: settings.extraArgs,
          env: this.env,
          timeoutMs,
        });
        rt.proc = launched.proc;
        rt.pid = launched.pid;
        rt.cdpUrl = launched.cdpUrl;
        rt.cdpPort = launched.cdpPort;
        endpoint = launched.wsUrl;
        const proc = launched.proc;
        proc.once("exit", () => {
          if (rt.proc === proc) {
            rt.proc = undefined;
            rt.pid = null;
          }
        });
      }
      let browser: Browser;
      try {
        browser = await chromium.connectOverCDP(endpoint, { timeout: timeoutMs });
      } catch (err) {
        if (rt.proc) killChrome(rt.proc);
        throw err;
      }
      const proc = rt.proc;
      browser.on("disconnected", () => {
        if (rt.browser === browser) rt.browser = undefined;
        rt.currentTargetId = undefined;
        // a lost CDP connection to a browser we own: make sure it is really gone before a restart
        if (proc) killChrome(proc);
      });
      for (const ctx of browser.contexts()) {
        ctx.on("page", (p) => this.track(rt, p));
        for (const p of ctx.pages()) this.track(rt, p);
      }
      rt.browser = browser;
      rt.lastError = undefined;
      if (this.stopped) {
        await this.stopProfile(rt);
        throw new RouteError(503, "browser control is shutting down");
      }
      return browser;
    } catch (err) {
      rt.lastError = (err as Error).message;
      throw err instanceof RouteError ? err : new RouteError(500, `browser start failed for profile "${rt.name}": ${(err as Error).message}`);
    }
  }

  private track(rt: ProfileRuntime, page: Page): void {
    if (rt.consoles.has(page)) return;
    const buf: ConsoleEntry[] = [];
    rt.consoles.set(page, buf);
    page.on("console", (m: ConsoleMessage) => {
      const loc = m.location();
      buf.push({ type: m.type(), text: m.text(), timestamp: new Date().toISOString(), ...(loc.url ? { location: loc } : {}) });
      if (buf.length > CONSOLE_CAP) buf.splice(0, buf.length - CONSOLE_CAP);
    });
    page.on("pageerror", (e: Error) => {
      buf.push({ type: "error", text: e.message, timestamp: new Date().toISOString() });
      if (buf.length > CONSOLE_CAP) buf.splice(0, buf.length - CONSOLE_CAP);
    });
  }

  async targetIdOf(rt: ProfileRuntime, page: Page): Promise<string> {
    const cached = rt.targetIds.get(page);
    if (cached) return cached;
    const session = await page.context().newCDPSession(page);
    try {
      const info = (await session.send("Target.getTargetInfo")) as { targetInfo: { targetId: string } };
      rt.targetIds.set(page, info.targetInfo.targetId);
      return info.targetInfo.targetId;
    } finally {
      await session.detach().catch(() => undefined);
    }
  }

  /** The page for `targetId` (exact or unique prefix), else the current tab, else the first (a new one if none). */
  async page(rt: ProfileRuntime, targetId?: string): Promise<{ page: Page; targetId: string }> {
    const pages = rt.pages();
    if (targetId) {
      const ids = await Promise.all(pages.map((p) => this.targetIdOf(rt, p)));
      let idx = ids.indexOf(targetId);
      if (idx < 0) {
        const prefixed = ids.flatMap((id, i) => (id.toLowerCase().startsWith(targetId.toLowerCase()) ? [i] : []));
        if (prefixed.length === 1) idx = prefixed[0]!;
        else if (prefixed.length > 1) throw new RouteError(409, `targetId "${targetId}" is ambiguous`);
      }
      if (idx < 0) throw new RouteError(404, "tab not found");
      rt.currentTargetId = ids[idx]!;
      return { page: pages[idx]!, targetId: ids[idx]! };
    }
    if (rt.currentTargetId) {
      for (const p of pages) if (rt.targetIds.get(p) === rt.currentTargetId && !p.isClosed()) return { page: p, targetId: rt.currentTargetId };
    }
    const page = pages.find((p) => !p.isClosed()) ?? (await rt.context().newPage());
    const id = await this.targetIdOf(rt, page);
    rt.currentTargetId = id;
    return { page, targetId: id };
  }

  async stopProfile(rt: ProfileRuntime): Promise<boolean> {
    const browser = rt.browser;
    const proc = rt.proc;
    rt.browser = undefined;
    rt.currentTargetId = undefined;
    if (!browser && !proc) return false;
    if (browser) await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    if (proc) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once("exit", () => r()));
        killChrome(proc, "SIGTERM");
        const t = setTimeout(() => killChrome(proc, "SIGKILL"), 2000);
        await exited;
        clearTimeout(t);
      }
      rt.proc = undefined;
      rt.pid = null;
    }
    return true;
  }

  /** Stops every browser this node started; later calls are refused. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.runtimes.values()].map(async (rt) => {
      await rt.starting?.catch(() => undefined);
      await this.stopProfile(rt);
    }));
    process.off("exit", this.onExit);
  }
}
