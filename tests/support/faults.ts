/** Fault injection for the fault suite: consumer processes, and what may be restarted here. */
import { taskDenoFlags } from "../../lib/infra/tasks.ts";
import { ourPid } from "../../lib/provision/kafka_broker.ts";
import { config } from "./services.ts";
import { messages } from "./tasks.ts";

const CONSUMER = new URL("../../consumer.ts", import.meta.url).pathname;

/** More of a test consumer's settings: flags and environment variables. */
export interface ConsumerExtras {
  args?: string[];
  env?: Record<string, string>;
}

/** A `consumer.ts` process of the test, with its output kept for failure reports. */
export class ConsumerProcess {
  #child: Deno.ChildProcess;
  /** its output as written: each line with its time and level */
  raw = "";
  /** its output's messages (the lines without their time and level) */
  get output(): string {
    return messages(this.raw);
  }
  constructor(
    url: string,
    topic: string,
    group: string,
    public name: string,
    quiet = true,
    extras: ConsumerExtras = {},
  ) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...taskDenoFlags("consume"),
        CONSUMER,
        "--topic",
        topic,
        "--group",
        group,
        "--database-url",
        url,
        ...(quiet ? ["--quiet"] : []),
        ...(extras.args ?? []),
      ],
      // no operations port unless the test gives it one (9464 may be held by another consumer)
      env: { METRICS_PORT: "0", ...extras.env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (this.raw += chunk) }),
      ).catch(() => {});
    }
  }

  /** The process id (for signals that do not end it, such as SIGSTOP). */
  get pid(): number {
    return this.#child.pid;
  }

  /** How the process ended, once it has. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
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

/** The faults a suite injected and the ones it could not, kept apart in its report. */
export class FaultLog {
  readonly injected: string[] = [];
  readonly skipped: string[] = [];

  /** Records a fault that really happened. */
  inject(what: string): void {
    this.injected.push(what);
  }

  /** Records a fault that could not be injected here, and why; it never counts as injected. */
  skip(what: string, why: string): void {
    this.skipped.push(`${what}: ${why}`);
  }

  /** The report: injected faults, then skipped ones (when any). */
  lines(): string[] {
    return [
      `faults injected: ${this.injected.length}`,
      ...this.injected.map((f) => `  - ${f}`),
      ...(this.skipped.length
        ? [`faults skipped: ${this.skipped.length}`, ...this.skipped.map((f) => `  - ${f}`)]
        : []),
    ];
  }
}
