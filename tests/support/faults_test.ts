import assert from "node:assert/strict";
import { FaultLog } from "./faults.ts";

Deno.test("a fault that could not be injected is reported as skipped, never counted as injected", () => {
  const log = new FaultLog();
  log.inject("kill -9 consumer");
  log.skip("broker restart", "the broker was not started by this project");
  log.inject("PostgreSQL restart");
  assert.deepEqual(log.lines(), [
    "faults injected: 2",
    "  - kill -9 consumer",
    "  - PostgreSQL restart",
    "faults skipped: 1",
    "  - broker restart: the broker was not started by this project",
  ]);
});
