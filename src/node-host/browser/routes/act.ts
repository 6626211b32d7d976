// POST /act: one interaction with the current (or given) tab. Elements are addressed by the refs of the
// latest /snapshot. `evaluate` (and `wait` with `fn`) run page JavaScript: only with browser.evaluateEnabled.
import type { Locator, Page } from "playwright-core";
import { flag, num, shortError, str, targetIdOf, type Route, type RouteContext, type RouteRequest } from "../router.js";
import { RouteError } from "../service.js";

const KINDS = ["click", "type", "press", "hover", "scrollIntoView", "drag", "select", "fill", "resize", "wait", "evaluate", "close"] as const;
type Kind = (typeof KINDS)[number];
const MODIFIERS = new Set(["Alt", "Control", "ControlOrMeta", "Meta", "Shift"]);
const DEFAULT_ACTION_TIMEOUT_MS = 8000;
const MAX_WAIT_MS = 60_000;

interface ActInput {
  body: Record<string, unknown>;
  page: Page;
  timeout: number;
  ctx: RouteContext;
}

function byRef(page: Page, ref: unknown, field = "ref"): Locator {
  const r = str(ref);
  if (!r) throw new RouteError(400, `${field} is required`);
  if (!/^[a-z0-9]+$/i.test(r)) throw new RouteError(400, `invalid ${field}: ${r}`);
  return page.getByRef(r);
}

function requireEvaluate(ctx: RouteContext): void {
  if (!ctx.settings.evaluateEnabled) throw new RouteError(403, "evaluate is disabled on this node (set browser.evaluateEnabled: true in its openclaw.json)");
}

const ACTIONS: Record<Kind, (a: ActInput) => Promise<Record<string, unknown> | void>> = {
  async click({ body, page, timeout }) {
    const button = body.button === undefined ? "left" : body.button;
    if (button !== "left" && button !== "right" && button !== "middle") throw new RouteError(400, "button must be left, right or middle");
    const modifiers = Array.isArray(body.modifiers) ? body.modifiers : [];
    for (const m of modifiers) if (typeof m !== "string" || !MODIFIERS.has(m)) throw new RouteError(400, `invalid modifier: ${String(m)}`);
    const loc = byRef(page, body.ref);
    const opts = { button: button as "left" | "right" | "middle", modifiers: modifiers as ("Alt" | "Control" | "ControlOrMeta" | "Meta" | "Shift")[], timeout };
    if (flag(body.doubleClick)) await loc.dblclick(opts);
    else await loc.click(opts);
  },
  async type({ body, page, timeout }) {
    if (typeof body.text !== "string") throw new RouteError(400, "text is required");
    const loc = byRef(page, body.ref);
    if (flag(body.slowly)) {
      await loc.click({ timeout });
      await loc.pressSequentially(body.text, { delay: 75, timeout });
    } else await loc.fill(body.text, { timeout });
    if (flag(body.submit)) await loc.press("Enter", { timeout });
  },
  async press({ body, page }) {
    const key = str(body.key);
    if (!key) throw new RouteError(400, "key is required");
    await page.keyboard.press(key, { delay: Math.max(0, num(body.delayMs) ?? 0) });
  },
  async hover({ body, page, timeout }) {
    await byRef(page, body.ref).hover({ timeout });
  },
  async scrollIntoView({ body, page, timeout }) {
    await byRef(page, body.ref).scrollIntoViewIfNeeded({ timeout });
  },
  async drag({ body, page, timeout }) {
    await byRef(page, body.startRef, "startRef").dragTo(byRef(page, body.endRef, "endRef"), { timeout });
  },
  async select({ body, page, timeout }) {
    if (!Array.isArray(body.values) || body.values.length === 0) throw new RouteError(400, "values are required");
    await byRef(page, body.ref).selectOption(body.values.map(String), { timeout });
  },
  async fill({ body, page, timeout }) {
    if (!Array.isArray(body.fields) || body.fields.length === 0) throw new RouteError(400, "fields are required");
    for (const f of body.fields as Record<string, unknown>[]) {
      const loc = byRef(page, f?.ref);
      const t = str(f.type);
      if (t === "checkbox" || t === "radio") await loc.setChecked(f.value === true || f.value === "true", { timeout });
      else await loc.fill(f.value === undefined || f.value === null ? "" : String(f.value), { timeout });
    }
  },
  async resize({ body, page }) {
    const width = num(body.width);
    const height = num(body.height);
    if (!width || !height || width < 1 || height < 1) throw new RouteError(400, "width and height are required");
    await page.setViewportSize({ width: Math.round(width), height: Math.round(height) });
  },
  async wait({ body, page, timeout, ctx }) {
    const timeMs = num(body.timeMs);
    if (timeMs !== undefined) await page.waitForTimeout(Math.min(Math.max(0, timeMs), MAX_WAIT_MS));
    const t = Math.min(num(body.timeoutMs) ?? ctx.timeoutMs, ctx.timeoutMs);
    if (typeof body.text === "string") await page.getByText(body.text).first().waitFor({ state: "visible", timeout: t });
    if (typeof body.textGone === "string") await page.getByText(body.textGone).first().waitFor({ state: "hidden", timeout: t });
    if (typeof body.selector === "string") await page.locator(body.selector).first().waitFor({ state: "visible", timeout: t });
    if (typeof body.url === "string") await page.waitForURL(body.url, { timeout: t });
    if (body.loadState !== undefined) {
      if (body.loadState !== "load" && body.loadState !== "domcontentloaded" && body.loadState !== "networkidle") throw new RouteError(400, "loadState must be load, domcontentloaded or networkidle");
      await page.waitForLoadState(body.loadState, { timeout: t });
    }
    if (body.fn !== undefined) {
      requireEvaluate(ctx);
      if (typeof body.fn !== "string") throw new RouteError(400, "fn must be a string");
      await page.waitForFunction(body.fn, undefined, { timeout: t });
    }
    void timeout;
  },
  async evaluate({ body, page, ctx }) {
    requireEvaluate(ctx);
    if (typeof body.fn !== "string" || !body.fn.trim()) throw new RouteError(400, "fn is required");
    const result = body.ref !== undefined ? await byRef(page, body.ref).evaluate(body.fn) : await page.evaluate(body.fn);
    return { result };
  },
  async close({ page, ctx }) {
    await page.close();
    ctx.rt.currentTargetId = undefined;
  },
};

async function act(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const kind = str(req.body.kind);
  if (!kind) throw new RouteError(400, "kind is required");
  if (!(KINDS as readonly string[]).includes(kind)) throw new RouteError(400, `unknown kind: ${kind} (one of ${KINDS.join(", ")})`);
  if (kind === "evaluate") requireEvaluate(ctx);
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const timeout = Math.max(1, Math.min(num(req.body.timeoutMs) ?? DEFAULT_ACTION_TIMEOUT_MS, ctx.timeoutMs));
  let extra: Record<string, unknown> | void;
  try {
    extra = await ACTIONS[kind as Kind]({ body: req.body, page, timeout, ctx });
  } catch (err) {
    if (err instanceof RouteError) throw err;
    throw new RouteError(/Timeout \d+ms exceeded/.test(String(err)) ? 408 : 500, `${kind} failed: ${shortError(err)}`);
  }
  return { ok: true, targetId, ...(kind !== "close" ? { url: page.url() } : {}), ...(extra ?? {}) };
}

export const actRoutes: Route[] = [{ method: "POST", path: "/act", handler: act }];
