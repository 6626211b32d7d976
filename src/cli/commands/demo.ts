// `npm start` / `openclaw demo`: a local gateway and a node host paired through a one-time join code,
// with state in ./.demo and an exec-approvals file that allows exactly the suggested command.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../../shared/fs-atomic.js";
import { createLogger } from "../../shared/log.js";
import { encodeSetupCode } from "../../gateway/methods-devices.js";
import { NodeHost } from "../../node-host/node-host.js";
import { whichAll } from "../../node-host/exec/which.js";
import { LIMITS } from "../../protocol/codes.js";
import { startGatewayFromCli } from "./gateway.js";
import { readGeneratedToken } from "../../gateway/auth-config.js";
import { withOperator } from "../rpc.js";
import { UserError } from "../errors.js";

const DEMO_NODE = "demo-node";

export async function demo(flags: { port?: string; dir?: string }): Promise<void> {
  const repo = fileURLToPath(new URL("../../../../", import.meta.url));
  const dir = resolve(flags.dir ?? join(repo, ".demo"));
  const gwDir = join(dir, "gateway");
  const nodeDir = join(dir, "node");
  const uname = whichAll(["uname"], process.env.PATH ?? "").uname;
  if (!uname) throw new UserError("the demo needs `uname` on PATH");

  const approvals = join(nodeDir, "exec-approvals.json");
  if (!existsSync(approvals)) {
    writeJsonAtomic(approvals, {
      version: 1,
      defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" },
      agents: { main: { allowlist: [{ pattern: uname }] } },
    });
  }

  const gw = await startGatewayFromCli({ port: flags.port ?? "18789", bind: "loopback" }, { ...process.env, OPENCLAW_STATE_DIR: gwDir, OPENCLAW_CONFIG_PATH: join(gwDir, "openclaw.json") });
  const minted = gw.store.mintBootstrapToken(LIMITS.bootstrapTokenTtlMs);
  const code = encodeSetupCode({ url: gw.url(), bootstrapToken: minted.token, expiresAtMs: minted.expiresAtMs });
  const node = new NodeHost({
    stateDir: nodeDir,
    displayName: DEMO_NODE,
    pair: code,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OPENCLAW_GATEWAY_"))),
    log: createLogger("[node]"),
    onFatal: () => process.kill(process.pid, "SIGTERM"),
  });
  node.start();
  await Promise.race([
    node.waitConnected(),
    new Promise((_, reject) => setTimeout(() => reject(new UserError("the demo node did not connect within 15 s; see the log above")), 15_000).unref()),
  ]);

  // The demo owns its node: if the node now declares more commands than were approved (an upgrade of
  // openclaw-lite added one), approve them through the gateway like an operator would.
  const token = readGeneratedToken(gwDir);
  await withOperator({ url: gw.url(), ...(token ? { token } : {}), timeoutMs: 5000 }, ["operator.pairing", "operator.admin"], async (c) => {
    const { pending } = await c.call<{ pending: { requestId: string; nodeId: string }[] }>("node.pair.list", {});
    for (const p of pending.filter((x) => x.nodeId === node.deviceId)) await c.call("node.pair.approve", { requestId: p.requestId });
  });

  const cli = relative(process.cwd(), join(repo, "bin", "openclaw")) || "bin/openclaw";
  const bin = cli.startsWith(".") || cli.startsWith("/") ? cli : `./${cli}`;
  process.stdout.write(
    [
      "",
      `openclaw-lite demo: gateway on ${gw.url()}, node "${DEMO_NODE}" paired with a one-time join code and connected.`,
      `State lives in ${dir} (not ~/.openclaw). In another terminal, from this directory:`,
      "",
      `  export OPENCLAW_STATE_DIR=${gwDir}`,
      ...(gw.port !== 18789 ? [`  export OPENCLAW_GATEWAY_URL=${gw.url()}`] : []),
      `  ${bin} nodes list`,
      `  ${bin} nodes run --node ${DEMO_NODE} -- uname -a`,
      "",
      `The node's exec approvals (${approvals}) allowlist only ${uname}; anything else waits for an operator:`,
      `  ${bin} nodes run --node ${DEMO_NODE} -- ls /     # prints an approval id, then waits for an answer`,
      `  ${bin} approvals pending                        # in a third terminal: what is waiting`,
      `  ${bin} approvals resolve <id> allow-once        # or allow-always, or deny`,
      `  ${bin} approvals get --node ${DEMO_NODE}          # the policy in effect, and why`,
      `  ${bin} approvals log --node ${DEMO_NODE}          # what the node decided`,
      "",
      "Ctrl-C stops both.",
      "",
    ].join("\n"),
  );

  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.stderr.write("\nstopping the demo…\n");
      void node
        .stop()
        .then(() => gw.stop())
        .then(() => resolveStop());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
