/** Running the project's entrypoints as their tasks run them, for tests of exit codes and output. */
import assert from "node:assert/strict";

/** The time and level LOG_FORMAT=text writes before each log line's message. */
const LOG_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?:DEBUG|INFO|WARN|ERROR) /gm;

/** Output with each text log line's time and level taken off: the messages, as tests match them. */
export function messages(output: string): string {
  return output.replace(LOG_PREFIX, "");
}

/** The repository's root folder. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Runs a project script (path from the repository root) with Deno, without colours, in the root
 * folder; `stdin` (when given) is written to it and closed. Returns its exit code and output.
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    cwd: ROOT,
    // No consumer of a test holds the operations port 9464 unless the test gives it one.
    env: { NO_COLOR: "1", METRICS_PORT: "0", ...env },
    ...(stdin === undefined ? {} : { stdin: "piped" as const }),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  const raw = { stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  // stdout and stderr hold the messages; `raw` the lines as written (with their time and level).
  return { code: out.code, stdout: messages(raw.stdout), stderr: messages(raw.stderr), raw };
}

/** Output lines, without the last newline. */
export const lines = (text: string) => text === "" ? [] : text.replace(/\n$/, "").split("\n");

/** Runs producer.ts in bulk on the given file and topic. */
export function produceFile(file: string, topic: string, args: string[] = [], env = {}) {
  return runScript("producer.ts", [
    "--source",
    file,
    "--delay",
    "0",
    "--topic",
    topic,
    "--partitions",
    "1",
    ...args,
  ], env);
}

/** A temporary file holding `lines` joined by newlines; removed after `run`. */
export async function withFile(
  lines: (string | Uint8Array)[],
  run: (file: string) => Promise<void>,
): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".ndjson" });
  const encoder = new TextEncoder();
  const parts = lines.map((l) => typeof l === "string" ? encoder.encode(l) : l);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    bytes[at + part.length] = 0x0a;
    at += part.length + 1;
  }
  await Deno.writeFile(file, bytes);
  try {
    await run(file);
  } finally {
    await Deno.remove(file);
  }
}

/**
 * Runs a task of the owner's PostgreSQL login (verify, rebuild, unstick) with `args`, first against
 * a port where nothing answers, then as a role the server does not know on `databaseUrl`'s server,
 * and asserts each ends with one line on stderr naming DATABASE_URL and `nothing ...`, no stack
 * trace, exit 1.
 */
export async function assertDatabaseRefusals(script: string, args: string[], databaseUrl: string) {
  const unknownRole = new URL(databaseUrl);
  unknownRole.username = `no_such_role_${crypto.randomUUID().slice(0, 8)}`;
  const cases: [string, RegExp][] = [
    [
      "postgres://postgres@127.0.0.1:1/sales",
      /^error: Cannot reach PostgreSQL at 127\.0\.0\.1:1 \(.*\); start it with `deno task up` or set DATABASE_URL; nothing [^\n]*\n$/,
    ],
    [
      unknownRole.toString(),
      /^error: PostgreSQL refused user "no_such_role_\w+" at \S+ \(role "no_such_role_\w+" does not exist\); fix DATABASE_URL; nothing [^\n]*\n$/,
    ],
  ];
  for (const [url, sentence] of cases) {
    const what = `${script} ${args.join(" ")} --database-url ${url}`;
    const out = await runScript(script, [...args, "--database-url", url], {}, "");
    assertOneLineFailure(out, sentence, what);
  }
}

/** Asserts a task ended with exit 1 and one line on stderr matching `sentence`, no stack trace. */
export function assertOneLineFailure(
  out: { code: number; stdout: string; stderr: string },
  sentence: RegExp,
  what: string,
) {
  assert.equal(out.code, 1, `${what}: ${out.stderr}`);
  assert.equal(out.stdout, "", what);
  assert.match(
    out.stderr,
    /^error: [^\n]+\n$/,
    `${what}: one line, no stack trace:\n${out.stderr}`,
  );
  assert.match(out.stderr, sentence, what);
  assert.doesNotMatch(out.stderr, /Uncaught|Error:/, what);
}
