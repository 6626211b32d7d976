import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveProfile, ROUTES } from "./proxy.js";
import { browserSettings, browserProxyAdvertised } from "./settings.js";
import { collectFiles, filePathsOf, sniffMime } from "./files.js";
import { checkUrl, matchRoute } from "./router.js";
import { environmentFor } from "./service.js";
import { chromeArgs, browserEnv } from "./chrome-process.js";
import { findBrowser } from "./executable.js";

test("settings: defaults, switches, profiles, allowProfiles", () => {
  const d = browserSettings({});
  assert.equal(d.browserEnabled && d.proxyEnabled, true);
  assert.equal(d.defaultProfile, "openclaw");
  assert.deepEqual([...d.profiles.keys()], ["openclaw"]);
  assert.equal(d.evaluateEnabled, false);
  assert.equal(browserProxyAdvertised({ browser: { enabled: false } }), false);
  assert.equal(browserProxyAdvertised({ nodeHost: { browserProxy: { enabled: false } } }), false);
  const s = browserSettings({ browser: { profiles: { work: { cdpUrl: "http://127.0.0.1:9222" } }, cdpUrl: "http://127.0.0.1:18800" }, nodeHost: { browserProxy: { allowProfiles: ["work", 3, " "] } } });
  assert.deepEqual(s.allowProfiles, ["work"]);
  assert.equal(s.profiles.get("work")?.cdpUrl, "http://127.0.0.1:9222");
  assert.equal(s.profiles.get("openclaw")?.cdpPort, 18800);
});

test("resolveProfile: one name from every field, conflicts refused", () => {
  assert.deepEqual(resolveProfile({}, "openclaw"), { name: "openclaw", explicit: false });
  assert.deepEqual(resolveProfile({ query: "a" }, "openclaw"), { name: "a", explicit: true });
  assert.deepEqual(resolveProfile({ body: "a", params: "a" }, "openclaw"), { name: "a", explicit: true });
  assert.throws(() => resolveProfile({ params: "a", query: "b" }, "x"), /conflicting/);
  assert.throws(() => resolveProfile({ body: 3 }, "x"), /body\.profile must be a string/);
});

test("router: params, unknown routes", () => {
  const m = matchRoute(ROUTES, "DELETE", "/tabs/ABC%20D");
  assert.equal(m?.route.path, "/tabs/:targetId");
  assert.deepEqual(m?.params, { targetId: "ABC D" });
  assert.equal(matchRoute(ROUTES, "GET", "/tabs/x"), undefined);
  assert.equal(matchRoute(ROUTES, "GET", "/")?.route.path, "/");
  assert.throws(() => checkUrl("javascript:alert(1)"), /scheme not allowed/);
  assert.equal(checkUrl("about:blank"), "about:blank");
});

test("files: paths, mime sniffing, size cap", () => {
  assert.deepEqual(filePathsOf({ path: "/a", imagePath: "/a", download: { path: "/b" } }), ["/a", "/b"]);
  const dir = mkdtempSync(join(tmpdir(), "oclite-files-"));
  const png = join(dir, "x.bin");
  writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]));
  assert.equal(collectFiles({ path: png })[0]?.mimeType, "image/png");
  assert.equal(sniffMime(Buffer.from("hello"), "a.txt"), "text/plain");
  const big = join(dir, "big.png");
  writeFileSync(big, Buffer.alloc(10 * 1024 * 1024 + 1));
  assert.throws(() => collectFiles({ path: big }), /browser proxy file exceeds 10MB/);
  assert.throws(() => collectFiles({ path: join(dir, "nope") }), /browser proxy file read failed for .*nope/);
  assert.throws(() => collectFiles({ path: dir }), /not a regular file/);
});

test("environment: headless without a display, sandbox off as root, secrets not passed to the browser", () => {
  const s = browserSettings({});
  assert.deepEqual(environmentFor(s, {}, "linux").headlessSource, "linux-display-fallback");
  assert.equal(environmentFor(s, { DISPLAY: ":0" }, "linux").headless, false);
  assert.equal(environmentFor(browserSettings({ browser: { headless: true } }), { DISPLAY: ":0" }, "linux").headlessSource, "config");
  assert.equal(environmentFor(browserSettings({ browser: { noSandbox: false } }), {}, "linux").noSandbox, false);
  const args = chromeArgs({ userDataDir: "/u", cdpPort: 0, headless: true, noSandbox: true, extraArgs: ["--x"] });
  for (const a of ["--headless=new", "--disable-gpu", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--disable-sync", "--no-first-run", "--user-data-dir=/u", "--x"]) assert.ok(args.includes(a), a);
  assert.deepEqual(browserEnv({ PATH: "/bin", OPENCLAW_GATEWAY_TOKEN: "t" }), { PATH: "/bin" });
  assert.throws(() => findBrowser("/nonexistent/chrome"), /browser\.executablePath not found: \/nonexistent\/chrome/);
  assert.throws(() => findBrowser(undefined, ["/nonexistent/a"]), /no Chromium-based browser found/);
});
