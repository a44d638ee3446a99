import assert from "node:assert/strict";
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { config } from "../support/services.ts";

Deno.test("deno task bench:write --n 600 prints every step and the writers' figures, and drops its database", async () => {
  const script = new URL("../../scripts/bench_write.ts", import.meta.url).pathname;
  const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  try {
    const before = await admin`select count(*)::int as n from pg_database
      where starts_with(datname, 'bench_write_')`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "--n", "600", "--batch", "200", "--writers", "1,2"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-3000));
    const figures = JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
    assert.equal(figures.n, 600);
    for (
      const key of [
        "decode_us",
        "decode_zod_only_us",
        "fingerprint_us",
        "write_rps_1",
        "write_rps_2",
      ]
    ) {
      assert.ok(Number(figures[key]) > 0, `${key} is ${JSON.stringify(figures[key])}`);
    }
    const after = await admin`select count(*)::int as n from pg_database
      where starts_with(datname, 'bench_write_')`;
    assert.equal(after[0]!.n, before[0]!.n, "its databases are dropped");
  } finally {
    await admin.end({ timeout: 5 });
  }
});
