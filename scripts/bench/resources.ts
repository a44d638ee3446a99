/** Everything a benchmark run creates (databases, topics, groups, processes), removed at the end. */
import { connect, maintenanceUrl, type Sql } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import type { Kafka } from "kafkajs";

/** A child process the run started, with the tail of its stderr for error messages. */
export interface Child {
  name: string;
  process: Deno.ChildProcess;
  /** the last few KB the process wrote to stderr */
  stderrTail(): string;
}

/** Tracks what the run made and drops it all in `release()`, in reverse order of kinds. */
export class Resources {
  readonly #databases = new Set<string>();
  readonly #topics = new Set<string>();
  readonly #groups = new Set<string>();
  readonly #children = new Set<Child>();
  #admin: Sql;
  #released = false;

  constructor(readonly databaseUrl: string, readonly kafka: Kafka, readonly runId: string) {
    this.#admin = connect(maintenanceUrl(databaseUrl), { max: 1 });
  }

  /** A fresh database bench_<run>_<label>; migrated with the project's schema unless `bare`. */
  async database(label: string, bare = false): Promise<{ name: string; url: string }> {
    const name = `bench_${this.runId}_${label}`;
    this.#databases.add(name);
    await this.#admin`create database ${this.#admin(name)}`;
    const u = new URL(this.databaseUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    if (!bare) {
      const sql = connect(url, { max: 1 });
      try {
        await migrate(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    }
    return { name, url };
  }

  /** A fresh topic bench_<run>_<label> (its dead-letter topic is removed too). */
  async topic(label: string, partitions: number): Promise<string> {
    const topic = `bench_${this.runId}_${label}`;
    this.#topics.add(topic);
    this.#topics.add(`${topic}.dlq`);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      });
    } finally {
      await admin.disconnect();
    }
    return topic;
  }

  /** A consumer group name to delete from Kafka at the end. */
  group(label: string): string {
    const group = `bench_${this.runId}_${label}`;
    this.#groups.add(group);
    return group;
  }

  /** Starts `deno run -A [denoFlags] script args...`; stdout is discarded, stderr's tail is kept. */
  spawnDeno(name: string, script: string, args: string[], denoFlags: string[] = []): Child {
    const process = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...denoFlags, script, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let tail = "";
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of process.stderr) {
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
      }
    })().catch(() => {});
    const child: Child = { name, process, stderrTail: () => tail.trim() };
    this.#children.add(child);
    process.status.then(() => this.#children.delete(child));
    return child;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  async stop(child: Child, graceMs = 10_000): Promise<Deno.CommandStatus> {
    try {
      child.process.kill("SIGTERM");
    } catch { /* already gone */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        try {
          child.process.kill("SIGKILL");
        } catch { /* already gone */ }
        resolve();
      }, graceMs);
    });
    const status = await Promise.race([child.process.status, killed.then(() => null)]);
    clearTimeout(timer);
    return status ?? await child.process.status;
  }

  /** Drops a database now (it is also dropped by `release()` if this is never called). */
  async dropDatabase(name: string): Promise<void> {
    await this.#admin`drop database if exists ${this.#admin(name)} with (force)`;
    this.#databases.delete(name);
  }

  /** Stops every process, deletes every group and topic, drops every database; never throws. */
  async release(log: (line: string) => void): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await Promise.all([...this.#children].map((c) => this.stop(c, 5_000).catch(() => {})));
    if (this.#groups.size > 0 || this.#topics.size > 0) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const existing = new Set(await admin.listTopics());
        const topics = [...this.#topics].filter((t) => existing.has(t));
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId)
          .filter((g) => this.#groups.has(g));
        if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
      } catch (error) {
        log(`cleanup: could not delete topics ${[...this.#topics].join(", ")}: ${error}`);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    for (const name of this.#databases) {
      await this.dropDatabase(name).catch((error) =>
        log(`cleanup: could not drop database ${name}: ${(error as Error).message}`)
      );
    }
    await this.#admin.end({ timeout: 5 }).catch(() => {});
  }
}
