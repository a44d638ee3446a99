/**
 * The reports process on Kafka Streams (the Java module in streams/): built with Maven on first use
 * and whenever its pom.xml or sources change, started as a child process with the project's
 * card-hash key, an instance id and a state folder of its own.
 */
import {
  alive,
  LOCAL_DIR,
  ProvisionError,
  requireCommand,
  requireJava17,
  run,
} from "../infra/process.ts";
import type { KafkaSettings } from "../infra/config.ts";
import { verifyKafkaTls, writeJavaClientConfig } from "../infra/kafka_security.ts";
import { cardHashSecret } from "../infra/secret.ts";
import { flagsOf, keysOf, type Setting, SETTINGS } from "../infra/settings.ts";

/** The Java module's folder. */
export const STREAMS_DIR = new URL("../../streams/", import.meta.url).pathname;

/** The program; its dependencies are in target/lib/. */
const JAR = "target/sales-reports.jar";
/** Written after a build whose JUnit tests passed. */
const TESTED = "target/.tested";

async function modified(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return undefined;
  }
}

/** The most recently modified file under `path` (a file, or a folder searched through). */
async function newestFile(path: string): Promise<{ path: string; time: number } | undefined> {
  const info = await Deno.stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isDirectory) return { path, time: info.mtime?.getTime() ?? 0 };
  let newest: { path: string; time: number } | undefined;
  for await (const entry of Deno.readDir(path)) {
    const found = await newestFile(`${path}/${entry.name}`);
    if (found && (!newest || found.time > newest.time)) newest = found;
  }
  return newest;
}

/**
 * Why the module in `dir` needs a build, as a sentence; undefined when `reference` (the jar, or
 * the marker of the last tested build) is newer than pom.xml and every file under src/.
 */
export async function buildReason(dir = STREAMS_DIR, reference = JAR): Promise<string | undefined> {
  const built = await modified(`${dir}${reference}`);
  if (built === undefined) return `${reference} does not exist yet`;
  if (await modified(`${dir}target/lib`) === undefined) return "target/lib/ does not exist yet";
  for (const source of ["pom.xml", "src"]) {
    const newest = await newestFile(`${dir}${source}`);
    if (newest && newest.time > built) {
      return `${newest.path.slice(dir.length)} changed since the last build`;
    }
  }
  return undefined;
}

/** What ensureReportsBuilt() works on; the defaults are the project's module and environment. */
export interface BuildOptions {
  say?: (line: string) => void;
  /** run the JUnit tests too (`deno task test`); a build without them is not a tested build */
  withTests?: boolean;
  /** the module's folder */
  dir?: string;
  /** the environment java and mvn are looked up and run in (default: ours) */
  env?: Record<string, string>;
}

/**
 * Makes sure Java 17 is there and the module is built and up to date, building it with Maven when
 * buildReason() gives a reason (the first build resolves the dependencies from Maven Central, as
 * for the broker). One build at a time: a second caller waits for the first build and uses it.
 * Throws ProvisionError with one sentence when Java, the JDK's compiler or Maven is missing, and
 * with Maven's last lines when the build fails.
 */
export async function ensureReportsBuilt(options: BuildOptions = {}): Promise<void> {
  const { say = () => {}, withTests = false, dir = STREAMS_DIR, env } = options;
  await requireJava17("run the reports process (streams/, Kafka Streams)", env);
  const reference = withTests ? TESTED : JAR;
  if (!(await buildReason(dir, reference))) return;
  await Deno.mkdir(`${dir}target`, { recursive: true });
  using lock = await Deno.open(`${dir}target/.build.lock`, { create: true, write: true });
  await lock.lock(true);
  const reason = await buildReason(dir, reference); // another process may have built it meanwhile
  if (!reason) return;
  const purpose = "build the reports process (streams/)";
  await requireCommand("mvn", ["-v"], purpose, "apt-get install maven", env);
  await requireCommand(
    "javac",
    ["-version"],
    purpose,
    "apt-get install openjdk-17-jdk-headless",
    env,
  );
  say(
    `Building the reports process (streams/) with Maven${
      withTests ? " and running its JUnit tests" : ""
    }: ${reason} ...`,
  );
  const started = Date.now();
  const out = await run(
    "mvn",
    ["-q", "-B", "-f", `${dir}pom.xml`, "package", ...(withTests ? [] : ["-DskipTests"])],
    { env },
  );
  if (out.code !== 0) {
    throw new ProvisionError(
      `Maven could not build streams/ (exit ${out.code}):\n${
        (out.stdout + out.stderr).slice(-3000)
      }`,
    );
  }
  // Maven leaves an unchanged jar as it was: the jar's time says when the sources were built.
  const now = new Date();
  await Deno.utime(`${dir}${JAR}`, now, now);
  if (withTests) await Deno.writeTextFile(`${dir}${TESTED}`, now.toISOString());
  say(`Built streams/ in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** How startReportsProcess() starts one instance. */
export interface ReportsProcessOptions {
  /** flags for the process (its --help lists them) */
  args?: string[];
  /** settings for the process (KAFKA_BROKERS, REPORTS_GROUP, ...), on top of our environment */
  env?: Record<string, string>;
  /** "inherit" (default): its lines go to our stdout/stderr; "piped": kept in `lines` */
  output?: "inherit" | "piped";
}

/** A running reports process: a JVM (bin/sales-reports execs java, so signals reach it). */
export interface ReportsProcess {
  pid: number;
  status: Promise<Deno.CommandStatus>;
  /** its stdout and stderr lines so far (the last 5,000), when piped */
  lines: string[];
  /** SIGTERM (a clean close that commits the work in hand), then SIGKILL after graceMs */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/** Keeps the lines of a stream in `lines`, at most the last 5,000. */
async function keepLines(stream: ReadableStream<Uint8Array>, lines: string[]) {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
    if (lines.length > 5000) lines.splice(0, lines.length - 5000);
  }
  if (rest) lines.push(rest);
}

/**
 * Starts bin/sales-reports (build it first: ensureReportsBuilt). The card-hash key goes in its
 * environment as CARD_HASH_SECRET (cardHashSecret() creates .local/card-hash-secret when neither
 * is set), never on the command line. Its standard input is a pipe kept open while we run: when it
 * ends (we exit, even by kill -9) the process stops cleanly by itself.
 */
export function startReportsProcess(options: ReportsProcessOptions = {}): ReportsProcess {
  const piped = options.output === "piped";
  const child = new Deno.Command(`${STREAMS_DIR}bin/sales-reports`, {
    args: options.args ?? [],
    env: { ...options.env, CARD_HASH_SECRET: cardHashSecret() },
    stdin: "piped",
    stdout: piped ? "piped" : "inherit",
    stderr: piped ? "piped" : "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const lines: string[] = [];
  const reading = piped
    ? Promise.all([keepLines(child.stdout, lines), keepLines(child.stderr, lines)])
    : Promise.resolve();
  const status = child.status.then(async (s) => {
    await stdin.close().catch(() => {});
    await reading.catch(() => {});
    return s;
  });
  return {
    pid: child.pid,
    status,
    lines,
    async stop(graceMs = 35_000) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((r) => timer = setTimeout(r, graceMs));
      await Promise.race([status, late]);
      clearTimeout(timer);
      try {
        child.kill("SIGKILL");
      } catch { /* gone by itself */ }
      return status;
    },
  };
}

/** An instance's id and state folder while it runs on this machine. */
export interface Instance {
  id: string;
  stateDir: string;
  /** records the process that runs as this instance (the claim holds while it lives) */
  runBy(pid: number): Promise<void>;
  release(): Promise<void>;
}

const CLAIMS = `${LOCAL_DIR}reports-instances/`;

/** Claims `id` on this machine; false when a live process holds it. */
async function claim(id: string): Promise<boolean> {
  const file = `${CLAIMS}${id}.pid`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.writeTextFile(file, String(Deno.pid), { createNew: true });
      return true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    const pids = (await Deno.readTextFile(file).catch(() => "")).split(/\s+/).filter(Boolean);
    if (pids.some((pid) => alive(Number(pid)))) return false;
    await Deno.remove(file).catch(() => {}); // left by an instance that is gone
  }
  return false;
}

/**
 * The instance id and state folder of one `deno task reports`: REPORTS_INSTANCE_ID and
 * REPORTS_STATE_DIR (or their flags) when given; otherwise `<host>-<n>` for the lowest n that no
 * running instance on this machine holds, with the state folder .local/reports-state/<id>. The
 * same n comes back after a restart, so static membership gives the instance its partitions (and
 * its state folder) back. An id a running instance here already holds is refused.
 */
export async function claimInstance(
  given: { id?: string; stateDir?: string },
  host = Deno.hostname(),
): Promise<Instance> {
  await Deno.mkdir(CLAIMS, { recursive: true });
  let id = given.id?.trim();
  if (id) {
    if (!/^[\w.-]+$/.test(id)) {
      throw new ProvisionError(
        `REPORTS_INSTANCE_ID must be letters, digits, '.', '_' or '-', got "${id}"`,
      );
    }
    if (!(await claim(id))) {
      throw new ProvisionError(
        `instance ${id} already runs on this machine; give each instance its own REPORTS_INSTANCE_ID`,
      );
    }
  } else {
    const base = host.replace(/[^\w.-]/g, "_") || "host";
    for (let n = 1; !id; n++) {
      if (await claim(`${base}-${n}`)) id = `${base}-${n}`;
    }
  }
  const file = `${CLAIMS}${id}.pid`;
  return {
    id,
    stateDir: given.stateDir?.trim() || `${LOCAL_DIR}reports-state/${id}`,
    runBy: (pid) => Deno.writeTextFile(file, `${Deno.pid} ${pid}`),
    release: () => Deno.remove(file).catch(() => {}),
  };
}

/** The flags of the settings the launcher reads (the reports task's in SETTINGS). */
const LAUNCHER_FLAGS = flagsOf("reports");

/** The Kafka security flags: read by the launcher, not passed to the process, which knows none. */
const SECURITY_FLAGS = keysOf("reports").map((key) => SETTINGS[key] as Setting)
  .filter((s) => s.group === "kafka-security" && s.flag).map((s) => s.flag!);

/**
 * Splits `deno task reports`' arguments into the project's settings the launcher reads (the
 * reports task's settings: the Kafka security flags every Kafka client takes, and --brokers,
 * --topic, --instance-id, --state-dir and --client-properties, which the process reads too) and
 * the arguments for the process (all but the security flags).
 */
export function splitArgs(args: string[]): { flags: Record<string, string>; own: string[] } {
  const flags: Record<string, string> = {};
  const own: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.startsWith("--") ? args[i]!.slice(2).split(/=(.*)/s) : [];
    const value = inline ?? args[i + 1];
    const security = name !== undefined && SECURITY_FLAGS.includes(name);
    if (name !== undefined && LAUNCHER_FLAGS.includes(name) && value !== undefined) {
      flags[name!] = value;
      if (!security) own.push(args[i]!, ...(inline === undefined ? [value] : []));
      if (inline === undefined) i++;
    } else own.push(args[i]!);
  }
  return { flags, own };
}

/**
 * On a secured cluster (KAFKA_SECURITY_PROTOCOL other than PLAINTEXT), the process' Kafka client
 * properties with the same settings every task uses: the TLS handshake is checked first (an
 * untrusted certificate fails here, in one sentence), then writeJavaClientConfig() writes them
 * into `dir` (the password in a 0600 file read through Kafka's config provider). Nothing on a
 * PLAINTEXT cluster, or when KAFKA_CLIENT_PROPERTIES names a file of the operator's own.
 */
export async function clientProperties(
  config: KafkaSettings,
  dir: string,
  given: string | undefined,
): Promise<Record<string, string>> {
  if (config.kafkaSecurity.protocol === "PLAINTEXT" || given) return {};
  await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity);
  const file = await writeJavaClientConfig(config.kafkaBrokers, config.kafkaSecurity, dir);
  return { KAFKA_CLIENT_PROPERTIES: file };
}
