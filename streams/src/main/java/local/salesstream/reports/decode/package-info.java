/**
 * A message value to a validated {@link local.salesstream.reports.decode.Sale} by exactly the rules
 * of the TypeScript decode() (lib/core/decode.ts): JSON as JavaScript parses it, JavaScript's
 * string rules, UTF-8 as Node writes it, US states; and the keyed hashes over a sale. Uses no
 * other package of this module.
 */
package local.salesstream.reports.decode;
