/** Command-line parsing shared by the entrypoints: flags, --help and clear failures. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  type DatabaseLogin,
  type KafkaSettings,
  loadTaskConfig,
  type TaskConfig,
} from "./config.ts";
import { databaseError, DatabaseRefusedError, DatabaseUnavailableError } from "./db.ts";
import { explainKafkaError } from "./kafka_security.ts";
import { ConfigError, flagsOf, processEnvironment, type Task } from "./settings.ts";
import { settingsHelp } from "./settings_help.ts";

/**
 * Refuses a flag that would carry a secret (--kafka-password, --dashboard-token ...): every user
 * of the machine sees process arguments. Names the file setting to use instead, never the value.
 */
function refuseSecretFlags(args: string[]): void {
  for (const arg of args) {
    if (arg === "--") return;
    const flag = /^--?([\w-]*(?:password|passwd|token|secret)[\w-]*)(=|$)/i.exec(arg)?.[1];
    if (!flag || /-file$/i.test(flag)) continue;
    const setting = flag.toUpperCase().replaceAll("-", "_");
    throw new ConfigError(
      `--${flag} is not accepted: process arguments are visible to every user of this machine; ` +
        `put the secret in a file and set ${setting}_FILE`,
    );
  }
}

/** The values of an entrypoint's own flags, as parseArgs gives them. */
export type FlagValues<O> = Record<keyof O, string | boolean | undefined>;

/** What `parseCli` returns: the task's settings, its own flag values and what `read` made of them. */
export interface Cli<T extends Task, V, R> {
  config: TaskConfig<T>;
  values: V;
  options: R;
}

/**
 * Parses argv into the settings `task` reads (their flags, their variables, their defaults: see
 * settings.ts) and the entrypoint's own options (`read` turns flag values into them and throws
 * ConfigError on bad input). A flag of a setting the task does not read is unknown. Prints usage
 * and the task's settings and exits 0 on --help; prints the problem in one sentence and exits 2 on
 * an unknown flag or a bad value.
 */
export function parseCli<
  T extends Task,
  O extends NonNullable<ParseArgsConfig["options"]>,
  R = undefined,
>(
  task: T,
  usage: string,
  options: O,
  read?: (values: FlagValues<O>, config: TaskConfig<T>) => R,
  args: string[] = Deno.args,
): Cli<T, FlagValues<O>, R> {
  const settings = flagsOf(task);
  const clash = settings.find((flag) => flag in options || flag === "help");
  if (clash) throw new Error(`--${clash} is both a setting's flag and an option of ${task}`);
  try {
    refuseSecretFlags(args);
    const { values } = parseArgs({
      args,
      options: {
        ...Object.fromEntries(settings.map((flag) => [flag, { type: "string" } as const])),
        ...options,
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | boolean | undefined> };
    if (values.help) {
      console.log(`${usage}\n\n${settingsHelp(task)}`);
      Deno.exit(0);
    }
    const flags = Object.fromEntries(
      settings.filter((flag) => values[flag] !== undefined).map((flag) => [flag, values[flag]]),
    ) as Record<string, string>;
    const config = loadTaskConfig(task, processEnvironment(), flags);
    const own = Object.fromEntries(
      Object.keys(options).map((name) => [name, values[name]]),
    ) as FlagValues<O>;
    return { config, values: own, options: read ? read(own, config) : undefined as R };
  } catch (error) {
    if (!isUsageError(error)) throw error;
    console.error(
      `error: ${error.message}\n\n${usage.split("\n")[0]}\nRun with --help for every option.`,
    );
    Deno.exit(2);
  }
}

/** A bad setting (ConfigError) or a flag parseArgs refused (unknown, missing value ...). */
function isUsageError(error: unknown): error is Error {
  if (error instanceof ConfigError) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** Reads a flag that takes one of `choices`; undefined when absent; ConfigError otherwise. */
export function oneOf<C extends string>(
  flag: string,
  value: string | boolean | undefined,
  choices: readonly C[],
): C | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) {
    return value as C;
  }
  throw new ConfigError(`${flag} takes ${choices.join(" or ")}, got "${value}"`);
}

/**
 * Why a service could not start or run, in one line: a bad setting or a database refusal as its
 * sentence, a Kafka error explained for `kafkaWhat` (e.g. "consume sales_topic as group g"),
 * anything else as its first line.
 */
export function failureReason(error: unknown, config: KafkaSettings, kafkaWhat: string): string {
  if (
    error instanceof ConfigError || error instanceof DatabaseRefusedError ||
    error instanceof DatabaseUnavailableError
  ) {
    return error.message;
  }
  if (/^Kafka(JS|TlsError)/.test((error as Error)?.name ?? "")) {
    return explainKafkaError(error, kafkaWhat, config.kafkaBrokers, config.kafkaSecurity);
  }
  return ((error as Error)?.message ?? String(error)).split("\n")[0]!;
}

/**
 * Why a task's work on PostgreSQL as `login` failed, in one line: unreachable or refused as the
 * sentence naming the setting to fix (databaseError), never a stack trace.
 */
export function databaseFailure(error: unknown, login: DatabaseLogin): string {
  const explained =
    error instanceof DatabaseRefusedError || error instanceof DatabaseUnavailableError
      ? error
      : databaseError(error, login);
  return (explained.message || explained.name).split("\n")[0]!;
}
