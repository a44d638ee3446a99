/** `deno task test`: brings up the services (as `deno task up`), checks the browser, runs the whole suite. */
import { parseCli } from "../lib/infra/cli.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { ProvisionError, run } from "../lib/infra/process.ts";
import { provisionOrExit } from "./up.ts";

const USAGE = `Usage: deno task test [-- deno test arguments]

Starts Kafka and PostgreSQL when they do not answer (like \`deno task up\`), installs Debian's
chromium for the browser test when it is missing (as root), then runs \`deno test -A tests/\`
against the real services. Extra arguments after -- go to deno test (e.g. --filter pipeline).`;

/** Chromium for the browser test: Debian's package, installed when missing and we are root. */
async function ensureChromium(say: (line: string) => void) {
  if (await Deno.stat("/usr/bin/chromium").then(() => true, () => false)) return;
  if (Deno.uid() !== 0) {
    throw new ProvisionError(
      "the browser test needs /usr/bin/chromium: sudo apt-get install chromium",
    );
  }
  say("Installing chromium from Debian's packages for the browser test ...");
  const out = await run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"]);
  if (out.code !== 0) {
    throw new ProvisionError(`apt-get install chromium failed:\n${out.stderr.slice(-1500)}`);
  }
}

if (import.meta.main) {
  const split = Deno.args.indexOf("--");
  const own = split === -1 ? Deno.args : Deno.args.slice(0, split);
  const extra = split === -1 ? [] : Deno.args.slice(split + 1);
  const { config } = parseCli(USAGE, {}, own);
  await provisionOrExit(async (say) => {
    await kafkaUp(config.kafkaBrokers, say);
    await postgresUp(config.databaseUrl, say);
    await ensureChromium(say);
  });
  const tests = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...extra, "tests/"],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
  });
  const status = await tests.spawn().status;
  Deno.exit(status.code);
}
