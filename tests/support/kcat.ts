/** kcat (librdkafka), a Kafka client other than the project's, as a test peer. */
import assert from "node:assert/strict";
import type { SaleRecord } from "../../lib/core/sale.ts";
import { config } from "./services.ts";

/**
 * Sends records with kcat (librdkafka, another client) as compressed batches, keys = sale ids;
 * `headers` ("name=value", or "name" for a null value) go on every record.
 */
export async function kcatProduce(
  topic: string,
  codec: string,
  records: SaleRecord[],
  partition?: number,
  headers: string[] = [],
): Promise<void> {
  const lines = records.map((r) => `${r.sale_id}\t${JSON.stringify(r)}\n`).join("");
  const child = new Deno.Command("kcat", {
    args: [
      "-P",
      "-b",
      config.kafkaBrokers.join(","),
      "-t",
      topic,
      "-z",
      codec,
      "-K",
      "\t",
      // One request for the lot: a batch of its own per call and partition.
      "-X",
      "linger.ms=100",
      ...(partition === undefined ? [] : ["-p", String(partition)]),
      ...headers.flatMap((header) => ["-H", header]),
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines));
  await writer.close();
  const out = await child.output();
  assert.equal(out.code, 0, `kcat -z ${codec}: ${new TextDecoder().decode(out.stderr)}`);
}

/** kcat's view of a topic: every message's key. */
export async function kcatKeys(topic: string): Promise<string[]> {
  const out = await new Deno.Command("kcat", {
    args: ["-C", "-b", config.kafkaBrokers.join(","), "-t", topic, "-e", "-q", "-f", "%k\n"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\n").filter((k) => k !== "");
}
