/**
 * The processes' log lines, through LogTape: LOG_FORMAT=text (the default) writes
 * `TIME LEVEL message`, json one object per line with `time` (ISO 8601), `level`, `logger`, `msg`
 * and the event's fields, as the reports process does (streams/src/main/resources/logback-*.xml).
 * Information goes to stdout, warnings and errors to stderr; a process that never configures
 * logging (a script, a test) gets the bare messages, as before. Messages are shown as given: a brace
 * in one is text, never a placeholder.
 */
import {
  configureSync,
  getLogger,
  type LogLevel,
  type LogRecord,
  resetSync,
} from "@logtape/logtape";

/** How lines are written. */
export type LogFormat = "text" | "json";

/** The fields an event carries beside its message (partition, offsets, counts ...). */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A named logger of the project: one method per level. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * The line a process prints once it serves ("consuming ...", "Dashboard at ..."), which scripts
   * and benchmarks wait for: in text format written bare at the start of its line, in json an
   * information record with `"ready": true`.
   */
  ready(message: string, fields?: LogFields): void;
}

/** Names of levels as written in lines (as logback writes them). */
const LEVEL_NAMES: Record<LogLevel, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warning: "WARN",
  error: "ERROR",
  fatal: "ERROR",
};

/** Whether configureLogging ran: until it does, lines are written plain, as console lines. */
let configured = false;

/** The format configureLogging set (text until it runs). */
let currentFormat: LogFormat = "text";

/** The project's root category: every logger is `sales.<name>`. */
const ROOT = "sales";

/** One record as a line of the format (without the newline). */
export function formatRecord(record: LogRecord, format: LogFormat): string {
  const msg = record.message.map((part) => String(part)).join("");
  const level = LEVEL_NAMES[record.level];
  const time = new Date(record.timestamp).toISOString();
  if (format === "text") return `${time} ${level} ${msg.replace(/\r?\n/g, " ")}`;
  const fields = Object.fromEntries(
    Object.entries(record.properties).filter(([key, value]) =>
      value !== undefined && !["time", "level", "logger", "msg"].includes(key)
    ),
  );
  return JSON.stringify({ time, level, logger: record.category.join("."), msg, ...fields });
}

/** Sets where and how every logger writes, for this process; the last call wins. */
export function configureLogging(format: LogFormat): void {
  configured = true;
  currentFormat = format;
  resetSync();
  configureSync({
    reset: true,
    sinks: {
      console: (record: LogRecord) => {
        const line = formatRecord(record, format);
        if (record.level === "warning" || record.level === "error" || record.level === "fatal") {
          console.error(line);
        } else console.log(line);
      },
    },
    loggers: [
      { category: [ROOT], sinks: ["console"], lowestLevel: "info" },
      // LogTape's own notes (its "configured" line) only when something is wrong with logging.
      { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
    ],
  });
}

/** Undoes configureLogging: lines are bare messages again (for tests that configure it). */
export function resetLogging(): void {
  configured = false;
  currentFormat = "text";
  resetSync();
}

/** The logger `sales.<name>` (consumer, dashboard, producer, kafka ...). */
export function logger(name: string): Log {
  const log = getLogger([ROOT, name]);
  // The message is a template's value, never a template: a brace in it is text.
  const at = (fields: LogFields) => log.with(fields);
  return {
    debug: (message, fields = {}) => configured && at(fields).debug`${message}`,
    info: (message, fields = {}) => configured ? at(fields).info`${message}` : console.log(message),
    warn: (message, fields = {}) =>
      configured ? at(fields).warn`${message}` : console.error(message),
    error: (message, fields = {}) =>
      configured ? at(fields).error`${message}` : console.error(message),
    ready: (message, fields = {}) =>
      configured && currentFormat === "json"
        ? at({ ...fields, ready: true }).info`${message}`
        : console.log(message.replace(/\r?\n/g, " ")),
  };
}
