// Browser proxy settings from the node machine's openclaw.json (node-host.md §11): `browser.*` and
// `nodeHost.browserProxy.*`. Pure: the caller reads the file (re-read on every request).
import { configGet, type Config } from "../../shared/config.js";

export const DEFAULT_PROFILE = "openclaw";
export const MANAGED_COLOR = "#FF4500";

export interface ProfileSpec {
  name: string;
  /** Attach to this CDP endpoint instead of launching (a "remote" profile). */
  cdpUrl?: string;
  /** Fixed CDP port for a managed profile; 0/absent = any free loopback port. */
  cdpPort?: number;
  color: string;
}

export interface BrowserSettings {
  /** `browser.enabled !== false`. */
  browserEnabled: boolean;
  /** `nodeHost.browserProxy.enabled !== false`. */
  proxyEnabled: boolean;
  /** Non-empty → only these profile names may be used through the proxy. */
  allowProfiles: string[];
  defaultProfile: string;
  profiles: Map<string, ProfileSpec>;
  executablePath?: string;
  /** undefined = decide from the environment (headless when there is no display). */
  headless?: boolean;
  /** undefined = decide from the environment (on when running as root, which Chromium requires). */
  noSandbox?: boolean;
  attachOnly: boolean;
  evaluateEnabled: boolean;
  extraArgs: string[];
}

const PALETTE = ["#0066CC", "#00AA00", "#9933CC", "#CC6600", "#CC0066", "#008B8B", "#8B4513", "#4B0082"];

function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export function browserSettings(config: Config): BrowserSettings {
  const allow = configGet(config, "nodeHost.browserProxy.allowProfiles");
  const profiles = new Map<string, ProfileSpec>();
  const raw = configGet(config, "browser.profiles");
  let i = 0;
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
      if (!v || typeof v !== "object") continue;
      const p = v as Record<string, unknown>;
      const spec: ProfileSpec = { name, color: str(p.color) ?? (name === DEFAULT_PROFILE ? MANAGED_COLOR : PALETTE[i++ % PALETTE.length]!) };
      const cdpUrl = str(p.cdpUrl);
      if (cdpUrl) spec.cdpUrl = cdpUrl;
      if (typeof p.cdpPort === "number" && Number.isInteger(p.cdpPort) && p.cdpPort > 0 && p.cdpPort < 65536) spec.cdpPort = p.cdpPort;
      profiles.set(name, spec);
    }
  }
  // the managed profile is always present
  if (!profiles.has(DEFAULT_PROFILE)) {
    const legacy = str(configGet(config, "browser.cdpUrl"));
    const port = legacy ? Number(new URL(legacy, "http://127.0.0.1").port) || undefined : undefined;
    profiles.set(DEFAULT_PROFILE, { name: DEFAULT_PROFILE, color: MANAGED_COLOR, ...(port ? { cdpPort: port } : {}) });
  }
  const extra = configGet(config, "browser.extraArgs");
  const exe = str(configGet(config, "browser.executablePath"));
  const headless = bool(configGet(config, "browser.headless"));
  const noSandbox = bool(configGet(config, "browser.noSandbox"));
  return {
    browserEnabled: configGet(config, "browser.enabled") !== false,
    proxyEnabled: configGet(config, "nodeHost.browserProxy.enabled") !== false,
    allowProfiles: Array.isArray(allow) ? allow.filter((p): p is string => typeof p === "string" && p.trim() !== "").map((p) => p.trim()) : [],
    defaultProfile: str(configGet(config, "browser.defaultProfile")) ?? DEFAULT_PROFILE,
    profiles,
    ...(exe ? { executablePath: exe } : {}),
    ...(headless !== undefined ? { headless } : {}),
    ...(noSandbox !== undefined ? { noSandbox } : {}),
    attachOnly: configGet(config, "browser.attachOnly") === true,
    evaluateEnabled: configGet(config, "browser.evaluateEnabled") === true,
    extraArgs: Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [],
  };
}

/** Advertised (cap `browser`, command `browser.proxy`) iff both switches are on (node-host.md §11.1). */
export function browserProxyAdvertised(config: Config): boolean {
  const s = browserSettings(config);
  return s.browserEnabled && s.proxyEnabled;
}
