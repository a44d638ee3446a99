/** Synthesises realistic US sales records, reproducibly from a seed. */
import { base, en, en_US, Faker } from "@faker-js/faker";
import { US_CITIES } from "../core/us_cities.ts";
import type { SaleRecord } from "../core/sale.ts";

/** Products by category, each with its base price in dollars. */
export const CATALOGUE: Record<string, [string, number][]> = {
  Electronics: [
    ["Wireless Earbuds", 79],
    ["4K Monitor", 329],
    ["Smartwatch", 199],
    ["Bluetooth Speaker", 59],
    ["Laptop Stand", 39],
    ["Noise-Cancelling Headphones", 249],
  ],
  "Home & Kitchen": [["Espresso Machine", 449], ["Air Fryer", 119], ["Chef's Knife", 89], [
    "Cast Iron Skillet",
    45,
  ], ["Blender", 99]],
  Books: [["Mystery Novel", 16], ["Cookbook", 32], ["Science Fiction Anthology", 22], [
    "Travel Guide",
    25,
  ]],
  Clothing: [
    ["Denim Jacket", 89],
    ["Running Shoes", 129],
    ["Wool Sweater", 75],
    ["Rain Coat", 110],
    ["T-Shirt", 19],
  ],
  Sports: [["Yoga Mat", 35], ["Road Bike Helmet", 69], ["Dumbbell Set", 149], [
    "Tennis Racket",
    119,
  ]],
  Toys: [["Building Blocks", 49], ["Remote Control Car", 65], ["Board Game", 39], [
    "Puzzle 1000 pcs",
    24,
  ]],
  Beauty: [["Face Serum", 42], ["Hair Dryer", 89], ["Perfume", 95]],
  Grocery: [["Organic Coffee Beans", 18], ["Olive Oil", 14], ["Green Tea Sampler", 21]],
  Garden: [["Garden Hose", 39], ["Pruning Shears", 27], ["Raised Bed Kit", 159]],
  Automotive: [["Dash Cam", 99], ["Car Vacuum", 59], ["Tire Inflator", 49]],
};

/** Card company, faker issuer and share of sales in percent. */
export const CARDS: { weight: number; value: [string, string] }[] = [
  { weight: 45, value: ["Visa", "visa"] },
  { weight: 30, value: ["Mastercard", "mastercard"] },
  { weight: 13, value: ["American Express", "amex"] },
  { weight: 9, value: ["Discover", "discover"] },
  { weight: 3, value: ["JCB", "jcb"] },
];

/** States weighted roughly by population, so big states sell more. */
const STATE_WEIGHTS: Record<string, number> = {
  CA: 12,
  TX: 9,
  FL: 7,
  NY: 6,
  PA: 4,
  IL: 4,
  OH: 3.5,
  GA: 3.2,
  NC: 3.2,
  MI: 3,
};
const STATES = Object.keys(US_CITIES).map((value) => ({
  value,
  weight: STATE_WEIGHTS[value] ?? 1.2,
}));

/** A generator of `SaleRecord`s; the same seed gives the same records. */
export function* generateSales(count: number, seed = 1): Generator<SaleRecord> {
  const faker = new Faker({ locale: [en_US, en, base] });
  faker.seed(seed);
  const customers = Array.from({ length: Math.max(1, Math.ceil(count / 4)) }, () => {
    const first_name = faker.person.firstName();
    const last_name = faker.person.lastName();
    const state = faker.helpers.weightedArrayElement(STATES);
    const [company, issuer] = faker.helpers.weightedArrayElement(CARDS);
    return {
      first_name,
      last_name,
      email: faker.internet.email({ firstName: first_name, lastName: last_name }).toLowerCase()
        .replace("@", `.${faker.string.alphanumeric(4).toLowerCase()}@`),
      job_title: faker.person.jobTitle(),
      credit_card_company: company,
      credit_card_number: faker.finance.creditCardNumber({ issuer }).replace(/\D/g, ""),
      credit_card_expiration_date: `${
        String(faker.number.int({ min: 1, max: 12 })).padStart(2, "0")
      }/${faker.number.int({ min: 27, max: 32 })}`,
      street: faker.location.streetAddress(),
      city: faker.helpers.arrayElement(US_CITIES[state]!),
      state,
      zipcode: faker.location.zipCode({ state }),
    };
  });
  const categories = Object.keys(CATALOGUE);
  for (let i = 0; i < count; i++) {
    // Repeat customers: a skewed pick so some buy often and many buy once or twice.
    const customer = customers[Math.floor(customers.length * faker.number.float() ** 2)]!;
    const category = faker.helpers.arrayElement(categories);
    const [product_name, base] = faker.helpers.arrayElement(CATALOGUE[category]!);
    const priceCents = Math.round(base * 100 * faker.number.float({ min: 0.8, max: 1.25 }));
    const costCents = Math.round(priceCents * faker.number.float({ min: 0.45, max: 0.9 }));
    yield {
      sale_id: faker.string.uuid(),
      ...customer,
      category,
      product_name,
      sale_price: priceCents / 100,
      cost_price: costCents / 100,
    };
  }
}

/**
 * A seeded PRNG (mulberry32) giving numbers in [0, 1): the same sequence for the same seed, for
 * generated data that must repeat (the growth bench's history, the decode corpus).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
