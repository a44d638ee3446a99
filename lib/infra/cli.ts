/** Command-line parsing shared by the entrypoints: flags, --help and clear failures. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Config, ConfigError, loadConfig, SETTINGS_HELP } from "./config.ts";

/** Flags every entrypoint accepts, mapped onto the shared settings. */
const SHARED_FLAGS = {
  brokers: { type: "string" },
  "database-url": { type: "string" },
  topic: { type: "string" },
  partitions: { type: "string" },
  group: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The values of an entrypoint's own flags, as parseArgs gives them. */
export type FlagValues<O> = Record<keyof O, string | boolean | undefined>;

/** What `parseCli` returns: the shared config, the raw flag values and what `read` made of them. */
export interface Cli<V, R> {
  config: Config;
  values: V;
  options: R;
}

/**
 * Parses argv into the shared config and the entrypoint's own options (`read` turns flag values
 * into them and throws ConfigError on bad input). Prints usage and exits 0 on --help; prints the
 * problem in one sentence and exits 2 on an unknown flag or a bad value.
 */
export function parseCli<O extends NonNullable<ParseArgsConfig["options"]>, R = undefined>(
  usage: string,
  options: O,
  read?: (values: FlagValues<O>, config: Config) => R,
  args: string[] = Deno.args,
): Cli<FlagValues<O>, R> {
  try {
    const { values } = parseArgs({
      args,
      options: { ...SHARED_FLAGS, ...options },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | boolean | undefined> };
    if (values.help) {
      console.log(`${usage}\n\n${SETTINGS_HELP}`);
      Deno.exit(0);
    }
    const flags = Object.fromEntries(
      Object.entries(values).filter(([, v]) => typeof v === "string"),
    ) as Record<string, string>;
    const config = loadConfig(Deno.env.toObject(), flags);
    const own = values as FlagValues<O>;
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
