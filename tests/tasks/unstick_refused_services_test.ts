import { createTestDatabase } from "../support/services.ts";
import { assertDatabaseRefusals } from "../support/tasks.ts";

Deno.test("deno task unstick (listing or skipping) with PostgreSQL not answering or a refused login says so in one sentence naming DATABASE_URL, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    await assertDatabaseRefusals("scripts/unstick.ts", [], db.url);
    await assertDatabaseRefusals("scripts/unstick.ts", ["--partition", "0", "--yes"], db.url);
  } finally {
    await db.close();
  }
});
