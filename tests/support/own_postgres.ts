/**
 * A PostgreSQL cluster of a test's own, on a free port, from Debian's binaries (as `deno task up`
 * starts one): the tests that crash, restart or stop PostgreSQL use it, never the shared server.
 */
import type { DatabaseLogin } from "../../lib/infra/config.ts";
import { connect, type Sql } from "../../lib/infra/db.ts";
import { alive } from "../../lib/infra/process.ts";
import { clusterDir, postgresDown, postgresUp } from "../../lib/provision/postgres_cluster.ts";
import { freePort } from "./fixtures.ts";

/** The processes whose parent is `pid` (a postmaster's backends and helpers). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry.name));
    } catch { /* gone meanwhile */ }
  }
  return children;
}

/** A local cluster with a migrated database `sales`, logged in as the owner. */
export class OwnPostgres {
  readonly owner: DatabaseLogin;
  /** the owner's client; it reconnects by itself after a restart */
  readonly sql: Sql;

  private constructor(readonly port: number) {
    this.owner = {
      url: `postgres://postgres@127.0.0.1:${port}/sales`,
      urlSetting: "DATABASE_URL",
      passwordSetting: "DATABASE_PASSWORD_FILE",
    };
    this.sql = connect(this.owner.url, { max: 2 });
  }

  /** The owner's URL (what DATABASE_URL of a consumer under test is). */
  get url(): string {
    return this.owner.url;
  }

  /** Creates and starts a new cluster on a free port, with the database migrated. */
  static async start(): Promise<OwnPostgres> {
    const pg = new OwnPostgres(freePort());
    await postgresUp(pg.owner, () => {});
    return pg;
  }

  /** The postmaster's pid, from its lock file. */
  async postmasterPid(): Promise<number> {
    const text = await Deno.readTextFile(`${clusterDir(this.port).data}/postmaster.pid`);
    return Number(text.split("\n")[0]);
  }

  /**
   * kill -9 of the postmaster: its backends notice and end (killed after 10 s if not); the
   * server's clients see their connections drop. Returns when no process of the server is left.
   */
  async kill9(): Promise<void> {
    const postmaster = await this.postmasterPid();
    const children = childrenOf(postmaster);
    Deno.kill(postmaster, "SIGKILL");
    const end = Date.now() + 10_000;
    while ([postmaster, ...children].some(alive)) {
      if (Date.now() > end) {
        for (const pid of children.filter(alive)) Deno.kill(pid, "SIGKILL");
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Starts the server again (crash recovery first) and waits until it answers. */
  async restart(): Promise<void> {
    await postgresUp(this.owner, () => {});
  }

  /** Stops the server and removes its folder. */
  async remove(): Promise<void> {
    await this.sql.end({ timeout: 1 }).catch(() => {});
    await postgresDown(this.owner.url, () => {}).catch(() => {});
    await Deno.remove(clusterDir(this.port).dir, { recursive: true }).catch(() => {});
  }
}
