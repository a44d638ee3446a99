/** DASHBOARD_TOKEN access control: bearer token, or basic auth whose password is the token. */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";

/** The token a request presents: the bearer token, or the password of basic auth; else null. */
function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "bearer") return value || null;
  if (scheme.toLowerCase() !== "basic") return null;
  try {
    const decoded = new TextDecoder().decode(
      Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0)),
    );
    const colon = decoded.indexOf(":");
    return colon < 0 ? null : decoded.slice(colon + 1);
  } catch {
    return null;
  }
}

/** Lets every request through when the token is unset; otherwise answers 401 unless it matches. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return await next();
    const given = presentedToken(c.req.header("authorization"));
    if (given !== null && await timingSafeEqual(given, token)) return await next();
    c.header("WWW-Authenticate", 'Basic realm="sales dashboard", charset="UTF-8"');
    c.header("Cache-Control", "no-store");
    return c.json({ error: "authentication required: send the DASHBOARD_TOKEN" }, 401);
  };
}
