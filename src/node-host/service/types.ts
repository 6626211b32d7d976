// One interface for the node's user service, three implementations (systemd user unit, LaunchAgent,
// Scheduled Task). Everything a manager runs goes through an injected CommandRunner, so tests assert
// the exact argv of every operation without a real init system (user-asks.md row 18).

/** Result of running one external command. `code` is 127 when the executable does not exist. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: string[]) => Promise<CommandResult>;

/** What the service runs: platform neutral, no secrets except in `secrets` (which go to the env file only). */
export interface ServiceDefinition {
  description: string;
  /** Absolute runtime, absolute CLI entry script, then `node run …` (never a secret). */
  programArguments: string[];
  workingDirectory: string;
  /** Non-secret environment (HOME, PATH, OPENCLAW_STATE_DIR, …): written into the unit/plist/launcher. */
  environment: Record<string, string>;
  /** Credentials and proxy settings: written only to the 0600 env file (`envFilePath`). */
  secrets: Record<string, string>;
  envFilePath: string;
  /** Folder for stdout/stderr logs where the platform has no journal (macOS). */
  logDir: string;
}

export type ServiceKind = "systemd" | "launchd" | "schtasks";

export interface Availability {
  ok: boolean;
  /** Why not (the manager's own error text). */
  detail?: string;
  /** What to do instead. */
  hint?: string;
}

export interface ServiceRuntime {
  /** running / stopped, or unknown when the service manager cannot be asked. */
  status: "running" | "stopped" | "unknown";
  /** Enabled to start at login/boot (systemd is-enabled, launchd loaded, task enabled). */
  enabled?: boolean;
  pid?: number;
  /** The manager's own words: "active (running)", "failed (exit-code)", "Ready", … */
  state?: string;
  lastExitStatus?: number;
  lastExitReason?: string;
  /** systemd only: whether the user manager outlives the login session (loginctl Linger). */
  linger?: boolean;
  detail?: string;
}

/** The service definition as read back from disk (for `status` and tests). */
export interface InstalledDefinition {
  programArguments: string[];
  workingDirectory?: string;
  environment: Record<string, string>;
  envFile?: string;
  sourcePath: string;
}

export interface InstallResult {
  warnings: string[];
  /** Files written, in order. */
  files: string[];
}

export interface ServiceManager {
  readonly kind: ServiceKind;
  /** Human label: "systemd user unit", "LaunchAgent", "Scheduled Task". */
  readonly label: string;
  /** Unit / label / task name: always the node's, never the gateway's. */
  readonly name: string;
  /** The unit file, plist or task XML. */
  readonly definitionPath: string;
  /** Where the node host's output goes. */
  readonly logHint: string;
  available(): Promise<Availability>;
  isInstalled(): Promise<boolean>;
  /** Writes the definition and env file, enables and (re)starts the service. */
  install(def: ServiceDefinition): Promise<InstallResult>;
  /** Stops, disables and removes the definition and env file; returns the paths removed. */
  uninstall(): Promise<string[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  runtime(): Promise<ServiceRuntime>;
  readDefinition(): InstalledDefinition | undefined;
}

export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

/** The fixed names (node-host.md §6.1), derived in one place and used by every operation. */
export const NODE_SERVICE = {
  systemdUnit: "openclaw-node.service",
  launchdLabel: "ai.openclaw.node",
  windowsTaskName: "OpenClaw Node",
  envFileName: "node.env",
  /** Never touched by the node service; named here so tests can assert it never appears. */
  gatewaySystemdUnit: "openclaw-gateway.service",
} as const;

export function describeFailure(what: string, r: CommandResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(0, 3).join(" ").trim();
  return `${what} failed (exit ${r.code})${text ? `: ${text}` : ""}`;
}
