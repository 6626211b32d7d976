// Launching a managed Chromium for one profile: its own process group, loopback CDP on the configured
// port (or any free one), user data in the state dir. Resolves with the DevTools WebSocket URL.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";

export interface LaunchOptions {
  executablePath: string;
  userDataDir: string;
  cdpPort: number;
  headless: boolean;
  noSandbox: boolean;
  extraArgs: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export interface LaunchedChrome {
  proc: ChildProcess;
  pid: number;
  wsUrl: string;
  /** http://127.0.0.1:<port> */
  cdpUrl: string;
  cdpPort: number;
}

export function chromeArgs(o: Pick<LaunchOptions, "userDataDir" | "cdpPort" | "headless" | "noSandbox" | "extraArgs">): string[] {
  return [
    `--remote-debugging-port=${o.cdpPort}`,
    `--user-data-dir=${o.userDataDir}`,
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-sync",
    // no phoning home: without these a fresh profile floods a closed network with requests
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    ...(process.platform === "linux" ? ["--disable-dev-shm-usage"] : []),
    ...(o.headless ? ["--headless=new", "--disable-gpu"] : []),
    ...(o.noSandbox ? ["--no-sandbox", "--disable-setuid-sandbox"] : []),
    ...o.extraArgs,
    "about:blank",
  ];
}

/** Environment for the browser: the node's, minus OpenClaw secrets (node-host.md §12 item 3). */
export function browserEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith("OPENCLAW_")) out[k] = v;
  return out;
}

/** Kills the browser's whole process group (renderers, zygote, GPU process). */
export function killChrome(proc: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    if (process.platform === "win32") proc.kill(signal);
    else process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export function launchChrome(o: LaunchOptions): Promise<LaunchedChrome> {
  mkdirSync(o.userDataDir, { recursive: true, mode: 0o700 });
  const proc = spawn(o.executablePath, chromeArgs(o), {
    env: browserEnv(o.env),
    stdio: ["ignore", "ignore", "pipe"],
    detached: process.platform !== "win32",
  });
  return new Promise<LaunchedChrome>((resolve, reject) => {
    let tail = "";
    let settled = false;
    const finish = (err: Error | undefined, value?: LaunchedChrome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        killChrome(proc);
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(new Error(`browser did not start within ${o.timeoutMs} ms${tail ? `: ${lastLines(tail)}` : ""}`)), o.timeoutMs);
    // keep draining stderr for the browser's whole life, or it blocks on a full pipe
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (chunk: string) => {
      tail = (tail + chunk).slice(-8192);
      const m = /DevTools listening on (ws:\/\/[^\s]+)/.exec(tail);
      if (m && !settled) {
        const ws = new URL(m[1]!);
        const port = Number(ws.port);
        finish(undefined, { proc, pid: proc.pid!, wsUrl: m[1]!, cdpUrl: `http://${ws.hostname}:${port}`, cdpPort: port });
      }
    });
    proc.on("error", (err) => finish(new Error(`cannot start the browser ${o.executablePath}: ${err.message}`)));
    proc.on("exit", (code, signal) => finish(new Error(`the browser exited during start-up (${signal ?? `code ${code}`})${tail ? `: ${lastLines(tail)}` : ""}`)));
  });
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ").slice(0, 600);
}
