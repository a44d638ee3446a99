import { createTestDatabase } from "../support/services.ts";
import { assertDatabaseRefusals } from "../support/tasks.ts";

Deno.test("deno task verify with PostgreSQL not answering or a refused login says so in one sentence naming DATABASE_URL, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    await assertDatabaseRefusals("scripts/verify.ts", [], db.url);
  } finally {
    await db.close();
  }
});
