/** Running provisioning steps from an entrypoint: progress lines, one-line failures, Chromium for tests. */
import { ConfigError } from "../infra/settings.ts";
import { DatabaseRefusedError, DatabaseUnavailableError } from "../infra/db.ts";
import { ProvisionError, run } from "../infra/process.ts";

/** Runs provisioning steps with progress on stdout; a provisioning failure prints its sentence and exits 1. */
export async function provisionOrExit(steps: (say: (line: string) => void) => Promise<void>) {
  try {
    await steps((line) => console.log(line));
  } catch (error) {
    const known = [ProvisionError, DatabaseUnavailableError, DatabaseRefusedError, ConfigError]
      .some((kind) => error instanceof kind);
    if (!known || !(error instanceof Error)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}

/** Chromium for the browser tests: Debian's package, installed when missing and we are root. */
export async function ensureChromium(say: (line: string) => void) {
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

/** kcat, the codec tests' other Kafka client: Debian's package, installed when missing and we are root. */
export async function ensureKcat(say: (line: string) => void) {
  if (await Deno.stat("/usr/bin/kcat").then(() => true, () => false)) return;
  if (Deno.uid() !== 0) {
    throw new ProvisionError("the codec tests need /usr/bin/kcat: sudo apt-get install kcat");
  }
  say("Installing kcat from Debian's packages for the codec tests ...");
  const out = await run("apt-get", ["install", "-y", "--no-install-recommends", "kcat"]);
  if (out.code !== 0) {
    throw new ProvisionError(`apt-get install kcat failed:\n${out.stderr.slice(-1500)}`);
  }
}

/** promtool and prometheus, the operations tests' tools: Debian's package, installed when missing and we are root. */
export async function ensurePrometheus(say: (line: string) => void) {
  if (await Deno.stat("/usr/bin/promtool").then(() => true, () => false)) return;
  if (Deno.uid() !== 0) {
    throw new ProvisionError(
      "the operations tests need /usr/bin/promtool and prometheus: sudo apt-get install prometheus",
    );
  }
  say("Installing prometheus from Debian's packages for the operations tests ...");
  const out = await run("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"]);
  if (out.code !== 0) {
    throw new ProvisionError(`apt-get install prometheus failed:\n${out.stderr.slice(-1500)}`);
  }
}
