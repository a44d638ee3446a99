/** Dead-letter messages: the original bytes (card numbers masked) and headers saying why and where from. */
import type { Message } from "kafkajs";
import { maskCardNumbers } from "../core/redact.ts";

/** Where a rejected message came from and why it was rejected. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  topic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Builds the dead-letter message; the value keeps the original bytes except masked card numbers. */
export function deadLetterMessage(letter: DeadLetter): Message {
  const value = letter.value ? maskedValue(letter.value) : null;
  return {
    key: letter.key,
    value,
    headers: {
      error: `${letter.code}: ${maskCardNumbers(letter.reason)}`,
      "source-topic": letter.topic,
      "source-partition": String(letter.partition),
      "source-offset": letter.offset,
    },
  };
}

function maskedValue(value: Buffer): Buffer {
  const text = utf8.decode(value);
  const masked = maskCardNumbers(text);
  return masked === text ? value : Buffer.from(masked);
}
