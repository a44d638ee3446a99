/** Running the project's entrypoints as their tasks run them, for tests of exit codes and output. */

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
    env: { NO_COLOR: "1", ...env },
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
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
