// GET /tabs, POST /tabs/open, POST /tabs/focus, DELETE /tabs/:targetId, POST /navigate.
import type { Page } from "playwright-core";
import { checkUrl, num, str, targetIdOf, type Route, type RouteContext, type RouteRequest } from "../router.js";
import { RouteError } from "../service.js";

async function tabView(ctx: RouteContext, page: Page): Promise<Record<string, unknown>> {
  const targetId = await ctx.service.targetIdOf(ctx.rt, page);
  const title = await page.title().catch(() => "");
  const ws = ctx.rt.cdpUrl ? ctx.rt.cdpUrl.replace(/^http/, "ws") : undefined;
  return { targetId, title, url: page.url(), type: "page", ...(ws ? { wsUrl: `${ws}/devtools/page/${targetId}` } : {}) };
}

function navTimeout(req: RouteRequest, ctx: RouteContext): number {
  return Math.max(1, Math.min(num(req.body.timeoutMs) ?? ctx.timeoutMs, ctx.timeoutMs));
}

async function list(_req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  if (!ctx.rt.running) return { running: false, tabs: [] };
  return { running: true, tabs: await Promise.all(ctx.rt.pages().map((p) => tabView(ctx, p))) };
}

async function open(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const url = checkUrl(req.body.url);
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const page = await ctx.rt.context().newPage();
  if (url !== "about:blank") await page.goto(url, { timeout: navTimeout(req, ctx) });
  const view = await tabView(ctx, page);
  ctx.rt.currentTargetId = view.targetId as string;
  return view;
}

async function focus(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const targetId = str(req.body.targetId);
  if (!targetId) throw new RouteError(400, "targetId is required");
  if (!ctx.rt.running) throw new RouteError(409, "browser not running");
  const { page } = await ctx.service.page(ctx.rt, targetId);
  await page.bringToFront();
  return { ok: true };
}

async function close(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  if (!ctx.rt.running) throw new RouteError(409, "browser not running");
  const { page, targetId } = await ctx.service.page(ctx.rt, req.params.targetId);
  await page.close();
  if (ctx.rt.currentTargetId === targetId) ctx.rt.currentTargetId = undefined;
  return { ok: true };
}

async function navigate(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const url = checkUrl(req.body.url);
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const res = await page.goto(url, { timeout: navTimeout(req, ctx) });
  return { ok: true, targetId, url: page.url(), ...(res ? { status: res.status() } : {}) };
}

export const tabRoutes: Route[] = [
  { method: "GET", path: "/tabs", handler: list },
  { method: "POST", path: "/tabs/open", handler: open },
  { method: "POST", path: "/tabs/focus", handler: focus },
  { method: "DELETE", path: "/tabs/:targetId", handler: close },
  { method: "POST", path: "/navigate", handler: navigate },
];
