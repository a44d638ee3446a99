/**
 * The shape of the code: stages import one way (lib/README.md), the dashboard's views/ and routes/
 * only what their READMEs allow, no page another page, every page folder in the registry, no import
 * cycles, no entrypoint imported, no export that nothing uses, the README's Layout names what is
 * really there; tests found by name (tests/ mirrors the source tree, each big module has its test,
 * a test's name says which services it needs); no source builds SQL or HTML from strings.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

/** The stages of lib/ in import order, with the stages each may import (lib/README.md). */
const STAGES: Record<string, string[]> = {
  core: [],
  infra: ["core"],
  store: ["core", "infra"],
  produce: ["core", "infra"],
  consume: ["core", "infra", "store"],
  reports: ["core", "infra"],
  provision: ["core", "infra"],
};

/**
 * What the dashboard may import: views/ (pages, their models, shared parts) the stages whose data
 * it shows and views/; routes/ (HTTP) also infra/, views/ and routes/.
 */
const DASHBOARD: Record<string, RegExp> = {
  views: /^(lib\/(core|store|consume|reports)|views)\//,
  routes: /^(lib\/(core|infra|store|consume|reports)|views|routes)\//,
};

/** The entrypoints: run by tasks, imported by nothing. */
const ENTRYPOINTS = ["main.ts", "producer.ts", "consumer.ts", "reports.ts"];

/** Every .ts/.tsx file under the folders (relative to the repository). */
function sourceFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(`${ROOT}${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (/\.tsx?$/.test(entry.name)) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}

/** The repository-relative files a source file imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${file}`);
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)]
    .map((m) => m[1]!);
  return specs.map((spec) => new URL(spec, `file://${ROOT}${file}`).pathname.slice(ROOT.length));
}

const CODE = [
  ...ENTRYPOINTS,
  ...sourceFiles(["lib", "routes", "views", "scripts"]),
];

Deno.test("each stage of lib/ imports only the stages before it, and nothing outside lib/", () => {
  const wrong: string[] = [];
  for (const file of CODE.filter((f) => f.startsWith("lib/"))) {
    const stage = file.split("/")[1]!;
    assert.ok(stage in STAGES, `${file}: lib/${stage}/ is not a stage of lib/README.md`);
    for (const target of importsOf(file)) {
      const [top, other] = target.split("/");
      const allowed = top === "lib" && (other === stage || STAGES[stage]!.includes(other!));
      if (!allowed) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("views import lib's data stages and views, routes also infra and routes; no code imports an entrypoint", () => {
  const wrong: string[] = [];
  for (const file of CODE) {
    const allowed = DASHBOARD[file.split("/")[0]!];
    for (const target of importsOf(file)) {
      if (
        ENTRYPOINTS.includes(target) ||
        target.startsWith("scripts/") && !file.startsWith("scripts/")
      ) {
        wrong.push(`${file} imports ${target}`);
      }
      if (allowed && !allowed.test(target)) wrong.push(`${file} imports ${target}`);
    }
  }
  for (const file of sourceFiles(["tests"])) {
    for (const target of importsOf(file)) {
      if (ENTRYPOINTS.includes(target)) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** The page folder of a file under views/ (views/NAME/...), or null (views/shared/, views/registry.ts, elsewhere). */
function pageOf(file: string): string | null {
  const [top, folder, rest] = file.split("/");
  return top === "views" && rest !== undefined && folder !== "shared" ? folder! : null;
}

Deno.test("a page is imported only by its own folder and the registry; views/shared/ imports no page", () => {
  const wrong: string[] = [];
  for (const file of CODE) {
    for (const target of importsOf(file)) {
      const page = pageOf(target);
      if (page !== null && pageOf(file) !== page && file !== "views/registry.ts") {
        wrong.push(`${file} imports ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("every page folder of views/ has a page.tsx that views/registry.ts lists", () => {
  const pages = [...Deno.readDirSync(`${ROOT}views`)]
    .filter((e) => e.isDirectory && e.name !== "shared").map((e) => e.name).sort();
  assert.ok(pages.length > 0, "views/ has page folders");
  const unlisted = pages.filter((page) => {
    try {
      Deno.statSync(`${ROOT}views/${page}/page.tsx`);
    } catch {
      return true;
    }
    return !importsOf("views/registry.ts").includes(`views/${page}/page.tsx`);
  });
  assert.deepEqual(unlisted, [], "page folders without a page.tsx in the registry");
});

Deno.test("no two files import each other, directly or through others", () => {
  const graph = new Map(CODE.map((f) => [f, importsOf(f).filter((t) => CODE.includes(t))]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

Deno.test("every exported value of lib/, routes/ and views/ is used by another file", () => {
  const everything = [...CODE, ...sourceFiles(["tests"])].map((f) => ({
    file: f,
    text: Deno.readTextFileSync(`${ROOT}${f}`),
  }));
  const unused: string[] = [];
  for (const file of CODE.filter((f) => /^(lib|routes|views)\//.test(f))) {
    const text = Deno.readTextFileSync(`${ROOT}${file}`);
    const names = [
      ...[...text.matchAll(
        /^export (?:async )?(?:function\*?|const|let|class) ([A-Za-z_$][\w$]*)/gm,
      )].map((m) => m[1]!),
      ...[...text.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) =>
        m[1]!.split(",").map((n) => n.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, ""))
          .filter(Boolean)
      ),
    ];
    for (const name of names) {
      const word = new RegExp(`\\b${name.replace(/\$/g, "\\$")}\\b`);
      if (!everything.some((o) => o.file !== file && word.test(o.text))) {
        unused.push(`${file}: ${name}`);
      }
    }
  }
  assert.deepEqual(unused, []);
});

Deno.test("the README's Layout names every entrypoint and folder, and only paths that exist", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const layout = /\n## Layout\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(layout, "README.md has a Layout section");
  const named = new Set(
    [...layout.matchAll(/`([\w./-]+)`|\]\(([\w./-]+)\)/g)].map((m) =>
      (m[1] ?? m[2])!.replace(/\/$/, "")
    ),
  );
  const missing = [...named].filter((path) => {
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(path) || !/[/.]/.test(path)) return false;
    try {
      Deno.statSync(`${ROOT}${path}`);
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(missing, [], "paths in the Layout that do not exist");
  const folders = [...Deno.readDirSync(`${ROOT}lib`)].filter((e) => e.isDirectory)
    .map((e) => `lib/${e.name}`);
  const tops = [
    "routes",
    "views",
    "static",
    "sql",
    "scripts",
    "tests",
    "infra",
    "docs",
    "data",
    "streams",
    "ops",
  ];
  const unnamed = [...ENTRYPOINTS, ...folders, ...tops, "deno.json", "BENCHMARKS.md"]
    .filter((p) => !named.has(p));
  assert.deepEqual(unnamed, [], "entrypoints and folders the Layout does not name");
});

/** Lines of a file, as `wc -l` counts them. */
function lineCount(file: string): number {
  return (Deno.readTextFileSync(`${ROOT}${file}`).match(/\n/g) ?? []).length;
}

/** The names (without extension) of the .ts/.tsx files of a folder of the repository. */
function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(`${ROOT}${dir}`)]
    .filter((e) => e.isFile && /\.tsx?$/.test(e.name)).map((e) => e.name.replace(/\.tsx?$/, ""));
}

/**
 * What the tests of a folder of tests/ are named after: tests/<stage>/ the modules of
 * lib/<stage>/, tests/routes/ and tests/views/<page>/ the dashboard's files, tests/tasks/ the
 * entrypoints and scripts, tests/streams/ the reports process and its tools, tests/ops/ the
 * files and folders of ops/, tests/support/ its fixtures; null for tests/faults/ and tests/fleet/ (the whole system under faults).
 */
function testedNames(dir: string): string[] | null {
  const [, top, sub] = dir.split("/");
  if (top === "faults" || top === "fleet") return null;
  if (top! in STAGES) return namesIn(`lib/${top}`);
  if (top === "views" && sub) return namesIn(`views/${sub}`);
  if (top === "routes" || top === "support") return namesIn(dir.replace(/^tests\/(?=routes)/, ""));
  if (top === "tasks") {
    return [...ENTRYPOINTS.map((e) => e.replace(/\.ts$/, "")), ...namesIn("scripts")];
  }
  if (top === "streams") return [...namesIn("streams/tools"), "reports"];
  if (top === "ops") {
    return [...Deno.readDirSync(`${ROOT}${dir.slice("tests/".length)}`)]
      .map((e) => e.name.replace(/\..*$/, ""));
  }
  return [];
}

/** The name a test file is named after: the longest of `names` its file name starts with. */
function testedBy(file: string, names: string[]): string | undefined {
  const base = file.split("/").pop()!;
  return names.filter((n) => base === `${n}_test.ts` || base.startsWith(`${n}_`))
    .sort((a, b) => b.length - a.length)[0];
}

const TEST_FILES = sourceFiles(["tests"]).filter((f) => f.endsWith("_test.ts"));

Deno.test("every test file mirrors the source tree: named after a file of the folder its folder mirrors; fixtures only in tests/support/", () => {
  const wrong: string[] = [];
  for (const file of sourceFiles(["tests"])) {
    const dir = file.slice(0, file.lastIndexOf("/"));
    if (!file.endsWith("_test.ts")) {
      if (dir !== "tests/support") wrong.push(`${file}: a fixture outside tests/support/`);
      continue;
    }
    if (dir === "tests") {
      if (file !== "tests/structure_test.ts") wrong.push(`${file}: not in a folder`);
      continue;
    }
    const names = testedNames(dir);
    if (names !== null && testedBy(file, names) === undefined) {
      wrong.push(`${file}: named after no file that ${dir}/ mirrors`);
    }
  }
  assert.deepEqual(wrong, []);
});

/** Fixtures that use the shared Kafka and PostgreSQL: every export of these, and the two named. */
const SERVICE_FIXTURES = new Set([
  ...["services.ts", "reports_process.ts", "kcat.ts"].flatMap((f) =>
    [
      ...Deno.readTextFileSync(`${ROOT}tests/support/${f}`).matchAll(
        /^export (?:async )?(?:function\*?|const|class|interface|type) ([\w$]+)/gm,
      ),
    ].map((m) => m[1]!)
  ),
  "ConsumerProcess", // runs consumer.ts against them
  "brokerIsOurs", // restarts the broker
]);

/** The names a file imports from tests/support/. */
function supportImports(file: string): string[] {
  const text = Deno.readTextFileSync(`${ROOT}${file}`);
  return [...text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g)]
    .filter((m) => /(^|\/)support\/[\w.]+$|^\.\/[\w.]+$/.test(m[2]!))
    .flatMap((m) => m[1]!.split(",").map((n) => n.trim().replace(/^type\s+/, "")).filter(Boolean));
}

Deno.test("a test that needs Kafka or PostgreSQL is named *_services_test.ts, one that needs Chromium *_browser_test.ts", () => {
  const wrong: string[] = [];
  for (const file of TEST_FILES) {
    if (/^tests\/(faults|fleet)\//.test(file)) continue; // they start or restart services
    const names = supportImports(file);
    const browser = names.includes("launchChromium");
    if (browser !== file.endsWith("_browser_test.ts")) {
      wrong.push(`${file}: ${browser ? "starts" : "does not start"} Chromium`);
    }
    const services = names.filter((n) => SERVICE_FIXTURES.has(n));
    if (services.length > 0 && !/_(services|browser)_test\.ts$/.test(file)) {
      wrong.push(`${file}: uses ${services.join(", ")}`);
    }
  }
  assert.deepEqual(wrong, []);
});

/**
 * The lib/ modules over 100 lines without a test named after them, each with the reason; at most
 * a fifth of those modules. A module leaves this list once its test exists.
 */
const WITHOUT_TEST: Record<string, string> = {
  "lib/provision/kafka_broker.ts":
    "starts a JVM broker of 1 GB: run by every `deno task test` (up), restarted by tests/faults/",
};

Deno.test("every lib/ module over 100 lines has tests/<stage>/<module>_test.ts (or _services_, _browser_), but the few listed", () => {
  const big = CODE.filter((f) => f.startsWith("lib/") && lineCount(f) > 100);
  const tested = (module: string) => {
    const [, stage, file] = module.split("/");
    const name = file!.replace(/\.ts$/, "");
    return TEST_FILES.some((t) =>
      t.startsWith(`tests/${stage}/`) && t.split("/").length === 3 &&
      testedBy(t, namesIn(`lib/${stage}`)) === name
    );
  };
  assert.deepEqual(big.filter((m) => !tested(m) && !(m in WITHOUT_TEST)), [], "without a test");
  assert.deepEqual(
    Object.keys(WITHOUT_TEST).filter((m) => !big.includes(m) || tested(m)),
    [],
    "listed without a test, but tested (or gone, or small)",
  );
  assert.ok(
    Object.keys(WITHOUT_TEST).length * 5 <= big.length,
    `${Object.keys(WITHOUT_TEST).length} of ${big.length} modules without a test`,
  );
});

Deno.test("the README's Tests section names every folder of tests/, and only paths that exist", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const section = /\n## Tests\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(section, "README.md has a Tests section");
  const named = new Set(
    [...section.matchAll(/`(tests\/[^`<]*)[^`]*`/g)].map((m) => m[1]!.replace(/\/$/, "")),
  );
  const missing = [...named].filter((path) => {
    try {
      Deno.statSync(`${ROOT}${path}`);
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(missing, [], "paths in the Tests section that do not exist");
  const folders = [...Deno.readDirSync(`${ROOT}tests`)].filter((e) => e.isDirectory)
    .map((e) => `tests/${e.name}`);
  assert.deepEqual(
    folders.filter((f) => !named.has(f)),
    [],
    "folders the Tests section does not name",
  );
});

/** Every TypeScript source of the project (not dependencies, not tests). */
async function* sources(dir = new URL("../", import.meta.url)): AsyncGenerator<[string, string]> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || ["node_modules", "tests", "data", "docs"].includes(e.name)) {
      continue;
    }
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(url);
    else if (/\.(ts|tsx|js)$/.test(e.name) && !url.pathname.includes("/static/vendor/")) {
      yield [url.pathname, await Deno.readTextFile(url)];
    }
  }
}

Deno.test("no source builds SQL or HTML from strings: no unsafe(), raw() or dangerouslySetInnerHTML", async () => {
  const offenders: string[] = [];
  let files = 0;
  for await (const [path, text] of sources()) {
    files++;
    text.split("\n").forEach((line, i) => {
      if (
        /\.unsafe\s*\(|\braw\s*\(|dangerouslySetInnerHTML|new Function\s*\(|\beval\s*\(/.test(line)
      ) {
        offenders.push(`${path}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.ok(files > 20, `only ${files} files scanned`);
  assert.deepEqual(offenders, []);
});
