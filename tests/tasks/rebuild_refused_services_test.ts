import { roleUrl } from "../../lib/infra/config.ts";
import { createTestDatabase } from "../support/services.ts";
import { assertDatabaseRefusals, assertOneLineFailure, runScript } from "../support/tasks.ts";

Deno.test("deno task rebuild with PostgreSQL not answering, a refused login or a read-only login says so in one sentence naming DATABASE_URL, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    await assertDatabaseRefusals("scripts/rebuild.ts", [], db.url);
    // A login that works but may not write: the dashboard's read-only role.
    const reader = roleUrl(db.url, "sales_reader");
    assertOneLineFailure(
      await runScript("scripts/rebuild.ts", ["--database-url", reader]),
      /^error: PostgreSQL user "sales_reader" at .*permission denied.*; fix DATABASE_URL or grant it; nothing was rebuilt\n$/,
      "rebuild as sales_reader",
    );
  } finally {
    await db.close();
  }
});
