// Spawn floor of this machine: /bin/true and `node -e 0` through child_process (median of many runs).
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { log, nowMs, summary } from "./lib.mjs";

function spawnOnce(cmd, args) {
  return new Promise((res, rej) => {
    const t0 = nowMs();
    const c = spawn(cmd, args, { stdio: "ignore" });
    c.once("error", rej);
    c.once("exit", () => res(nowMs() - t0));
  });
}

export async function measureFloor({ runs = 30 } = {}) {
  log("spawn floor: /bin/true and node -e 0");
  const t = [];
  for (let i = 0; i < runs + 3; i++) t.push(await spawnOnce("/bin/true", []));
  const n = [];
  for (let i = 0; i < Math.ceil(runs / 3) + 1; i++) n.push(await spawnOnce(process.execPath, ["-e", "0"]));
  return { binTrue: summary(t.slice(3)), nodeE0: summary(n.slice(1)) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await measureFloor(), null, 2));
