import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { connect } from "../../lib/infra/db.ts";
import { ProvisionError } from "../../lib/infra/process.ts";
import { clusterDir, postgresDown, postgresUp } from "../../lib/provision/postgres_cluster.ts";
import {
  postgresReplicaUp,
  refuseForeignPrimary,
  replicasDown,
} from "../../lib/provision/postgres_replica.ts";
import { freePort, waitFor } from "../support/fixtures.ts";
import { config } from "../support/services.ts";

Deno.test({
  name:
    "postgresReplicaUp() copies a local cluster into a streaming hot standby on its own port, once; replicasDown() stops it; a deleted replica is made again",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const [port, replicaPort] = [freePort(), freePort()];
    const url = `postgres://postgres@127.0.0.1:${port}/sales_replica_module`;
    const owner = loadConfig({ DATABASE_URL: url }).database.owner;
    const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/sales_replica_module`;
    const said: string[] = [];
    const say = (line: string) => void said.push(line);
    const primary = connect(url, { max: 1 });
    const replica = connect(replicaUrl, { max: 1, connect_timeout: 2 });
    /** Waits until a row written on the primary now is on the replica. */
    const streams = async (mark: number) => {
      await primary`insert into consumer_offsets (group_id, topic, partition, next_offset)
        values ('replica-module', 't', ${mark}, ${mark})`;
      await waitFor(
        async () => {
          const rows = await replica`select 1 from consumer_offsets
          where group_id = 'replica-module' and partition = ${mark}`.catch(() => []);
          return rows.length === 1;
        },
        `row ${mark} on the replica`,
        30_000,
      );
    };
    try {
      await postgresUp(owner, () => {});
      await refuseForeignPrimary(owner); // ours, running: no refusal
      const got = await postgresReplicaUp(owner, replicaPort, "sales_reader", say);
      assert.equal(got, `postgres://sales_reader@127.0.0.1:${replicaPort}/sales_replica_module`);
      const { dir, data } = clusterDir(replicaPort);
      assert.deepEqual(said, [
        `Copying the primary at 127.0.0.1:${port} into ${data} (pg_basebackup) ...`,
        `Starting the read replica on port ${replicaPort} (data ${data}) ...`,
        `PostgreSQL read replica of 127.0.0.1:${port} streams at 127.0.0.1:${replicaPort}; its URL:`,
      ]);
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}replica.json`)), {
        primaryPort: port,
        slot: `sales_replica_${replicaPort}`,
      });
      const [r] = await replica`select pg_is_in_recovery() as standby,
        current_setting('hot_standby_feedback') as feedback, current_setting('port') as port`;
      assert.deepEqual({ ...r }, { standby: true, feedback: "on", port: String(replicaPort) });
      const [slot] = await primary`select active, current_setting('max_slot_wal_keep_size') as keep
        from pg_replication_slots where slot_name = ${`sales_replica_${replicaPort}`}`;
      assert.deepEqual({ ...slot }, { active: true, keep: "1GB" });
      await streams(1);

      // Again: left alone. The primary's own folder is not a replica of it: refused.
      said.length = 0;
      await postgresReplicaUp(owner, replicaPort, "sales_reader", say);
      assert.deepEqual(said, [
        `PostgreSQL read replica of 127.0.0.1:${port} already runs at 127.0.0.1:${replicaPort}; its URL:`,
      ]);
      await assert.rejects(
        postgresReplicaUp(owner, port, "sales_reader", say),
        (error: Error) =>
          error instanceof ProvisionError &&
          error.message ===
            `${clusterDir(port).dir} holds a PostgreSQL cluster that is not a replica of port ` +
              `${port}: choose another --replica-port (REPLICA_PORT), or stop it and delete the folder`,
      );

      said.length = 0;
      await replicasDown(url, say);
      await replicasDown(url, say);
      assert.deepEqual(said, [`PostgreSQL read replica on port ${replicaPort} stopped`]);
      await assert.rejects(replica`select 1`, { code: "ECONNREFUSED" });

      // Its folder deleted, the replica is made again; the old slot, which only held WAL, goes.
      await Deno.remove(dir, { recursive: true });
      said.length = 0;
      await postgresReplicaUp(owner, replicaPort, "sales_reader", say);
      assert.match(said[0]!, /^Copying the primary/);
      await streams(2);
    } finally {
      await primary.end();
      await replica.end();
      await replicasDown(url, () => {});
      await postgresDown(url, () => {});
      for (const p of [port, replicaPort]) {
        await Deno.remove(clusterDir(p).dir, { recursive: true }).catch(() => {});
      }
    }
  },
});

Deno.test("refuseForeignPrimary() refuses a server up did not start and one on another machine", async () => {
  /** The refusal of a server that answers at host:port without being up's cluster there. */
  const foreign = (host: string, port: number) => (error: Error) =>
    error instanceof ProvisionError &&
    error.message ===
      `PostgreSQL at ${host} is not the cluster \`deno task up\` started ` +
        `(.local/postgres-${port}/ runs none), so --replica will not reconfigure it; point ` +
        "DATABASE_URL at a port where nothing answers and `deno task up --replica` starts both";
  // Any server of its own answering on the port (here a bare TCP listener).
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const otherPort = (other.addr as Deno.NetAddr).port;
  try {
    const owner = loadConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${otherPort}/x` })
      .database.owner;
    await assert.rejects(refuseForeignPrimary(owner), foreign(`127.0.0.1:${otherPort}`, otherPort));
  } finally {
    other.close();
  }
  // The machine's shared server, unless it is the cluster up runs here (a fresh machine's tests).
  const shared = new URL(config.databaseUrl);
  const sharedPort = Number(shared.port || 5432);
  if (await Deno.stat(`${clusterDir(sharedPort).data}/postmaster.pid`).catch(() => null)) {
    console.log(`DATABASE_URL's server is the cluster \`deno task up\` runs here: not refused`);
  } else {
    const owner = loadConfig({ DATABASE_URL: config.databaseUrl }).database.owner;
    await assert.rejects(refuseForeignPrimary(owner), foreign(shared.host, sharedPort));
  }
  const remote = loadConfig({ DATABASE_URL: "postgres://postgres@db.invalid:5432/sales" })
    .database.owner;
  await assert.rejects(refuseForeignPrimary(remote), /DATABASE_URL names db\.invalid:5432/);
  // Nothing answers on a free port: up will start its own cluster there, so no refusal.
  const free = loadConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/x` })
    .database.owner;
  await refuseForeignPrimary(free);
});
