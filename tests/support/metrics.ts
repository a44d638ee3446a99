/** Reading a process' operations port in tests: GET, the Prometheus text format, promtool. */
import assert from "node:assert/strict";

/** GET `url`: its status and body, or undefined while nothing listens there. */
export async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** One sample of the text format: its metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of a Prometheus text-format page; fails on a line that is neither a sample nor a
 * HELP or TYPE comment, and on a sample whose family was not typed before it.
 */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  assert.ok(text.endsWith("\n"), "the page ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue; // the format ignores empty lines (prom-client writes them)
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      assert.ok(!typed.has(type[1]!), `${type[1]} typed twice`);
      typed.add(type[1]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][\w:]* .*$/.test(line)) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample: ${line}`);
    const [, name, labelText = "", value] = sample;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of labelText.matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    const family = name!.replace(/_(total|created|count|sum|bucket)$/, "");
    assert.ok(typed.has(name!) || typed.has(family), `${name} has no TYPE before it`);
    assert.ok(/^(NaN|[+-]?Inf|-?\d+(\.\d+)?(E[+-]?\d+)?)$/i.test(value!), `a value: ${line}`);
    samples.push({ name: name!, labels, value: Number(value) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const matching = samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  assert.ok(matching.length > 0, `no sample ${name} ${JSON.stringify(labels)}`);
  return matching.reduce((n, s) => n + s.value, 0);
}

/** Runs Debian's promtool on a page of metrics: parse errors and naming problems fail it. */
export async function promtoolCheck(text: string) {
  const promtool = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = promtool.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await promtool.output();
  const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `promtool check metrics:\n${said}`);
}
