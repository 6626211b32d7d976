// Installed size of the production dependencies (npm ls --omit=dev), without the browser (playwright*),
// measured with du on the installed node_modules directories; plus our own files (bin + dist/src).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO, log, round } from "./lib.mjs";

const BROWSER = /^(playwright|playwright-core|chromium-bidi|@playwright\/.*|puppeteer.*)$/;

function du(paths) {
  if (!paths.length) return 0;
  // -s per path, -b apparent bytes would undercount blocks; use disk usage in KiB like `du -sk`
  const out = execFileSync("du", ["-skc", ...paths], { encoding: "utf8" });
  return Number(/(\d+)\s+total\s*$/m.exec(out)[1]) * 1024;
}

export async function measureSize() {
  log("installed size of production dependencies");
  const tree = JSON.parse(execFileSync("npm", ["ls", "--omit=dev", "--all", "--json", "--long"], { cwd: REPO, encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] }));
  const keep = new Set();
  const skipped = new Set();
  const walk = (deps, underBrowser) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      const browser = underBrowser || BROWSER.test(name);
      if (d.path) (browser ? skipped : keep).add(d.path);
      walk(d.dependencies, browser);
    }
  };
  walk(tree.dependencies, false);
  for (const p of keep) skipped.delete(p); // shared with a non-browser dependency: counted
  // nested node_modules paths are inside their parent's directory: count only top-most paths once
  const top = (set) => [...set].filter((p) => ![...set].some((q) => q !== p && p.startsWith(q + "/")));
  const depsBytes = du(top(keep));
  const ownBytes = du([join(REPO, "bin"), join(REPO, "dist/src")]);
  return {
    prodDepsMB: round(depsBytes / 1e6, 2),
    packages: [...keep].map((p) => p.slice(p.lastIndexOf("node_modules/") + 13)).sort(),
    excludedBrowserPackages: [...skipped].map((p) => p.slice(p.lastIndexOf("node_modules/") + 13)).sort(),
    ownFilesMB: round(ownBytes / 1e6, 2),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await measureSize(), null, 2));
