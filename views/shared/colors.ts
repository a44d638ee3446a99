/**
 * The colour of a category or card company, the same on every range, filter and page: given by
 * its name (never by its rank in a chart), so a filter that reorders the slices keeps each colour.
 */

/** Twelve colours told apart on white, each at least 3:1 against it. */
const PALETTE = [
  "#2563eb",
  "#16a34a",
  "#d97706",
  "#dc2626",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
  "#ea580c",
  "#475569",
  "#0d9488",
  "#9333ea",
] as const;

/**
 * Names that have a colour of their own, so the usual ten categories and the card companies
 * never share one; any other name gets a colour from a hash of its text.
 */
const PINNED: Record<string, number> = {
  Electronics: 0,
  "Home & Kitchen": 1,
  Books: 2,
  Clothing: 3,
  Sports: 4,
  Toys: 5,
  Beauty: 6,
  Grocery: 7,
  Garden: 8,
  Automotive: 9,
  Visa: 0,
  Mastercard: 2,
  "American Express": 1,
  Discover: 4,
  JCB: 6,
  "Diners Club / Carte Blanche": 5,
};

/** FNV-1a over the name's UTF-16 code units. */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The colour of a name (category, card company), the same wherever it is drawn. */
export function colorOf(name: string): string {
  return PALETTE[PINNED[name] ?? hash(name) % PALETTE.length]!;
}
