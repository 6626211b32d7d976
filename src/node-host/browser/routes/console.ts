// GET /console: messages the current (or given) tab logged since it was first seen.
import { str, targetIdOf, type Route, type RouteContext, type RouteRequest } from "../router.js";
import { RouteError } from "../service.js";

const SEVERITY: Record<string, number> = { debug: 0, log: 1, info: 1, warning: 2, warn: 2, error: 3 };

async function consoleRoute(req: RouteRequest, ctx: RouteContext): Promise<unknown> {
  const level = str(req.query.level)?.toLowerCase();
  if (level && SEVERITY[level] === undefined) throw new RouteError(400, "level must be debug, log, info, warning or error");
  await ctx.service.ensure(ctx.rt, ctx.settings, ctx.timeoutMs);
  const { page, targetId } = await ctx.service.page(ctx.rt, targetIdOf(req));
  const all = ctx.rt.consoles.get(page) ?? [];
  const min = level ? SEVERITY[level]! : -1;
  const messages = all.filter((m) => (SEVERITY[m.type] ?? 1) >= min);
  return { ok: true, messages, targetId };
}

export const consoleRoutes: Route[] = [{ method: "GET", path: "/console", handler: consoleRoute }];
