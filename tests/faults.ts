/** Fault injection for the fault suite: consumer processes, broker and PostgreSQL restarts. */
import { CONSUMER_DENO_FLAGS } from "../consumer.ts";
import type { Sql } from "../lib/infra/db.ts";
import { kafkaDown, kafkaUp, ourPid } from "../lib/provision/kafka_broker.ts";
import { run } from "../lib/infra/process.ts";
import { config } from "./helpers.ts";

const CONSUMER = new URL("../consumer.ts", import.meta.url).pathname;

/** A `consumer.ts` process of the test, with its output kept for failure reports. */
export class ConsumerProcess {
  #child: Deno.ChildProcess;
  output = "";
  constructor(url: string, topic: string, group: string, public name: string, quiet = true) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...CONSUMER_DENO_FLAGS,
        CONSUMER,
        "--topic",
        topic,
        "--group",
        group,
        "--database-url",
        url,
        ...(quiet ? ["--quiet"] : []),
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (this.output += chunk) }),
      ).catch(() => {});
    }
  }

  /** Sends the signal and waits for the process to end; returns its status. */
  async stop(signal: Deno.Signal): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill(signal);
    } catch { /* already gone */ }
    return await this.#child.status;
  }
}

/** True when the broker at KAFKA_BROKERS is the one this project started (so it may be restarted). */
export function brokerIsOurs(): boolean {
  return ourPid(Number(config.kafkaBrokers[0]!.split(":")[1])) !== undefined;
}

/** Stops the project's broker (SIGTERM, clean shutdown) and starts it again on the same data. */
export async function restartBroker(): Promise<void> {
  await kafkaDown(config.kafkaBrokers, () => {});
  await kafkaUp(config.kafkaBrokers, () => {});
}

/** Restarts the PostgreSQL server behind `sql` (fast mode: open sessions are cut). */
export async function restartPostgres(sql: Sql): Promise<void> {
  const [{ data_directory: dir }] = await sql`show data_directory` as unknown as [
    { data_directory: string },
  ];
  const debian = /^\/var\/lib\/postgresql\/([^/]+)\/([^/]+)$/.exec(dir);
  let out;
  if (debian) {
    // A Debian cluster: its own wrapper keeps the cluster's log file and settings.
    out = await run("pg_ctlcluster", [
      "--skip-systemctl-redirect",
      debian[1]!,
      debian[2]!,
      "restart",
      "-m",
      "fast",
    ]);
  } else {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name).sort();
    const pgCtl = `/usr/lib/postgresql/${versions.at(-1)}/bin/pg_ctl`;
    const args = ["-D", dir, "-l", `${dir}/../postgres.log`, "-m", "fast", "-w", "restart"];
    out = Deno.uid() === 0
      ? await run("runuser", ["-u", "postgres", "--", pgCtl, ...args])
      : await run(pgCtl, args);
  }
  if (out.code !== 0) throw new Error(`restarting PostgreSQL failed: ${out.stderr}${out.stdout}`);
}
