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

/**
 * A Debian package a test needs, by the binary it installs: nothing when the binary is there,
 * else installed with apt-get when we are root, else one sentence saying what to install.
 */
async function ensureDebianPackage(
  say: (line: string) => void,
  need: { binary: string; pkg: string; usedBy: string; needs: string },
) {
  if (await Deno.stat(need.binary).then(() => true, () => false)) return;
  if (Deno.uid() !== 0) {
    throw new ProvisionError(
      `${need.usedBy} ${need.needs}: sudo apt-get install ${need.pkg}`,
    );
  }
  say(`Installing ${need.pkg} from Debian's packages for ${need.usedBy} ...`);
  const out = await run("apt-get", ["install", "-y", "--no-install-recommends", need.pkg]);
  if (out.code !== 0) {
    throw new ProvisionError(`apt-get install ${need.pkg} failed:\n${out.stderr.slice(-1500)}`);
  }
}

/** Chromium for the browser tests: Debian's package, installed when missing and we are root. */
export function ensureChromium(say: (line: string) => void) {
  return ensureDebianPackage(say, {
    binary: "/usr/bin/chromium",
    pkg: "chromium",
    usedBy: "the browser test",
    needs: "needs /usr/bin/chromium",
  });
}

/** kcat, the codec tests' other Kafka client: Debian's package, installed when missing and we are root. */
export function ensureKcat(say: (line: string) => void) {
  return ensureDebianPackage(say, {
    binary: "/usr/bin/kcat",
    pkg: "kcat",
    usedBy: "the codec tests",
    needs: "need /usr/bin/kcat",
  });
}

/** promtool and prometheus, the operations tests' tools: Debian's package, installed when missing and we are root. */
export function ensurePrometheus(say: (line: string) => void) {
  return ensureDebianPackage(say, {
    binary: "/usr/bin/promtool",
    pkg: "prometheus",
    usedBy: "the operations tests",
    needs: "need /usr/bin/promtool and prometheus",
  });
}
