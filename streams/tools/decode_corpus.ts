/**
 * The cross-language corpus of sales records: what the project's TypeScript decode() says about
 * each of about 3,000 message values, so the Java validator (streams/src/main/java/.../decode/
 * SaleDecoder.java) can be held to exactly the same rules: DecodeCorpusCheck.java, a test tool
 * (streams/src/test/java/.../decode/), checks every line, and tests/streams/decode_corpus_test.ts
 * writes the corpus and runs that check on every test run. By hand, after a build (mvn package
 * compiles the test classes, also with -DskipTests):
 *
 *   deno run -A streams/tools/decode_corpus.ts [--out FILE]   # default streams/target/decode-corpus.ndjson
 *   java -cp streams/target/test-classes:streams/target/sales-reports.jar \
 *     local.salesstream.reports.decode.DecodeCorpusCheck FILE
 *
 * Each line of the NDJSON file is one message value: {"value": text} or {"value_base64": bytes}
 * (bytes that are not UTF-8) or {"value": null} (a tombstone), with "expect": "ok" or decode()'s
 * rejection code; an "ok" line also has the normalised sale and its customer key, content hash
 * and masked email under the corpus' own test secret (never the deployment's). Lines come from
 * generated sales, every field set to each of its edge values, seeded random mutations and
 * hand-made byte-level cases (BOMs, bad UTF-8, sizes around 64 KiB, deep nesting, JSON syntax).
 */
import { decode } from "../../lib/core/decode.ts";
import { cardFingerprint, contentHash, customerKey } from "../../lib/core/hashing.ts";
import { maskEmail } from "../../lib/core/redact.ts";
import { generateSales, seededRandom } from "../../lib/produce/generate.ts";

/** The corpus' HMAC key; DecodeCorpusCheck.java uses the same. */
export const CORPUS_SECRET = "decode-corpus-test-secret-not-for-deployment";

type Line = Record<string, unknown>;

/** What decode() says about one value, as a corpus line. */
function describe(value: Uint8Array | null): Line {
  const line: Line = {};
  if (value === null) line.value = null;
  else {
    let text: string | undefined;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
    } catch {
      text = undefined;
    }
    if (text === undefined) line.value_base64 = btoa(String.fromCharCode(...value));
    else line.value = text;
  }
  const decoded = decode(value);
  if (!decoded.ok) {
    line.expect = decoded.code;
    return line;
  }
  const sale = decoded.sale;
  line.expect = "ok";
  line.sale = sale;
  line.customer_key = customerKey(sale.email, CORPUS_SECRET);
  line.content_hash = contentHash(sale, cardFingerprint(sale.cardNumber, CORPUS_SECRET));
  line.masked_email = maskEmail(sale.email);
  return line;
}

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** A raw JSON token (number text JSON.stringify would not write, such as 1e400 or -0). */
class Raw {
  constructor(readonly text: string) {}
}
const verbatim = (text: string) => new Raw(text);
const REMOVE = Symbol("remove");

/** A record as JSON text; Raw values are written as given, REMOVE drops the field. */
function recordText(record: Record<string, unknown>): string {
  const tokens: string[] = [];
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === REMOVE) continue;
    if (v instanceof Raw) {
      copy[k] = `\u0001raw${tokens.length}\u0001`;
      tokens.push(v.text);
    } else copy[k] = v;
  }
  return JSON.stringify(copy).replace(/"\\u0001raw(\d+)\\u0001"/g, (_, i) => tokens[Number(i)]!);
}

const x = (n: number) => "x".repeat(n);
const TEXT_EDGES: unknown[] = [
  "",
  " ",
  "\t\n",
  "\u00a0",
  "\u3000",
  "\ufeff",
  "\u2028",
  "\u1680",
  "\u200b", // zero width space: not whitespace in JavaScript
  "\u0085", // NEL: not whitespace in JavaScript
  "\u180e", // Mongolian vowel separator: no longer whitespace
  "a\u0000b",
  "\u0000",
  x(200),
  x(201),
  "😀".repeat(100),
  "😀".repeat(100) + "x", // 201 UTF-16 units but 101 code points: zod counts code points
  "😀".repeat(200),
  "😀".repeat(200) + "x",
  "\ud800".repeat(200),
  "\ud800".repeat(201),
  "\udc00\ud800".repeat(100),
  "\ud83d".repeat(199) + "😀",
  "\ud83d".repeat(200) + "😀",
  "\ud800",
  "a\udc00b",
  "  padded  ",
  "Ünïcödé ☃",
  'quote " and \\ backslash',
  "line\nbreak",
  "\u007f",
  5,
  0,
  null,
  true,
  [],
  {},
  ["a"],
  REMOVE,
];

const EDGES: Record<string, unknown[]> = {
  sale_id: [
    "",
    " ",
    "a",
    "a b",
    "abc-DEF_1.2:3",
    x(64),
    x(65),
    "é",
    "١٢٣",
    "a\u0000",
    "a/b",
    "a\n",
    " a",
    "a\u00a0",
    "😀",
    0,
    verbatim("-0"),
    1,
    -1,
    1.5,
    verbatim("1e3"),
    verbatim("1.0"),
    verbatim("10.0e-1"),
    verbatim("1E2"),
    9007199254740991,
    verbatim("9007199254740992"),
    verbatim("9007199254740993"),
    verbatim("1e21"),
    verbatim("1e400"),
    verbatim("-1e400"),
    verbatim("-1e-7"),
    verbatim("0.0000001"),
    null,
    true,
    [],
    {},
    REMOVE,
  ],
  first_name: TEXT_EDGES,
  last_name: TEXT_EDGES,
  email: [
    "a@b.co",
    "A.B+c@x-y.example.com",
    "a@b.c",
    "a..b@x.com",
    ".a@x.com",
    "a.@x.com",
    "a'b@x.com",
    "a'@x.com",
    "a-@x.com",
    "a+@x.com",
    "_@x.com",
    "a@-x.com",
    "a@x-.com",
    "a@x.c0m",
    "a@x.co1",
    "a@localhost",
    "a@[1.2.3.4]",
    "üser@x.com",
    "a@x.com ",
    " a@x.com",
    "a@x.com\n",
    "a@b@c.com",
    "@x.com",
    "a@x..com",
    "A@X.COM",
    "a@x.museum",
    "a@sub.x.y.z.example.org",
    "a b@x.com",
    'a"b@x.com',
    `${x(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(57)}.com`,
    `${x(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(58)}.com`,
    `${x(300)}@x.com`,
    "",
    5,
    null,
    REMOVE,
  ],
  job_title: [
    "",
    " ",
    "\u00a0",
    x(200),
    x(201),
    "😀".repeat(200),
    "😀".repeat(201),
    "a\u0000",
    "Engineer",
    "\ud800",
    5,
    null,
    REMOVE,
  ],
  credit_card_company: [
    "",
    " ",
    "Visa",
    x(50),
    x(51),
    "😀".repeat(25),
    "😀".repeat(25) + "x",
    "😀".repeat(50),
    "😀".repeat(51),
    "\u0000",
    5,
    null,
    REMOVE,
  ],
  credit_card_number: [
    "4111111111111111",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111 - 1111 - 1111 - 1111",
    " 4111111111111111",
    "4111111111111111 ",
    "41111111111",
    "411111111111",
    "4111111111111111111",
    "41111111111111111111",
    "4111_1111_1111_1111",
    "４１１１１１１１１１１１１１１１",
    "4111\u00a01111\u00a01111\u00a01111",
    "4111\t1111111111111",
    "--------------------",
    "",
    4111111111111111,
    1234567890123,
    verbatim("41111111111111111"),
    verbatim("4.5e12"),
    verbatim("1e15"),
    verbatim("-0"),
    -411111111111,
    411111111111.5,
    verbatim("411111111111.0"),
    null,
    true,
    REMOVE,
  ],
  credit_card_expiration_date: [
    "12/27",
    "1/27",
    "01/2027",
    "2027-01",
    "2027-1",
    "13/27",
    "00/27",
    "0/27",
    "12/1999",
    "12/2100",
    "12/99",
    "12/00",
    " 12 / 27 ",
    "12/27\n",
    "\u00a012/27",
    "12/27\u3000",
    "12-27",
    "2027/01",
    "12/027",
    "123/27",
    "1227",
    "12/2",
    " 2027-12 ",
    "2027 -12",
    "１２/27",
    "",
    1227,
    null,
    REMOVE,
  ],
  category: TEXT_EDGES,
  product_name: TEXT_EDGES,
  sale_price: [
    0,
    verbatim("-0"),
    0.1,
    0.29,
    1.005,
    1.015,
    19.99,
    verbatim("1e-7"),
    verbatim("-1e-9"),
    -0.001,
    -0.004,
    -1,
    999999999999.99,
    1e12,
    verbatim("1e400"),
    verbatim("1E2"),
    verbatim("100e-2"),
    verbatim("0.1e1"),
    verbatim("1.0000001"),
    verbatim("1.000000001"),
    verbatim("0.30000000000000004"),
    "12.34",
    "12.3",
    "12.",
    ".5",
    "12.345",
    " 12.34 ",
    "\u00a012.34\u3000",
    "+12.34",
    "-12.34",
    "1,234.00",
    "",
    "999999999999.99",
    "999999999999999",
    "99999999999999",
    "1000000000000",
    "0012.50",
    "1e3",
    "١٢",
    "12.34\n",
    null,
    true,
    [],
    REMOVE,
  ],
  state: [
    "CA",
    "ca",
    "Ca",
    " ca ",
    "California",
    "california",
    "CALIFORNIA",
    " New York ",
    "new  york",
    "NewYork",
    "DC",
    "dc",
    "District of Columbia",
    "district of columbia",
    "PR",
    "Puerto Rico",
    "ıa",
    "ſc",
    "\u212aansas",
    "\u212as",
    "ＣＡ",
    "C A",
    "",
    "\u00a0TX\u00a0",
    "tx\n",
    "\u2028wy",
    5,
    null,
    REMOVE,
  ],
  zipcode: [
    "12345",
    "12345-6789",
    " 12345 ",
    "1234",
    "123456",
    "12345-678",
    "12345 6789",
    "12345-",
    12345,
    1234,
    0,
    verbatim("-0"),
    99999,
    100000,
    12345.5,
    verbatim("12345.0"),
    verbatim("1e4"),
    -1,
    verbatim("1e400"),
    "١٢٣٤٥",
    "\u00a012345",
    "",
    null,
    [],
    REMOVE,
  ],
};
EDGES.cost_price = EDGES.sale_price!;
EDGES.street = TEXT_EDGES;
EDGES.city = TEXT_EDGES;

function* values(): Generator<Uint8Array | null> {
  const base = [...generateSales(2000, 7)] as Record<string, unknown>[];
  // Plain generated sales, as the producer sends them.
  for (const r of base.slice(0, 500)) yield bytes(JSON.stringify(r));

  // Every field set to each of its edge values.
  const sample = base[1000]!;
  for (const [field, edges] of Object.entries(EDGES)) {
    for (const edge of edges) yield bytes(recordText({ ...sample, [field]: edge }));
  }

  // Seeded random mutations: one to three fields changed at once, sometimes extra fields.
  const rnd = seededRandom(20240611);
  const fields = Object.keys(EDGES);
  const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)]!;
  for (let i = 0; i < 2000; i++) {
    const record: Record<string, unknown> = { ...base[1000 + (i % 1000)]! };
    const changes = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < changes; c++) {
      const field = pick(fields);
      record[field] = pick(EDGES[field]!);
    }
    if (rnd() < 0.1) record[pick(["extra", "note", "sale_ID", "State"])] = pick(TEXT_EDGES);
    yield bytes(recordText(record));
  }

  // Byte-level and syntax cases.
  const good = JSON.stringify(sample);
  yield null;
  yield bytes("");
  for (
    const text of [
      " ",
      "\n",
      "{}",
      " {} ",
      "[]",
      "[1]",
      '"text"',
      "1",
      "-0",
      "true",
      "null",
      "{",
      "}",
      '{"a":1,}',
      "{'a':1}",
      '{"a":1}/* c */',
      "// c\n{}",
      "01",
      "1.",
      ".5",
      "+1",
      "NaN",
      "Infinity",
      "-",
      "1e",
      "1e+",
      '"\\x"',
      '"\\u12"',
      '"\\u12G4"',
      '"\\U0041"',
      '"\t"',
      '"\\ud800"',
      '"\\uDFFF\\uD800"',
      '{"a":"\\u0041\\u00e9\\uD83D\\uDE00"}',
      "{}\u0000",
      "\u0000{}",
      "{}\u00a0",
      "\u00a0{}",
      "\u2028{}",
      "\ufeff{}",
      "\ufeff\ufeff{}",
      "\ufeff" + good,
      "\ufeff\ufeff" + good,
      " \t\r\n" + good + " \t\r\n",
      "\v" + good,
      "\f" + good,
      good + "\u0085",
      good + "x",
      good + good,
      "[" + good + "]",
      good.replace(/"state":"[^"]*"/, '"state":"ZZ"'),
      good.replace("{", '{"state":"ZZ",'),
      good.replace(/}$/, ',"state":"ZZ"}'),
      good.replace(/}$/, ',"state":"TX"}'),
      good.replace(/}$/, ',"sale_id":null}'),
      good.replace(/"sale_id":"[^"]*"/, '"sale_id":"x","sale_id":"y"'),
      good.replace(/}$/, ',"deep":' + "[".repeat(5000) + "]".repeat(5000) + "}"),
      good.replace(/}$/, ',"obj":{"a":{"b":[1,2,{"c":null}]}}}'),
      good.replace(/":/g, '" : '),
      good.replace(/,/g, " ,\n\t"),
      good.replace(/a/g, "\\u0061"),
      good.replace(/}$/, ',"__proto__":{"state":"ZZ"}}'),
      '{"__proto__":null,' + good.slice(1),
      good.replace(/"first_name":"/, '"first_name":"\\u0000'),
      good.replace(/"first_name":"/, '"first_name":"\\ud83d'),
      good.replace(/"first_name":"/, '"first_name":"\\/\\b\\f\\n\\r\\t'),
      "[".repeat(30000) + "]".repeat(30000),
      '{"a":'.repeat(10000) + "1" + "}".repeat(10000),
      "[".repeat(40000),
      "1".repeat(400),
      "-" + "9".repeat(400) + "e-400",
    ]
  ) yield bytes(text);

  // Sizes around the 64 KiB limit (bytes, not characters).
  const padTo = (text: string, size: number, pad = " ") => {
    const room = size - bytes(text).length;
    const unit = bytes(pad).length;
    return text.slice(0, -1) + pad.repeat(Math.floor(room / unit)) + " ".repeat(room % unit) + "}";
  };
  for (const size of [65535, 65536, 65537, 70000]) yield bytes(padTo(good, size));
  for (const size of [65536, 65537]) yield bytes(padTo(good, size, "\u00a0"));
  const field = (s: string) => good.replace(/}$/, `,"note":"${s}"}`);
  yield bytes(field("é".repeat(32000)));
  yield bytes(field("é".repeat(32800)));

  // Bytes that are not UTF-8, inside and outside strings.
  const utf8 = bytes(good);
  const at = utf8.indexOf(bytes("first_name")[0]!);
  const splice = (extra: number[]) =>
    new Uint8Array([...utf8.slice(0, at + 14), ...extra, ...utf8.slice(at + 14)]);
  for (
    const bad of [
      [0xff],
      [0xfe],
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xe2, 0x28, 0xa1],
      [0xc3],
      [0xc3, 0xa9],
      [0xef, 0xbb, 0xbf],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xe2, 0x80, 0xa8],
      [0xee, 0x80, 0x80],
    ]
  ) {
    yield splice(bad);
    yield new Uint8Array(bad);
  }
  yield new Uint8Array([0xef, 0xbb, 0xbf]);
  yield new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]);
  yield new Uint8Array([...utf8, 0xc3]);
}

/** Every corpus line (JSON text), in a fixed order: the same on every run. */
export function* corpusLines(): Generator<string> {
  for (const value of values()) yield JSON.stringify(describe(value));
}

/** Writes the corpus to `path`; returns how many lines have each verdict. */
export async function writeCorpus(path: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const lines: string[] = [];
  for (const line of corpusLines()) {
    const expect = (JSON.parse(line) as Line).expect as string;
    counts[expect] = (counts[expect] ?? 0) + 1;
    lines.push(line);
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return counts;
}

if (import.meta.main) {
  const usage = "Usage: deno run -A streams/tools/decode_corpus.ts [--out FILE]";
  const [flag, file, ...rest] = Deno.args;
  if (flag === "--help" || flag === "-h") {
    console.log(usage);
    Deno.exit(0);
  }
  if ((flag !== undefined && (flag !== "--out" || !file)) || rest.length) {
    console.error(usage);
    Deno.exit(2);
  }
  const target = new URL("../target/", import.meta.url);
  await Deno.mkdir(target, { recursive: true });
  const out = file ?? new URL("decode-corpus.ndjson", target).pathname;
  const counts = await writeCorpus(out);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`wrote ${total} lines to ${out}: ${JSON.stringify(counts)}`);
}
