// `openclaw gateway run`.
import { loadConfig, configGet, configString } from "../../shared/config.js";
import { configPath, stateDir } from "../../shared/paths.js";
import { createLogger } from "../../shared/log.js";
import { resolveGatewayAuth } from "../../gateway/auth-config.js";
import { Gateway } from "../../gateway/gateway.js";
import { UserError } from "../errors.js";

export interface GatewayRunFlags {
  port?: string;
  bind?: string;
  token?: string;
  password?: string;
  auth?: string;
  tickInterval?: string;
}

export function parsePort(value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserError(`Invalid --port. Use a port number from 1 to 65535, for example 18789.`);
  return n;
}

export function bindAddress(bind: string | undefined): string {
  switch (bind ?? "loopback") {
    case "loopback":
      return "127.0.0.1";
    case "lan":
    case "all":
      return "0.0.0.0";
    default:
      return bind!;
  }
}

export async function startGatewayFromCli(flags: GatewayRunFlags, env: NodeJS.ProcessEnv = process.env): Promise<Gateway> {
  const dir = stateDir(env);
  const config = loadConfig(configPath(env));
  const { auth, generatedAt } = resolveGatewayAuth(
    dir,
    { token: flags.token, password: flags.password, mode: flags.auth },
    env,
    { token: configString(config, "gateway.auth.token"), password: configString(config, "gateway.auth.password"), mode: configString(config, "gateway.auth.mode") },
  );
  const log = createLogger("[gateway]");
  const host = bindAddress(flags.bind ?? configString(config, "gateway.bind"));
  const port = parsePort(flags.port ?? (configGet(config, "gateway.port") as number | undefined), 18789);
  const strList = (k: string) => {
    const v = configGet(config, k);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  };
  let gw: Gateway;
  try {
    gw = await Gateway.start({
      stateDir: dir,
      auth,
      host,
      port,
      log,
      autoApproveLocal: configGet(config, "gateway.nodes.pairing.autoApproveLocal") === true,
      commandPolicy: { allow: strList("gateway.nodes.commands.allow"), deny: strList("gateway.nodes.commands.deny") },
      ...(flags.tickInterval ? { tickIntervalMs: Number(flags.tickInterval) } : {}),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") throw new UserError(`port ${port} on ${host} is already in use (another gateway running?); pick another with --port`);
    throw err;
  }
  log.info(`listening on ${gw.url()} (state: ${dir})`);
  if (host !== "127.0.0.1" && host !== "::1") log.warn(`bound to ${host}: reachable from the network over plain ws://; prefer TLS for anything but a trusted LAN`);
  if (auth.mode === "none") log.warn("auth is off (--auth none): anyone who can reach the port can operate this gateway");
  else if (generatedAt) log.info(`shared token: generated and stored in ${generatedAt} (mode 0600); local \`openclaw nodes …\` finds it there`);
  return gw;
}

export async function gatewayRun(flags: GatewayRunFlags): Promise<void> {
  const gw = await startGatewayFromCli(flags);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(`[gateway] ${sig}: shutting down\n`);
      void gw.stop().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
