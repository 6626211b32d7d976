#!/usr/bin/env node
// openclaw-lite CLI. Subcommand modules are imported lazily so `openclaw nodes list` loads only what it uses.
import { Command, Option } from "commander";
import { LITE_VERSION } from "../protocol/codes.js";
import { handleError } from "./errors.js";

const program = new Command();
program.name("openclaw").description("openclaw-lite: OpenClaw-compatible node host, gateway and operator CLI").version(LITE_VERSION).showHelpAfterError();

let jsonMode = false;
function run<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    jsonMode = Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === "number" ? code : 0;
    } catch (err) {
      process.exitCode = handleError(err, jsonMode);
    }
  };
}

function connectionOptions(cmd: Command): Command {
  return cmd
    .option("--url <url>", "gateway WebSocket URL, ws:// or wss:// (default ws://127.0.0.1:18789 — wss:// when gateway.tls.enabled — or OPENCLAW_GATEWAY_URL)")
    .option("--tls-fingerprint <sha256>", "pin the gateway's TLS certificate (from `openclaw gateway fingerprint`); implies wss://")
    .option("--token <token>", "gateway token (prefer OPENCLAW_GATEWAY_TOKEN: argv is visible to other users)")
    .option("--password <password>", "gateway password (prefer OPENCLAW_GATEWAY_PASSWORD)")
    .option("--timeout <ms>", "how long to wait for the gateway")
    .option("--json", "print one JSON document on stdout");
}

// ---- gateway ---------------------------------------------------------------------------------
const gateway = program.command("gateway").description("run the gateway (the control plane nodes connect to)");
gateway
  .command("run")
  .description("run a gateway in the foreground")
  .option("--port <port>", "port to listen on (default 18789, or gateway.port)")
  .option("--bind <addr>", "loopback (default), lan, or an IP address to bind")
  .option("--token <token>", "shared token (or OPENCLAW_GATEWAY_TOKEN / gateway.auth.token; generated if none)")
  .option("--password <password>", "shared password instead of a token (or OPENCLAW_GATEWAY_PASSWORD)")
  .addOption(new Option("--auth <mode>", "auth mode").choices(["token", "password", "none"]))
  .option("--tls", "serve wss:// (or gateway.tls.enabled); without a certificate, a self-signed one is generated once in the state dir")
  .option("--no-tls", "serve plain ws:// even if gateway.tls.enabled is set")
  .option("--tls-cert <file>", "PEM certificate to serve (implies --tls; or gateway.tls.certPath)")
  .option("--tls-key <file>", "PEM private key of --tls-cert (or gateway.tls.keyPath)")
  .addOption(new Option("--tick-interval <ms>").hideHelp())
  .action(run(async (flags) => (await import("./commands/gateway.js")).gatewayRun(flags)));
gateway
  .command("fingerprint")
  .description("print the SHA-256 fingerprint of this gateway's TLS certificate (what nodes pass to --tls-fingerprint)")
  .option("--tls-cert <file>", "a certificate other than the configured/generated one")
  .option("--json", "print JSON")
  .action(run(async (flags) => (await import("./commands/gateway.js")).gatewayFingerprint(flags)));

// ---- node ------------------------------------------------------------------------------------
const node = program.command("node").description("run this machine as a node host");
node
  .command("run")
  .description("connect to a gateway and execute commands it routes here (under local exec approvals)")
  .option("--host <host>", "gateway host (default: saved in node.json, else 127.0.0.1)")
  .option("--port <port>", "gateway port (default: saved, else 18789)")
  .option("--tls", "use wss:// (kept in node.json; CA-verified unless pinned)")
  .option("--no-tls", "use plain ws:// even if node.json or gateway.tls.enabled says TLS")
  .option("--tls-fingerprint <sha256>", "pin the gateway certificate (64 hex, colons/sha256: prefix allowed; from `openclaw gateway fingerprint`); implies --tls, replaces the saved pin")
  .option("--node-id <id>", "override the node instance id (clears the stored pairing token)")
  .option("--display-name <name>", "name shown to operators (default: saved, else the host name)")
  .option("--pair <code>", "one-time join code from `openclaw nodes join-code` (pairs without a manual approval)")
  .addOption(new Option("--env-file <path>", "load OPENCLAW_GATEWAY_TOKEN/PASSWORD and proxy variables from this file (what the service uses)").hideHelp())
  .action(run(async (flags) => (await import("./commands/node.js")).nodeRun(flags)));
const lazyService = () => import("./commands/node-service.js");
node
  .command("install")
  .description("install the node host as a user service (systemd user unit, LaunchAgent or Scheduled Task), enable and start it")
  .option("--host <host>", "gateway host (default: saved in node.json, else 127.0.0.1)")
  .option("--port <port>", "gateway port (default: saved, else 18789)")
  .option("--tls", "use wss://")
  .option("--tls-fingerprint <sha256>", "pin the gateway certificate; implies --tls")
  .option("--node-id <id>", "node instance id")
  .option("--display-name <name>", "name shown to operators")
  .addOption(new Option("--runtime <runtime>", "node or bun: the runtime the service runs the CLI with (the executable found on PATH)").default("node"))
  .option("--force", "replace an existing install")
  .option("--json", "print one JSON object")
  .addHelpText("after", "\nOPENCLAW_GATEWAY_TOKEN / OPENCLAW_GATEWAY_PASSWORD, when set, are stored in a separate 0600 env file the service reads — never in the unit or its command line.")
  .action(run(async (flags) => (await lazyService()).nodeService("install", flags)));
node
  .command("status")
  .description("the node service: installed, running, pid, last exit, gateway, connected/paired, logs")
  .option("--json", "print one JSON object")
  .action(run(async (flags) => (await lazyService()).nodeService("status", flags)));
for (const [action, what] of [
  ["start", "start the installed node service"],
  ["stop", "stop the node service (succeeds when not installed)"],
  ["restart", "restart the installed node service"],
  ["uninstall", "remove the node service and its env file (keeps node.json and the identity)"],
] as const) {
  node
    .command(action)
    .description(what)
    .option("--json", "print one JSON object")
    .action(run(async (flags) => (await lazyService()).nodeService(action, flags)));
}
node
  .command("identity")
  .description("print this node's device id and public key")
  .option("--json", "print JSON")
  .action(run(async (flags) => (await import("./commands/node.js")).nodeIdentity(flags)));

// ---- nodes -----------------------------------------------------------------------------------
const nodes = program.command("nodes").description("operate the nodes of a gateway");
const lazyNodes = () => import("./commands/nodes.js");
connectionOptions(nodes.command("list").description("list paired and connected nodes")).action(run(async (f) => (await lazyNodes()).nodesList(f)));
connectionOptions(nodes.command("status").description("gateway summary, nodes and pending approvals")).action(run(async (f) => (await lazyNodes()).nodesStatus(f)));
connectionOptions(nodes.command("describe").description("details of one node").requiredOption("--node <node>", "id, display name, IP or unique id prefix")).action(
  run(async (f) => (await lazyNodes()).nodesDescribe(f)),
);
connectionOptions(nodes.command("pending").description("node pairing and command approvals waiting for an operator")).action(run(async (f) => (await lazyNodes()).nodesPending(f)));
connectionOptions(nodes.command("approve").description("approve a pending node request").argument("<requestId>")).action(
  run(async (requestId: string, f) => (await lazyNodes()).nodesApprove({ ...f, requestId })),
);
connectionOptions(nodes.command("reject").description("reject a pending node request").argument("<requestId>")).action(
  run(async (requestId: string, f) => (await lazyNodes()).nodesReject({ ...f, requestId })),
);
connectionOptions(nodes.command("join-code").description("mint a one-time join code (10 minutes, single use) for `node run --pair`").option("--public-url <url>", "gateway URL the node should dial")).action(
  run(async (f) => (await lazyNodes()).nodesJoinCode(f)),
);
connectionOptions(
  nodes
    .command("invoke")
    .description("invoke any node command with JSON params")
    .requiredOption("--node <node>", "id, display name, IP or unique id prefix")
    .requiredOption("--command <command>", "e.g. system.which")
    .option("--params <json>", "command params as JSON")
    .option("--invoke-timeout <ms>", "gateway-side deadline for the node's answer (default 30000)")
    .option("--idempotency-key <key>", "idempotency key (default: random)"),
).action(run(async (f) => (await lazyNodes()).nodesInvoke(f)));
connectionOptions(
  nodes
    .command("run")
    .description("run a command on a node: openclaw nodes run --node <node> -- <argv…>")
    .requiredOption("--node <node>", "id, display name, IP or unique id prefix")
    .option("--cwd <dir>", "working directory on the node")
    .option("--env <KEY=VALUE...>", "environment overrides (PATH, LD_*, … are refused)")
    .option("--command-timeout <ms>", "kill the command (and its children) after this long")
    .option("--raw <shell>", "run a shell string with /bin/sh -c instead of an argv")
    .option("--agent <id>", "exec-approvals agent id (default main)")
    .option("--approval-timeout <ms>", "how long to wait for an operator when the node asks for approval (default 120000)")
    .option("--no-ask", "fail instead of filing an approval request when the node asks for one")
    .argument("[argv...]", "the command and its arguments (after --)"),
).action(run(async (argv: string[], f) => (await import("./commands/nodes-run.js")).nodesRun(f, argv)));

// `nodes browser --node X <action>`: the node's browser through browser.proxy (options may follow the action)
const browser = connectionOptions(
  nodes
    .command("browser")
    .description("drive a node's browser (its browser.proxy command; needs operator.admin)")
    .requiredOption("--node <node>", "id, display name, IP or unique id prefix")
    .option("--profile <name>", "browser profile on the node (default: the node's default, `openclaw`)")
    .option("--target-id <id>", "tab to act on (default: the current tab)")
    .option("--invoke-timeout <ms>", "deadline for the node's answer (default 30000)"),
);
const lazyBrowser = () => import("./commands/nodes-browser.js");
const browserAction = (name: "status" | "start" | "stop" | "tabs" | "open" | "navigate" | "snapshot" | "screenshot" | "act" | "console" | "request", description: string, args = "") => {
  const cmd = browser.command(`${name}${args ? ` ${args}` : ""}`).description(description);
  cmd.action(run(async (...a: unknown[]) => (await lazyBrowser()).nodesBrowser(name, a.slice(0, -2).flat() as string[], (a[a.length - 1] as Command).optsWithGlobals())));
  return cmd;
};
browserAction("status", "the browser's state on the node");
browserAction("start", "start the profile's browser");
browserAction("stop", "stop the profile's browser");
browserAction("tabs", "list open tabs");
browserAction("open", "open URL in a new tab", "<url>");
browserAction("navigate", "load URL in the current (or --target-id) tab", "<url>");
browserAction("snapshot", "accessibility snapshot with element refs for `act`")
  .addOption(new Option("--format <format>", "ai (text with [ref=eN]) or aria (node list)").choices(["ai", "aria"]))
  .option("--interactive", "only interactive elements")
  .option("--max-chars <n>", "truncate the ai snapshot");
browserAction("screenshot", "capture the tab as an image, saved on this machine")
  .option("--out <file>", "where to write the image (default ./browser-<time>.png)")
  .option("--full-page", "the whole page, not just the viewport")
  .option("--ref <ref>", "only this element (a ref from `snapshot`)")
  .addOption(new Option("--type <type>").choices(["png", "jpeg"]));
browserAction("act", "click|type|press|hover|fill|select|scrollIntoView|wait|resize|close|evaluate", "<kind>")
  .option("--ref <ref>", "element ref from `snapshot`")
  .option("--text <text>", "text for type / wait")
  .option("--key <key>", "key for press, e.g. Enter")
  .option("--values <value...>", "option values for select")
  .option("--width <px>", "resize width")
  .option("--height <px>", "resize height")
  .option("--time-ms <ms>", "wait this long")
  .option("--fn <js>", "function source for evaluate (node must set browser.evaluateEnabled)")
  .option("--submit", "press Enter after type")
  .option("--args <json>", "any other act fields as a JSON object");
browserAction("console", "console messages of the current tab");
browserAction("request", "any browser.proxy route: request GET /tabs", "<method> <path>")
  .option("--query <json>", "query object")
  .option("--body <json>", "body object");

// ---- devices ---------------------------------------------------------------------------------
const devices = program.command("devices").description("paired devices (nodes and operator clients) of a gateway");
const lazyDevices = () => import("./commands/devices.js");
connectionOptions(devices.command("list").description("pending and paired devices")).action(run(async (f) => (await lazyDevices()).devicesList(f)));
connectionOptions(devices.command("approve").description("approve a pending device request").argument("<requestId>")).action(
  run(async (requestId: string, f) => (await lazyDevices()).devicesApprove({ ...f, requestId })),
);
connectionOptions(devices.command("reject").description("reject a pending device request").argument("<requestId>")).action(
  run(async (requestId: string, f) => (await lazyDevices()).devicesReject({ ...f, requestId })),
);
connectionOptions(devices.command("remove").description("unpair a device (it is disconnected)").argument("<deviceId>")).action(
  run(async (deviceId: string, f) => (await lazyDevices()).devicesRemove({ ...f, deviceId })),
);

// ---- approvals -------------------------------------------------------------------------------
const approvals = program.command("approvals").description("exec approvals: pending requests, node policy files, audit log");
const lazyApprovals = () => import("./commands/approvals.js");
connectionOptions(approvals.command("pending").description("exec approval requests waiting for an operator")).action(run(async (f) => (await lazyApprovals()).approvalsPending(f)));
connectionOptions(approvals.command("resolve").description("answer an exec approval request").argument("<id>").argument("<decision>", "allow-once, allow-always or deny")).action(
  run(async (id: string, decision: string, f) => (await lazyApprovals()).approvalsResolve({ ...f, id, decision })),
);
const lazyApprovalFiles = () => import("./commands/approvals-files.js");
const fileTarget = (cmd: Command): Command =>
  cmd.option("--node <node>", "a node's file (id, display name, IP or unique id prefix)").option("--gateway", "the gateway host's own file");
connectionOptions(
  fileTarget(approvals.command("get").description("show an exec-approvals file and, per agent, the effective policy: what happens to a command, and why")).option(
    "--local",
    "read $OPENCLAW_STATE_DIR/exec-approvals.json on this machine, without a gateway",
  ),
).action(run(async (f) => (await lazyApprovalFiles()).approvalsGet(f)));
connectionOptions(
  fileTarget(approvals.command("set").description("replace an exec-approvals file (refused if it changed since it was read)"))
    .option("--file <path>", "the new file (JSON or JSON5)")
    .option("--stdin", "read the new file from stdin"),
).action(run(async (f) => (await lazyApprovalFiles()).approvalsSet(f)));
const allowlist = approvals.command("allowlist").description("add or remove an allowlist pattern (an absolute path glob)");
for (const action of ["add", "remove"] as const) {
  connectionOptions(
    fileTarget(allowlist.command(action).description(`${action} PATTERN in an agent's allowlist`).argument("<pattern>", "absolute path glob, e.g. /usr/bin/uname")).option("--agent <id>", "agent id (default main)"),
  ).action(run(async (pattern: string, f) => (await lazyApprovalFiles()).approvalsAllowlist({ ...f, action, pattern })));
}
connectionOptions(
  approvals
    .command("log")
    .description("the audit log: approvals changes (who, old → new hash, what) and exec decisions")
    .option("--node <node>", "a node's own log (only nodes that expose system.execApprovals.log)")
    .option("--local", "read $OPENCLAW_STATE_DIR/audit.jsonl on this machine, without a gateway")
    .option("--since <age>", "only entries newer than this: 30m, 24h, 7d (or an ISO date)")
    .option("--limit <n>", "at most this many of the most recent entries (default: up to 1000)"),
).action(run(async (f) => (await import("./commands/approvals-log.js")).approvalsLog(f)));

// ---- demo ------------------------------------------------------------------------------------
program
  .command("demo")
  .description("local gateway + node host, paired, with state in ./.demo (what `npm start` runs)")
  .option("--port <port>", "gateway port (default 18789)")
  .option("--dir <dir>", "state folder (default .demo in the repository)")
  .action(run(async (f) => (await import("./commands/demo.js")).demo(f)));

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = handleError(err, jsonMode);
});
