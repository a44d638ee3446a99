/** DASHBOARD_TOKEN access control: bearer token, or basic auth whose password is the token. */
import type { Context, MiddlewareHandler } from "hono";
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

/** How wrong tokens are slowed down: the wait per failure, its cap, and the lock-out. */
export interface FailedLoginsOptions {
  /** each wrong token is answered after delayMs times the address' failures so far (250 ms) */
  delayMs?: number;
  /** the longest such wait (2 s) */
  maxDelayMs?: number;
  /** after this many wrong tokens in a window the address gets 429 without a check (20) */
  limit?: number;
  /** the window in which failures count (60 s from the first) */
  windowMs?: number;
}

/** Wrong tokens per client address: each is answered later than the last, then the address is locked out. */
export class FailedLogins {
  readonly #byAddress = new Map<string, { count: number; since: number }>();
  readonly #options: Required<FailedLoginsOptions>;

  constructor(options: FailedLoginsOptions = {}) {
    this.#options = { delayMs: 250, maxDelayMs: 2_000, limit: 20, windowMs: 60_000, ...options };
  }

  /** Seconds until the address may try a token again; 0 when it may now. */
  lockedFor(address: string, now = Date.now()): number {
    const entry = this.#current(address, now);
    if (!entry || entry.count < this.#options.limit) return 0;
    return Math.ceil((entry.since + this.#options.windowMs - now) / 1000);
  }

  /** Counts a wrong token from the address and waits the longer, the more it has failed. */
  async failed(address: string, now = Date.now()): Promise<void> {
    const entry = this.#current(address, now) ?? { count: 0, since: now };
    entry.count++;
    this.#byAddress.set(address, entry);
    if (this.#byAddress.size > 10_000) this.#forgetExpired(now);
    const { delayMs, maxDelayMs } = this.#options;
    const wait = Math.min(delayMs * entry.count, maxDelayMs);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  #current(address: string, now: number) {
    const entry = this.#byAddress.get(address);
    if (entry && now - entry.since >= this.#options.windowMs) {
      this.#byAddress.delete(address);
      return undefined;
    }
    return entry;
  }

  #forgetExpired(now: number) {
    for (const address of [...this.#byAddress.keys()]) this.#current(address, now);
  }
}

/** The client's address as Deno.serve gives it to Hono; "unknown" without one (app.request). */
function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "unknown";
}

/**
 * Lets every request through when the token is unset; otherwise answers 401 unless it matches
 * (compared in constant time). Wrong tokens are slowed down and, past the limit, answered 429
 * without being checked, per client address.
 */
export function requireToken(
  token: string | undefined,
  failedLogins: FailedLogins = new FailedLogins(),
): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return await next();
    c.header("Cache-Control", "no-store");
    const address = clientAddress(c);
    const locked = failedLogins.lockedFor(address);
    if (locked > 0) {
      c.header("Retry-After", String(locked));
      return c.json({ error: `too many wrong tokens; try again in ${locked} s` }, 429);
    }
    const given = presentedToken(c.req.header("authorization"));
    if (given !== null && await timingSafeEqual(given, token)) return await next();
    if (given !== null) await failedLogins.failed(address);
    c.header("WWW-Authenticate", 'Basic realm="sales dashboard", charset="UTF-8"');
    return c.json({ error: "authentication required: send the DASHBOARD_TOKEN" }, 401);
  };
}
