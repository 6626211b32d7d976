import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiateProtocol } from "./admission.js";
import type { ConnectParams } from "../protocol/frames.js";

const p = (min: number, max: number, role = "node", mode: ConnectParams["client"]["mode"] = "node"): ConnectParams => ({
  minProtocol: min,
  maxProtocol: max,
  role,
  client: { id: role === "node" ? "node-host" : "cli", version: "1", platform: "linux", mode },
});

test("protocol negotiation table (protocol.md §3.7)", () => {
  const cases: [ConnectParams, number | null][] = [
    [p(4, 4), 4],
    [p(3, 4), 4],
    [p(3, 3), 3],
    [p(3, 3, "operator", "cli"), null],
    [p(2, 2), null],
    [p(5, 5), null],
    [p(5, 3), null],
    [p(3, 3, "operator", "probe"), 3],
  ];
  for (const [params, want] of cases) assert.equal(negotiateProtocol(params), want, JSON.stringify([params.minProtocol, params.maxProtocol, params.role, params.client.mode]));
});
