import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRequest } from "./nodes-browser.js";

test("nodes browser: CLI actions map to browser.proxy routes", () => {
  const f = { node: "n" };
  assert.deepEqual(buildRequest("status", [], f), { method: "GET", path: "/" });
  assert.deepEqual(buildRequest("open", ["http://x/"], f), { method: "POST", path: "/tabs/open", body: { url: "http://x/" } });
  assert.deepEqual(buildRequest("navigate", ["http://x/"], { ...f, targetId: "T" }), { method: "POST", path: "/navigate", body: { url: "http://x/", targetId: "T" } });
  assert.deepEqual(buildRequest("snapshot", [], { ...f, format: "aria" }), { method: "GET", path: "/snapshot", query: { format: "aria" } });
  assert.deepEqual(buildRequest("act", ["click"], { ...f, ref: "e3" }), { method: "POST", path: "/act", body: { kind: "click", ref: "e3" } });
  assert.deepEqual(buildRequest("act", ["resize"], { ...f, width: "800", height: "600" }), { method: "POST", path: "/act", body: { kind: "resize", width: 800, height: 600 } });
  assert.deepEqual(buildRequest("act", ["wait"], { ...f, args: '{"text":"x"}' }), { method: "POST", path: "/act", body: { kind: "wait", text: "x" } });
  assert.deepEqual(buildRequest("request", ["delete", "/tabs/T"], f), { method: "DELETE", path: "/tabs/T" });
  assert.throws(() => buildRequest("open", [], f), /usage/);
  assert.throws(() => buildRequest("request", ["PUT", "/"], f), /usage/);
  assert.throws(() => buildRequest("act", ["x"], { ...f, args: "[1]" }), /JSON object/);
});
