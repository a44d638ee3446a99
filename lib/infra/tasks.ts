/** The project's tasks as deno.json defines them: the one place their Deno flags are written. */

const DENO_JSON = new URL("../../deno.json", import.meta.url);

/**
 * The Deno flags a task's `deno run` gives (for example the consumer's capped V8 heap), so that
 * the demo, the benchmarks and the tests start that script exactly as `deno task NAME` does.
 */
export function taskDenoFlags(task: string): string[] {
  const { tasks } = JSON.parse(Deno.readTextFileSync(DENO_JSON)) as {
    tasks: Record<string, string>;
  };
  const command = tasks[task];
  if (!command) throw new Error(`deno.json has no task "${task}"`);
  const words = command.split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new Error(`task "${task}" is not a plain "deno run" command`);
  }
  return words.slice(2).filter((w) => w.startsWith("-") && w !== "-A");
}
