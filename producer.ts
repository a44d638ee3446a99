/** `deno task produce`: reads (or generates) sales records and sends them to Kafka, keyed by sale_id. */
import { parseCli } from "./lib/infra/cli.ts";
import { ConfigError, positiveInt } from "./lib/infra/config.ts";
import { createKafka, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { parseDelay } from "./lib/produce/delay.ts";
import { generateSales } from "./lib/produce/generate.ts";
import { type Outgoing, produceRecords } from "./lib/produce/produce_records.ts";
import { ProgressBar } from "./lib/produce/progress.ts";
import { readRecordsFile, RecordsFileError } from "./lib/produce/records_file.ts";

/** The sample file shipped with the project (made by `--generate 1000 --seed 42 --out ...`). */
const SAMPLE_FILE = new URL("./data/sales_sample.json", import.meta.url).pathname;

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

/** Numbers generated records 1, 2, 3 ... as they are pulled (nothing is held in memory). */
function* numbered<T>(items: Iterable<T>): Generator<{ line: number; record: T }> {
  let line = 0;
  for (const record of items) yield { line: ++line, record };
}

if (import.meta.main) {
  const { config, values, options } = parseCli(USAGE, {
    source: { type: "string" },
    delay: { type: "string" },
    generate: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean" },
  }, (v) => {
    if (v.generate !== undefined && v.source !== undefined) {
      throw new ConfigError("give either --source or --generate, not both");
    }
    return {
      delayMs: parseDelay((v.delay as string | undefined) ?? "1-5"),
      generate: v.generate === undefined ? undefined : {
        n: positiveInt("--generate", v.generate as string),
        seed: positiveInt("--seed", (v.seed as string | undefined) ?? "1"),
      },
      source: (v.source as string | undefined) ?? SAMPLE_FILE,
    };
  });
  const { delayMs } = options;
  let records: Iterable<Outgoing>;
  let total: number;
  if (options.generate) {
    records = numbered(generateSales(options.generate.n, options.generate.seed));
    total = options.generate.n;
  } else {
    let entries;
    try {
      entries = await readRecordsFile(options.source);
    } catch (error) {
      if (!(error instanceof RecordsFileError)) throw error;
      console.error(`error: ${error.message}`);
      Deno.exit(2);
    }
    const good: Outgoing[] = [];
    for (const entry of entries) {
      if ("error" in entry) console.error(`skipped line ${entry.line}: ${entry.error}`);
      else good.push(entry);
    }
    records = good;
    total = good.length;
  }

  if (values.out) {
    await Deno.writeTextFile(
      values.out as string,
      JSON.stringify([...records].map((r) => r.record), null, 1) + "\n",
    );
    console.log(`wrote ${total} records to ${values.out}`);
    Deno.exit(0);
  }

  quietKafkaTimerWarnings();
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
