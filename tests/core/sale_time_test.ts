import assert from "node:assert/strict";
import { saleTime } from "../../lib/core/sale_time.ts";

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const TOLERANCE = 5 * 60_000;

Deno.test("saleTime() trusts a record's timestamp from 2000-01-01 up to the tolerance ahead", () => {
  for (
    const ms of [
      Date.UTC(2000, 0, 1),
      NOW - 3 * 24 * 3600_000,
      NOW,
      NOW + 1,
      NOW + TOLERANCE,
    ]
  ) {
    assert.deepEqual(saleTime(String(ms), NOW, TOLERANCE), { at: new Date(ms) });
  }
});

Deno.test("saleTime() files a sale at the read time when its timestamp is ahead or too old, with the reason", () => {
  const cases: [string, "ahead" | "tooOld"][] = [
    [String(NOW + TOLERANCE + 1), "ahead"],
    [String(NOW + 30 * 60_000), "ahead"],
    ["9223372036854775807", "ahead"], // the largest timestamp a record can carry
    ["0", "tooOld"],
    ["-1", "tooOld"], // no timestamp (old message format)
    [String(Date.UTC(2000, 0, 1) - 1), "tooOld"],
    ["-9223372036854775808", "tooOld"],
    ["not a number", "tooOld"],
    ["", "tooOld"],
  ];
  for (const [timestamp, untrusted] of cases) {
    assert.deepEqual(
      saleTime(timestamp, NOW, TOLERANCE),
      { at: new Date(NOW), untrusted },
      timestamp,
    );
  }
  // A tolerance of 0: a timestamp 1 ms ahead is not trusted.
  assert.deepEqual(saleTime(String(NOW + 1), NOW, 0), { at: new Date(NOW), untrusted: "ahead" });
});
