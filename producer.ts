/** `deno task produce`: reads (or generates) sales records and sends them to Kafka, keyed by sale_id. */
import { parseCli } from "./lib/infra/cli.ts";
import { createKafka, KafkaUnreachableError, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { compressionType } from "./lib/infra/kafka_codecs.ts";
import { explainKafkaError, verifyKafkaTls } from "./lib/infra/kafka_security.ts";
import { BadLines, SHOWN_BAD_LINES } from "./lib/produce/bad_lines.ts";
import { parseDelay } from "./lib/produce/delay.ts";
import { generateSales } from "./lib/produce/generate.ts";
import { checkEntry, type Outgoing, produceRecords } from "./lib/produce/produce_records.ts";
import { ProgressBar } from "./lib/produce/progress.ts";
import { readRecordsFile, RecordsFileError } from "./lib/produce/records_file.ts";
import { ConfigError, positiveInt } from "./lib/infra/settings.ts";
import { configureLogging, logger } from "./lib/infra/log.ts";

/** The producer's log lines (LOG_FORMAT: text or json). */
const log = logger("producer");

/** The sample file shipped with the project (made by `--generate 1000 --seed 42 --out ...`). */
const SAMPLE_FILE = new URL("./data/sales_sample.json", import.meta.url).pathname;

/** Exit statuses, as --help and the README list them. */
const EXIT = {
  /** every record was sent */
  ok: 0,
  /** some records could not be sent, or Kafka could not be reached */
  failed: 1,
  /** bad usage: a flag, a setting or a file that cannot be read */
  usage: 2,
  /** some input lines were skipped as bad; every valid record was sent */
  skipped: 3,
  /** the input holds no valid record: nothing was sent */
  nothing: 4,
  /** stopped by Ctrl-C (SIGINT) or SIGTERM before the end */
  stopped: 130,
} as const;

const USAGE = `Usage: deno task produce [--source PATH] [--delay MIN-MAX | --delay 0]
                         [--generate N [--seed S]] [--out FILE] [--quiet] [settings]

Sends sales records to Kafka (key = sale_id), one delivery report per message.
  --source PATH     JSON array or NDJSON file (default ${SAMPLE_FILE.replace(Deno.cwd() + "/", "")})
  --delay MIN-MAX   random pause between messages in seconds (default 1-5); --delay 0 sends in bulk
  --generate N      synthesise N realistic US sales instead of reading a file
  --seed S          seed for --generate (default 1); the same seed gives the same sales
  --out FILE        write the valid records to FILE as a JSON array instead of sending
  --quiet           no per-message delivery reports (summary only)
Bad lines (not UTF-8, not JSON, invalid, or over the consumer's 64 KiB limit as JSON) are
reported with their line and skipped, never sent; after ${SHOWN_BAD_LINES} only their count is printed.
The last line sums up: "sent N to TOPIC ([partition] n, ...), skipped N bad, failed N".
Exit status: ${EXIT.ok} every record was sent; ${EXIT.failed} some could not be sent or Kafka was not reached;
  ${EXIT.usage} bad flag, setting or file; ${EXIT.skipped} some lines were skipped as bad (the valid ones were
  sent); ${EXIT.nothing} the input holds no valid record (nothing sent); ${EXIT.stopped} stopped by Ctrl-C/SIGTERM.`;

/** Numbers generated records 1, 2, 3 ... as they are pulled (nothing is held in memory). */
function* numbered<T>(items: Iterable<T>): Generator<{ line: number; record: T }> {
  let line = 0;
  for (const record of items) yield { line: ++line, record };
}

if (import.meta.main) {
  const { config, values, options } = parseCli("produce", USAGE, {
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
  configureLogging(config.logFormat);
  const bad = new BadLines((line) => log.warn(line));
  let records: Iterable<Outgoing>;
  let total: number;
  if (options.generate) {
    records = numbered(generateSales(options.generate.n, options.generate.seed));
    total = options.generate.n;
  } else {
    try {
      records = await readRecordsFile(options.source);
    } catch (error) {
      if (!(error instanceof RecordsFileError)) throw error;
      log.error(`error: ${error.message}`);
      Deno.exit(EXIT.usage);
    }
    total = (records as Outgoing[]).length;
  }

  if (values.out) {
    const good = [];
    for (const entry of records) {
      const checked = checkEntry(entry);
      if ("reason" in checked) bad.add(checked);
      else good.push(checked.record);
    }
    bad.finish();
    await Deno.writeTextFile(values.out as string, JSON.stringify(good, null, 1) + "\n");
    log.info(`wrote ${good.length} records to ${values.out}, skipped ${bad.count} bad`);
    Deno.exit(bad.count > 0 ? EXIT.skipped : EXIT.ok);
  }

  quietKafkaTimerWarnings();
  const bulk = delayMs[1] === 0;
  const bar = bulk && Deno.stderr.isTerminal() ? new ProgressBar(total) : undefined;
  const quiet = Boolean(values.quiet) || bar !== undefined;
  let stop = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      if (stop) Deno.exit(EXIT.stopped);
      stop = true;
      log.info(`${signal}: finishing the message in flight, then stopping`);
    });
  }
  const kafka = createKafka(config.kafkaBrokers, "sales-producer", {
    connectTimeoutMs: config.connectTimeoutMs,
    security: config.kafkaSecurity,
  });
  let summary;
  try {
    await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity);
    summary = await produceRecords(records, {
      kafka,
      topic: config.salesTopic,
      partitions: config.partitions,
      delayMs,
      connect: { brokers: config.kafkaBrokers, timeoutMs: config.connectTimeoutMs },
      report: (line) => {
        // Delivery reports on stdout; failed records on stderr, like skipped lines.
        if (!line.startsWith("delivered")) log.warn(line);
        else if (!quiet) log.info(line);
      },
      skipped: (skip) => bad.add(skip),
      progress: (n) => bar?.update(n),
      stopped: () => stop,
      compression: compressionType(config.compression),
    });
  } catch (error) {
    bad.finish();
    const reason = error instanceof KafkaUnreachableError
      ? `${error.message}; start it with \`deno task up\`, check KAFKA_BROKERS (--brokers), or wait longer with --timeout`
      : explainKafkaError(
        error,
        `send to ${config.salesTopic}`,
        config.kafkaBrokers,
        config.kafkaSecurity,
      );
    log.error(`error: ${reason}; nothing was sent`);
    Deno.exit(EXIT.failed);
  }
  bad.finish();
  const parts = Object.entries(summary.byPartition).map(([p, n]) => `[${p}] ${n}`).join(", ");
  log.info(
    `sent ${summary.sent} to ${config.salesTopic}${parts ? ` (${parts})` : ""}, ` +
      `skipped ${summary.skipped} bad, failed ${summary.failed}`,
    { sent: summary.sent, skipped: summary.skipped, failed: summary.failed },
  );
  if (summary.failed > 0) Deno.exit(EXIT.failed);
  if (stop) Deno.exit(EXIT.stopped);
  if (summary.sent === 0) {
    const input = options.generate ? "the generated records" : options.source;
    log.error(`error: ${input} holds no valid record; nothing was sent`);
    Deno.exit(EXIT.nothing);
  }
  Deno.exit(summary.skipped > 0 ? EXIT.skipped : EXIT.ok);
}
