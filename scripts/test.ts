/** `deno task test`: brings up the services (as `deno task up`), checks the browser, runs the whole suite. */
import { parseCli } from "../lib/infra/cli.ts";
import { kafkaUp, resolveKafkaJars } from "../lib/provision/kafka_broker.ts";
import { fleetClusters } from "../lib/provision/kafka_cluster.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import {
  ensureChromium,
  ensureKcat,
  ensurePrometheus,
  provisionOrExit,
} from "../lib/provision/run.ts";
import { ensureReportsBuilt } from "../lib/reports/launch.ts";

const USAGE = `Usage: deno task test [-- deno test arguments]

Starts Kafka and PostgreSQL when they do not answer (like \`deno task up\`), installs Debian's
chromium for the browser test and kcat for the codec tests when missing (as root), builds the
reports process (streams/, running its JUnit tests) when it changed since its last tested build,
then runs \`deno test -A tests/\` against the real services. Extra arguments after -- go to deno
test (e.g. --filter pipeline).

The same run includes the fault test on a replicated cluster (tests/fleet/): for each Kafka
release in FLEET_KAFKA_VERSIONS it starts a cluster of three brokers of its own (ports
29092-29097, then 39092-39097; FLEET_KAFKA_PORT moves them), kills leaders mid-produce and
mid-consume, checks every sale is stored once, and removes the cluster.`;

if (import.meta.main) {
  const split = Deno.args.indexOf("--");
  const own = split === -1 ? Deno.args : Deno.args.slice(0, split);
  const extra = split === -1 ? [] : Deno.args.slice(split + 1);
  const { config } = parseCli(
    "test",
    USAGE,
    {},
    (_, config) => {
      fleetClusters(config.fleetKafkaVersions, config.fleetKafkaPort); // room for each cluster?
    },
    own,
  );
  const fleet = config.fleetKafkaVersions;
  await provisionOrExit(async (say) => {
    await kafkaUp(config.kafkaBrokers, say);
    // The fleet test's releases, and 3.9.1 whose client tools the secured-services test uses.
    for (const version of new Set([...fleet, "3.9.1" as const])) {
      await resolveKafkaJars(version, say);
    }
    await postgresUp(config.database.owner, say);
    await ensureChromium(say);
    await ensureKcat(say);
    await ensurePrometheus(say);
    // The reports process the tests start (Kafka Streams): built, with its JUnit tests, when
    // streams/ changed since its last tested build (always on a clean clone).
    await ensureReportsBuilt({ say, withTests: true });
  });
  const tests = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...extra, "tests/"],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    env: { FLEET_KAFKA_VERSIONS: fleet.join(",") },
  });
  const status = await tests.spawn().status;
  Deno.exit(status.code);
}
