/** Child processes: run a command, start a detached daemon, tell whether a pid lives, stop it. */
import { sleep } from "../core/async.ts";

/** The project's ignored folder for local service data. */
export const LOCAL_DIR = new URL("../../.local/", import.meta.url).pathname;

/**
 * Makes a folder under .local/ that only this user may enter (mode 0700), for secrets; .local/
 * itself keeps its ordinary mode (the PostgreSQL server's user must reach its cluster there).
 */
export async function privateLocalDir(path: string): Promise<void> {
  await Deno.mkdir(LOCAL_DIR, { recursive: true });
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  await Deno.chmod(path, 0o700);
}

/** Thrown when a service cannot be provisioned; the message says what to do. */
export class ProvisionError extends Error {
  override name = "ProvisionError";
}

/** Runs a command to completion; returns its exit code and output (never throws on non-zero). */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options })
      .output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    }
    throw error;
  }
}

/**
 * Fails with one sentence unless `java` on PATH is Java 17 or newer; `purpose` says what needs it
 * ("run Kafka"). `env` is the environment the command is looked up and run in (default: ours).
 */
export async function requireJava17(purpose: string, env?: Record<string, string>): Promise<void> {
  const { code, stderr } = await run("java", ["-version"], { env });
  if (code === 127) {
    throw new ProvisionError(
      `Java 17 is needed to ${purpose} but \`java\` is not on PATH; install it (apt-get install openjdk-17-jdk-headless)`,
    );
  }
  const major = Number(/version "(\d+)/.exec(stderr)?.[1] ?? 0);
  if (major < 17) {
    throw new ProvisionError(
      `Java 17 or newer is needed to ${purpose}; \`java -version\` says: ${stderr.split("\n")[0]}`,
    );
  }
}

/** Fails with one sentence unless `cmd` answers `args` (a version flag); `install` says how to get it. */
export async function requireCommand(
  cmd: string,
  args: string[],
  purpose: string,
  install: string,
  env?: Record<string, string>,
): Promise<void> {
  const { code } = await run(cmd, args, { env });
  if (code === 127) {
    throw new ProvisionError(
      `${cmd} is needed to ${purpose} but \`${cmd}\` is not on PATH; install it (${install})`,
    );
  }
}

/** Starts a long-running process in its own session, output appended to logFile; returns its pid. */
export function startDetached(cmd: string, args: string[], logFile: string, cwd?: string): number {
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", `exec ${quoted} >> '${logFile}' 2>&1 < /dev/null`],
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  return child.pid;
}

/** True when a process with this pid is alive. */
export function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; returns once the process is gone. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<void> {
  if (!alive(pid)) return;
  Deno.kill(pid, "SIGTERM");
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await sleep(200);
  if (alive(pid)) Deno.kill(pid, "SIGKILL");
  while (alive(pid)) await sleep(100);
}

/** The last lines of a file, or "" when it cannot be read. */
export function tail(file: string, lines = 20): string {
  try {
    return Deno.readTextFileSync(file).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** True when the host name is this machine. */
export function isLocalHost(host: string): boolean {
  return ["localhost", "127.0.0.1", "::1", "[::1]"].includes(host);
}
