/** The dashboard's Content-Security-Policy: no inline script or style, no eval, nothing from elsewhere. */

/** The policy's directives, as Hono's secureHeaders takes them. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  frameAncestors: ["'none'"],
} as const;

/** The header value every response carries, built from the same directives. */
export const CSP = Object.entries(CSP_DIRECTIVES)
  .map(([name, sources]) =>
    `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${sources.join(" ")}`
  )
  .join("; ");
