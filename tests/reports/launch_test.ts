/**
 * `deno task reports` as a launcher: it builds streams/ only when the jar is older than pom.xml or
 * a source, says in one line when Java or Maven is missing, and gives each instance on a machine
 * its own id and state folder.
 */
import assert from "node:assert/strict";
import { ProvisionError, run } from "../../lib/infra/process.ts";
import {
  buildReason,
  claimInstance,
  ensureReportsBuilt,
  splitArgs,
} from "../../lib/reports/launch.ts";
import { uniqueSuffix } from "../support/fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A folder for PATH holding only the given commands (links to the real ones). */
async function pathWith(commands: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "path-" });
  for (const cmd of commands) {
    const where = (await run("sh", ["-c", `command -v ${cmd}`])).stdout.trim();
    assert.ok(where, `${cmd} is on this machine's PATH`);
    await Deno.symlink(where, `${dir}/${cmd}`);
  }
  return dir;
}

/** A module folder with a pom.xml, one source and a built jar, each written at the given time. */
async function fakeModule(times: { pom: number; source: number; jar: number }) {
  const dir = `${await Deno.makeTempDir({ prefix: "streams-" })}/`;
  await Deno.mkdir(`${dir}src/main/java/x`, { recursive: true });
  await Deno.mkdir(`${dir}target/lib`, { recursive: true });
  const files = {
    pom: `${dir}pom.xml`,
    source: `${dir}src/main/java/x/X.java`,
    jar: `${dir}target/sales-reports.jar`,
  };
  for (const [name, path] of Object.entries(files)) {
    await Deno.writeTextFile(path, name);
    const at = new Date(times[name as keyof typeof times]);
    await Deno.utime(path, at, at);
  }
  return { dir, files };
}

Deno.test("deno task reports without Java on PATH says so in one line and exits 2", async () => {
  const empty = await pathWith([]);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}reports.ts`],
      cwd: ROOT,
      env: { PATH: empty, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.equal(
      stderr,
      "Cannot start reports: Java 17 is needed to run the reports process (streams/, Kafka " +
        "Streams) but `java` is not on PATH; install it (apt-get install openjdk-17-jdk-headless)\n",
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("the module is built again only when pom.xml or a source is newer than its jar", async () => {
  const t = Date.now() - 60_000;
  const { dir, files } = await fakeModule({ pom: t, source: t + 1000, jar: t + 2000 });
  try {
    assert.equal(await buildReason(dir), undefined, "an up-to-date jar");
    await Deno.utime(files.source, new Date(t + 3000), new Date(t + 3000));
    assert.equal(await buildReason(dir), "src/main/java/x/X.java changed since the last build");
    await Deno.utime(files.jar, new Date(t + 4000), new Date(t + 4000));
    await Deno.utime(files.pom, new Date(t + 5000), new Date(t + 5000));
    assert.equal(await buildReason(dir), "pom.xml changed since the last build");
    await Deno.remove(files.jar);
    assert.equal(await buildReason(dir), "target/sales-reports.jar does not exist yet");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without Maven an up-to-date module still starts, and one that needs a build is refused in one line", async () => {
  const t = Date.now() - 60_000;
  const { dir, files } = await fakeModule({ pom: t, source: t, jar: t + 1000 });
  const javaOnly = await pathWith(["java"]);
  try {
    const env = { PATH: javaOnly };
    await ensureReportsBuilt({ dir, env }); // nothing to build: Maven is not needed
    await Deno.utime(files.source, new Date(t + 2000), new Date(t + 2000));
    await assert.rejects(
      () => ensureReportsBuilt({ dir, env }),
      (error: Error) => {
        assert.ok(error instanceof ProvisionError);
        assert.equal(
          error.message,
          "mvn is needed to build the reports process (streams/) but `mvn` is not on PATH; " +
            "install it (apt-get install maven)",
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(javaOnly, { recursive: true });
  }
});

Deno.test("instances on one machine get <host>-1, <host>-2 and their own state folders; a running id is refused", async () => {
  const host = `test-${uniqueSuffix()}`;
  const first = await claimInstance({}, host);
  const second = await claimInstance({}, host);
  try {
    assert.deepEqual([first.id, second.id], [`${host}-1`, `${host}-2`]);
    assert.match(first.stateDir, new RegExp(`/\\.local/reports-state/${host}-1$`));
    assert.notEqual(first.stateDir, second.stateDir);
    await first.release();
    const again = await claimInstance({}, host);
    assert.equal(again.id, `${host}-1`, "a restarted instance gets its id (and state) back");
    await again.release();
    await assert.rejects(
      () => claimInstance({ id: `${host}-2` }, host),
      /instance test-\w+-2 already runs on this machine; give each instance its own REPORTS_INSTANCE_ID/,
    );
    const given = await claimInstance({ id: `${host}-x`, stateDir: "/tmp/somewhere" }, host);
    assert.deepEqual([given.id, given.stateDir], [`${host}-x`, "/tmp/somewhere"]);
    await given.release();
  } finally {
    await first.release();
    await second.release();
  }
});

Deno.test("the project's Kafka security flags are read by the launcher, not passed to the process", () => {
  const { flags, own } = splitArgs([
    "--brokers",
    "kafka:9093",
    "--kafka-username=reports",
    "--kafka-password-file",
    "/run/secrets/kafka",
    "--memory-mb",
    "128",
    "--topic=sales",
    "--kafka-ca-file",
  ]);
  assert.deepEqual(flags, {
    brokers: "kafka:9093",
    "kafka-username": "reports",
    "kafka-password-file": "/run/secrets/kafka",
    topic: "sales",
  });
  assert.deepEqual(own, [
    "--brokers",
    "kafka:9093",
    "--memory-mb",
    "128",
    "--topic=sales",
    "--kafka-ca-file", // no value: left for the process to refuse
  ]);
});
