/**
 * A log record as a line: text with its time and level on one line, json one object whose time,
 * level, logger and msg no field can replace.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { configureLogging, formatRecord, logger, resetLogging } from "../../lib/infra/log.ts";

const record = (message: string, properties: Record<string, unknown> = {}): LogRecord => ({
  category: ["sales", "consumer"],
  level: "warning",
  message: [message],
  rawMessage: message,
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  properties,
});

Deno.test("text lines carry the time and level and stay on one line", () => {
  assert.equal(
    formatRecord(record("partition 1:\nforged line\r\nend"), "text"),
    "2026-01-02T03:04:05.678Z WARN partition 1: forged line end",
  );
});

Deno.test("json lines are one object: time, level, logger, msg first, fields beside them, none replacing them", () => {
  const line = formatRecord(
    record('brace {x} and "quote"\n{"level":"INFO"}', {
      partition: 2,
      msg: "forged",
      level: "DEBUG",
      time: "never",
      logger: "other",
      skipped: undefined,
    }),
    "json",
  );
  assert.ok(!line.includes("\n"));
  assert.deepEqual(JSON.parse(line), {
    time: "2026-01-02T03:04:05.678Z",
    level: "WARN",
    logger: "sales.consumer",
    msg: 'brace {x} and "quote"\n{"level":"INFO"}',
    partition: 2,
  });
});

Deno.test("a logger writes its message as given, braces included, with its fields; warnings on stderr", () => {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (line: string) => out.push(line);
  console.error = (line: string) => err.push(line);
  try {
    configureLogging("json");
    logger("test").info("{x} }} {{ '}' {", { partition: 3 });
    logger("test").warn("careful");
    configureLogging("text");
    logger("test").error("stopped {now}");
  } finally {
    resetLogging();
    console.log = log;
    console.error = error;
  }
  assert.equal(out.length, 1);
  const event = JSON.parse(out[0]!);
  assert.deepEqual([event.msg, event.partition, event.logger], [
    "{x} }} {{ '}' {",
    3,
    "sales.test",
  ]);
  assert.equal(JSON.parse(err[0]!).level, "WARN");
  assert.match(err[1]!, /^\S+Z ERROR stopped \{now\}$/);
});

Deno.test("the ready line a script waits for is bare at the start of its line in text, and an information record marked ready in json", () => {
  const out: string[] = [];
  const log = console.log;
  console.log = (line: string) => out.push(line);
  try {
    configureLogging("text");
    logger("consumer").ready("consuming t as group g;\nforged line", { partition: 1 });
    logger("consumer").info("next");
    configureLogging("json");
    logger("consumer").ready("consuming t as group g", { topic: "t" });
  } finally {
    resetLogging();
    console.log = log;
  }
  assert.equal(out[0], "consuming t as group g; forged line");
  assert.match(out[1]!, /^\S+Z INFO next$/);
  const event = JSON.parse(out[2]!);
  assert.deepEqual([event.level, event.msg, event.ready, event.topic], [
    "INFO",
    "consuming t as group g",
    true,
    "t",
  ]);
});
