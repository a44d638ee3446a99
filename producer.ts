/** `deno task produce`: reads (or generates) sales records and sends them to Kafka, keyed by sale_id. */
import { parseCli } from "./lib/infra/cli.ts";
import { ConfigError, positiveInt } from "./lib/infra/config.ts";
import { generateSales } from "./lib/produce/generate.ts";
import { createKafka } from "./lib/infra/kafka.ts";
import { type Outgoing, produceRecords } from "./lib/produce/produce_records.ts";
import { ProgressBar } from "./lib/produce/progress.ts";
import { readRecordsFile, RecordsFileError } from "./lib/produce/records_file.ts";

/** The sample file shipped with the project (made by `--generate 1000 --seed 42 --out ...`). */
export const SAMPLE_FILE = new URL("./data/sales_sample.json", import.meta.url).pathname;

const USAGE = `Usage: deno task produce [--source PATH] [--delay MIN-MAX | --delay 0]
                         [--generate N [--seed S]] [--out FILE] [--quiet]

Sends sales records to Kafka (key = sale_id), one delivery report per message.
  --source PATH     JSON array or NDJSON file (default ${SAMPLE_FILE.replace(Deno.cwd() + "/", "")})
  --delay MIN-MAX   random pause between messages in seconds (default 1-5); --delay 0 sends in bulk
  --generate N      synthesise N realistic US sales instead of reading a file
  --seed S          seed for --generate (default 1); the same seed gives the same sales
  --out FILE        write the records (validated) to FILE as a JSON array instead of sending
  --quiet           no per-message delivery reports (summary only)
Bad records are reported with their line and skipped, never sent.`;

/** Parses "--delay": "0", "3" or "1-5" seconds, into milliseconds. */
export function parseDelay(text: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const min = Number(m?.[1]), max = Number(m?.[2] ?? m?.[1]);
  if (!m || max < min) {
    throw new ConfigError(`--delay takes seconds as N or MIN-MAX (like 1-5), got "${text}"`);
  }
  return [min * 1000, max * 1000];
}

/** Numbers generated records 1, 2, 3 ... as they are pulled (nothing is held in memory). */
function* numbered<T>(items: Iterable<T>): Generator<{ line: number; record: T }> {
  let line = 0;
  for (const record of items) yield { line: ++line, record };
}

if (import.meta.main) {
  const { config, values } = parseCli(USAGE, {
    source: { type: "string" },
    delay: { type: "string" },
    generate: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean" },
  });
  let records: Iterable<Outgoing>;
  let total: number;
  let delayMs: [number, number];
  try {
    delayMs = parseDelay((values.delay as string | undefined) ?? "1-5");
    if (values.generate !== undefined) {
      if (values.source) throw new ConfigError("give either --source or --generate, not both");
      const n = positiveInt("--generate", values.generate as string);
      const seed = positiveInt("--seed", (values.seed as string | undefined) ?? "1");
      records = numbered(generateSales(n, seed));
      total = n;
    } else {
      const entries = await readRecordsFile((values.source as string | undefined) ?? SAMPLE_FILE);
      const good: Outgoing[] = [];
      for (const entry of entries) {
        if ("error" in entry) console.error(`skipped line ${entry.line}: ${entry.error}`);
        else good.push(entry);
      }
      records = good;
      total = good.length;
    }
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof RecordsFileError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(2);
  }

  if (values.out) {
    await Deno.writeTextFile(
      values.out as string,
      JSON.stringify([...records].map((r) => r.record), null, 1) + "\n",
    );
    console.log(`wrote ${total} records to ${values.out}`);
    Deno.exit(0);
  }

  const bulk = delayMs[1] === 0;
  const bar = bulk && Deno.stderr.isTerminal() ? new ProgressBar(total) : undefined;
  const quiet = Boolean(values.quiet) || bar !== undefined;
  let stop = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      if (stop) Deno.exit(130);
      stop = true;
      console.error(`${signal}: finishing the message in flight, then stopping`);
    });
  }
  const kafka = createKafka(config.kafkaBrokers, "sales-producer");
  const summary = await produceRecords(records, {
    kafka,
    topic: config.salesTopic,
    partitions: config.partitions,
    delayMs,
    report: (line) => {
      // Delivery reports on stdout; skipped and failed records on stderr, like unreadable lines.
      if (!line.startsWith("delivered")) console.error(line);
      else if (!quiet) console.log(line);
    },
    progress: (n) => bar?.update(n),
    stopped: () => stop,
  });
  const parts = Object.entries(summary.byPartition).map(([p, n]) => `[${p}] ${n}`).join(", ");
  console.log(
    `sent ${summary.sent} to ${config.salesTopic}${parts ? ` (${parts})` : ""}, ` +
      `skipped ${summary.skipped} bad, failed ${summary.failed}`,
  );
  Deno.exit(summary.failed > 0 ? 1 : 0);
}
