// GET /snapshot: `ai` (text with [ref=eN] markers + a refs map) or `aria` (flat node list with the same
// refs). Refs come from Playwright's AI-mode aria snapshot and are usable by /act until the next snapshot.
import { flag, num, str, targetIdOf, type Route, type RouteContext, type RouteRequest } from "../router.js";
import { RouteError } from "../service.js";

const INTERACTIVE = new Set(["button", "link", "textbox", "searchbox", "checkbox", "radio", "combobox", "listbox", "option", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "slider", "spinbutton", "switch", "treeitem"]);

interface AriaNode {
  role?: string;
  name?: string;
  ref?: string;
  children?: (AriaNode | string)[];
  [k: string]: unknown;
}

export interface RefInfo {
  role: string;
  name?: string;
}

const LINE = /^(\s*)- ([a-z]+)(?: "((?:[^"\\]|\\.)*)")?.*?\[ref=([a-z0-9]+)\]/i;

/** refs map of an AI-mode snapshot text. */
export function refsOf(text: string): Record<string, RefInfo> {
  const refs: Record<string, RefInfo> = {};
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    refs[m[4]!] = { role: m[2]!, ...(m[3] !== undefined ? { name: m[3].replace(/\\(.)/g, "$1") } : {}) };
  }
  return refs;
}

export function flattenAria(nodes: unknown, depth = 0, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  for (const n of Array.isArray(nodes) ? nodes : [nodes]) {
    if (typeof n === "string") {
      out.push({ role: "text", name: n, depth });
      continue;
    }
    if (!n || typeof n !== "object") continue;
    const { children, role, name, ref, ...rest } = n as AriaNode;
    out.push({ ...(ref ? { ref } : {}), role: role ?? "generic", name: name ?? "", depth, ...rest });
    if (children) flattenAria(children, depth + 1, out);
  }
  return out;
}

async function snapshot(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const q = req.query;
  const format = str(q.format) ?? "ai";
  if (format !== "ai" && format !== "aria") throw new RouteError(400, `format must be ai or aria`);
  const efficient = q.mode === "efficient";
  if (format === "aria" && (efficient || flag(q.labels))) throw new RouteError(400, "labels and mode=efficient need format=ai");
  if (q.labels !== undefined && flag(q.labels)) throw new RouteError(501, "snapshot labels are not supported by openclaw-lite");
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const depth = num(q.depth) ?? (efficient ? 6 : undefined);
  const selector = str(q.selector);
  const opts = { mode: "ai" as const, timeout: ctx.timeoutMs, ...(depth !== undefined ? { depth } : {}) };
  const target = selector ? page.locator(selector).first() : page;
  if (format === "aria") {
    const json = await target.ariaSnapshotJSON(opts);
    let nodes = flattenAria(json);
    const limit = num(q.limit);
    if (limit !== undefined && limit >= 0) nodes = nodes.slice(0, limit);
    return { ok: true, format, targetId, url: page.url(), nodes };
  }
  let text = await target.ariaSnapshot(opts);
  if (flag(q.interactive)) {
    text = text
      .split("\n")
      .filter((l) => {
        const m = LINE.exec(l);
        return m && INTERACTIVE.has(m[2]!);
      })
      .map((l) => l.trimStart())
      .join("\n");
  }
  const maxChars = num(q.maxChars) ?? (efficient ? 10_000 : 80_000);
  const truncated = text.length > maxChars;
  if (truncated) text = text.slice(0, maxChars);
  return { ok: true, format, targetId, url: page.url(), snapshot: text, refs: refsOf(text), ...(truncated ? { truncated: true } : {}) };
}

export const snapshotRoutes: Route[] = [{ method: "GET", path: "/snapshot", handler: snapshot }];
