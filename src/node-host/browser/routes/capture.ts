// POST /screenshot (viewport, full page, or one element by ref/selector) and POST /pdf. Files are saved
// under <stateDir>/media/browser/ and returned by path; the proxy attaches them as base64.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { flag, shortError, str, targetIdOf, type Route, type RouteContext, type RouteRequest } from "../router.js";
import { RouteError } from "../service.js";

function outPath(ctx: RouteContext, ext: string): string {
  mkdirSync(ctx.service.mediaDir, { recursive: true, mode: 0o700 });
  return join(ctx.service.mediaDir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}.${ext}`);
}

async function screenshot(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const b = req.body;
  const ref = str(b.ref);
  const element = str(b.element);
  const fullPage = flag(b.fullPage);
  if (fullPage && (ref || element)) throw new RouteError(400, "fullPage is not supported for element screenshots");
  const type = b.type === "jpeg" ? "jpeg" : "png";
  if (b.type !== undefined && b.type !== "png" && b.type !== "jpeg") throw new RouteError(400, "type must be png or jpeg");
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const path = outPath(ctx, type === "jpeg" ? "jpg" : "png");
  const opts = { path, type, timeout: ctx.timeoutMs } as const;
  try {
    if (ref || element) await (ref ? page.getByRef(ref) : page.locator(element!).first()).screenshot(opts);
    else await page.screenshot({ ...opts, fullPage });
  } catch (err) {
    throw new RouteError(ref || element ? 400 : 500, shortError(err));
  }
  return { ok: true, path, targetId, url: page.url() };
}

async function pdf(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const path = outPath(ctx, "pdf");
  try {
    await page.pdf({ path });
  } catch (err) {
    throw new RouteError(500, `pdf failed (needs a headless browser): ${shortError(err)}`);
  }
  return { ok: true, path, targetId, url: page.url() };
}

export const captureRoutes: Route[] = [
  { method: "POST", path: "/screenshot", handler: screenshot },
  { method: "POST", path: "/pdf", handler: pdf },
];
