/** Each task's `--help` list of settings and the README's Settings table, both from SETTINGS. */
import {
  GROUPS,
  keysOf,
  type Setting,
  SETTING_KEYS,
  SETTINGS,
  type Task,
  TASKS,
} from "./settings.ts";

/** Lines of `--help` are wrapped at this width. */
const WIDTH = 100;

/** A setting as it is named to people: NAME, or NAME_FILE for a secret. */
function variableOf(declared: Setting): string {
  return declared.secret ? `${declared.env}_FILE` : declared.env;
}

/** What a setting is when not given, as shown; undefined when it is simply absent. */
function shownDefault(declared: Setting): string | undefined {
  return declared.whenUnset ?? (declared.default || undefined);
}

/** The words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** The settings `task` reads, by group, one row each: variable, flag, meaning and default. */
export function settingsHelp(task: Task): string {
  const keys = keysOf(task);
  const out = [
    "Settings (an environment variable, or its flag, which wins; a secret is read from the file",
    "NAME_FILE names, or from NAME itself, never from a flag):",
  ];
  for (const [group, heading] of Object.entries(GROUPS)) {
    const rows = keys.map((key) => SETTINGS[key] as Setting).filter((s) => s.group === group);
    if (rows.length === 0) continue;
    out.push(`${heading}:`);
    const nameWidth = Math.max(...rows.map((s) => variableOf(s).length)) + 2;
    const flagWidth = Math.max(...rows.map((s) => (s.flag ? s.flag.length + 4 : 0)));
    const indent = 2 + nameWidth + flagWidth;
    for (const s of rows) {
      const shown = shownDefault(s);
      const meaning = s.help + (s.secret ? ` (or ${s.env} itself)` : "") +
        (shown ? ` (default: ${shown})` : "");
      const [first, ...rest] = wrap(meaning, WIDTH - indent);
      const flag = s.flag ? `--${s.flag}` : "";
      out.push(`  ${variableOf(s).padEnd(nameWidth)}${flag.padEnd(flagWidth)}${first}`);
      for (const line of rest) out.push(`${" ".repeat(indent)}${line}`);
    }
  }
  return out.join("\n");
}

/** A table cell: pipes escaped. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** The README's Settings table as Markdown (unpadded; `deno fmt` aligns it). */
export function readmeSettingsTable(): string {
  const rows = SETTING_KEYS.map((key) => SETTINGS[key] as Setting).map((s) => {
    const shown = shownDefault(s);
    return [
      s.secret ? `\`${s.env}_FILE\` (or \`${s.env}\`)` : `\`${s.env}\``,
      s.flag ? `\`--${s.flag}\`` : "",
      shown === undefined ? "none" : s.whenUnset ? cell(shown) : `\`${cell(shown)}\``,
      TASKS.filter((task) => s.tasks.includes(task)).join(", "),
      cell(s.help),
    ];
  });
  return [
    ["variable", "flag", "default", "read by", "meaning"],
    ["---", "---", "---", "---", "---"],
    ...rows,
  ].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
