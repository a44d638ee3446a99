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

/** What `parseCli` returns: the shared config and the entrypoint's own flag values. */
export interface Cli<V> {
  config: Config;
  values: V;
}

/** Parses argv; prints usage and exits on --help, prints the error and exits 2 on bad input. */
export function parseCli<O extends NonNullable<ParseArgsConfig["options"]>>(
  usage: string,
  options: O,
  args: string[] = Deno.args,
): Cli<Record<keyof O, string | boolean | undefined>> {
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
    return {
      config: loadConfig(Deno.env.toObject(), flags),
      values: values as Record<keyof O, string | boolean | undefined>,
    };
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : (error as Error).message;
    console.error(
      `error: ${message}\n\n${usage.split("\n")[0]}\nRun with --help for every option.`,
    );
    Deno.exit(2);
  }
}
