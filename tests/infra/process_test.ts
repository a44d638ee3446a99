import assert from "node:assert/strict";
import {
  alive,
  isLocalHost,
  LOCAL_DIR,
  privateLocalDir,
  ProvisionError,
  requireCommand,
  requireJava17,
  run,
  startDetached,
  stopProcess,
  tail,
} from "../../lib/infra/process.ts";
import { uniqueSuffix, waitFor } from "../support/fixtures.ts";

/** A folder for PATH holding one executable shell script `name` with the given body. */
async function pathWithScript(name: string, body: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "path-" });
  await Deno.writeTextFile(`${dir}/${name}`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

Deno.test("run() gives a command's exit code and output, in its folder and environment, and 127 when it is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(
      await run("sh", ["-c", 'pwd; echo "$RUN_TEST_VALUE" >&2; exit 3'], {
        cwd: dir,
        env: { RUN_TEST_VALUE: "a b" },
      }),
      { code: 3, stdout: `${await Deno.realPath(dir)}\n`, stderr: "a b\n" },
    );
    assert.deepEqual(await run("no-such-command-here", []), {
      code: 127,
      stdout: "",
      stderr: "no-such-command-here: not found",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requireJava17() and requireCommand() refuse in one sentence saying what to install", async () => {
  const empty = await Deno.makeTempDir({ prefix: "path-" });
  const old = await pathWithScript("java", `echo 'openjdk version "11.0.2" 2019-01-15' >&2`);
  const recent = await pathWithScript("java", `echo 'openjdk version "17.0.9" 2023-10-17' >&2`);
  try {
    await assert.rejects(
      requireJava17("run Kafka", { PATH: empty }),
      (error: Error) =>
        error instanceof ProvisionError &&
        error.message ===
          "Java 17 is needed to run Kafka but `java` is not on PATH; install it (apt-get install openjdk-17-jdk-headless)",
    );
    await assert.rejects(
      requireJava17("run Kafka", { PATH: old }),
      (error: Error) =>
        error instanceof ProvisionError &&
        error.message ===
          'Java 17 or newer is needed to run Kafka; `java -version` says: openjdk version "11.0.2" 2019-01-15',
    );
    await requireJava17("run Kafka", { PATH: recent });
    await assert.rejects(
      requireCommand("mvn", ["-v"], "build the reports", "apt-get install maven", {
        PATH: empty,
      }),
      (error: Error) =>
        error instanceof ProvisionError &&
        error.message ===
          "mvn is needed to build the reports but `mvn` is not on PATH; install it (apt-get install maven)",
    );
    await requireCommand("java", ["-version"], "run Kafka", "apt-get install java", {
      PATH: recent,
    });
  } finally {
    for (const dir of [empty, old, recent]) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "startDetached() runs a process in its own session with its output in a log; stopProcess() ends it, with SIGKILL when SIGTERM is ignored",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "detached-" });
    const log = `${dir}/out.log`;
    await Deno.writeTextFile(log, "before\n");
    const polite = startDetached("sh", ["-c", "echo started; exec sleep 30"], log, dir);
    const stubborn = startDetached(
      "sh",
      ["-c", "trap '' TERM; echo 'ignoring TERM'; while :; do sleep 0.1; done"],
      log,
    );
    try {
      await waitFor(
        () => Promise.resolve(tail(log).includes("started") && tail(log).includes("ignoring")),
        "both processes to write to the log",
        10_000,
      );
      assert.equal(tail(log, 3).split("\n")[0], "before", "the log is appended to");
      assert.ok(alive(polite) && alive(stubborn));
      const session = (pid: number) =>
        Number(Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ")[3]);
      assert.equal(session(polite), polite, "a session of its own");
      let started = performance.now();
      await stopProcess(polite, 5_000);
      assert.equal(alive(polite), false);
      assert.ok(performance.now() - started < 2_000, "SIGTERM was enough");
      started = performance.now();
      await stopProcess(stubborn, 600);
      assert.equal(alive(stubborn), false);
      assert.ok(performance.now() - started >= 550, "SIGKILL only after the grace time");
      await stopProcess(stubborn, 600); // already gone: returns at once
    } finally {
      for (const pid of [polite, stubborn]) {
        if (alive(pid)) Deno.kill(pid, "SIGKILL");
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("tail() gives a file's last lines, or nothing for a file it cannot read", async () => {
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "1\n2\n3\n4\n\n");
    assert.equal(tail(file, 2), "3\n4");
    assert.equal(tail(file), "1\n2\n3\n4");
    assert.equal(tail(`${file}.missing`), "");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("isLocalHost() knows this machine's names and nothing else", () => {
  for (const host of ["localhost", "127.0.0.1", "::1", "[::1]"]) assert.ok(isLocalHost(host), host);
  for (const host of ["127.0.0.2", "db.example", "localhost.example", "", "0.0.0.0"]) {
    assert.equal(isLocalHost(host), false, host);
  }
});

Deno.test("privateLocalDir() makes a folder under .local/ only its user may enter, also when it existed", async () => {
  const dir = `${LOCAL_DIR}test-private-${uniqueSuffix()}`;
  try {
    await privateLocalDir(dir);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    await Deno.chmod(dir, 0o755);
    await privateLocalDir(dir);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
