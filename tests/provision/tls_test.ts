import assert from "node:assert/strict";
import { LOCAL_DIR, run } from "../../lib/infra/process.ts";
import { LOCAL_CA_FILE, serverCertificate } from "../../lib/provision/tls.ts";
import { uniqueSuffix } from "../support/fixtures.ts";

Deno.test("serverCertificate() makes a certificate the local CA signed for localhost, its key private, and reuses it", async () => {
  const name = `test-server-${uniqueSuffix()}`;
  const files = await serverCertificate(name);
  try {
    assert.deepEqual(files, {
      cert: `${LOCAL_DIR}tls/${name}.crt`,
      key: `${LOCAL_DIR}tls/${name}.key`,
    });
    const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;
    assert.equal(await mode(files.key), 0o600);
    assert.equal(await mode(`${LOCAL_DIR}tls/ca.key`), 0o600);
    assert.equal(await mode(files.cert), 0o644);
    assert.equal(await mode(LOCAL_CA_FILE), 0o644);
    assert.equal(await mode(`${LOCAL_DIR}tls`), 0o755);
    const verified = await run("openssl", ["verify", "-CAfile", LOCAL_CA_FILE, files.cert]);
    assert.equal(verified.stdout.trim(), `${files.cert}: OK`);
    const text = (await run("openssl", ["x509", "-noout", "-text", "-in", files.cert])).stdout;
    assert.match(text, new RegExp(`Subject: CN ?= ?${name}\n`));
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(text, /CA:FALSE/);
    // The key belongs to the certificate.
    const pub = async (args: string[]) => (await run("openssl", args)).stdout;
    assert.equal(
      await pub(["pkey", "-in", files.key, "-pubout"]),
      await pub(["x509", "-in", files.cert, "-noout", "-pubkey"]),
    );
    // Still valid: the same files are kept as they are.
    const before = await Deno.readTextFile(files.cert);
    assert.deepEqual(await serverCertificate(name), files);
    assert.equal(await Deno.readTextFile(files.cert), before);
  } finally {
    await Deno.remove(files.cert).catch(() => {});
    await Deno.remove(files.key).catch(() => {});
  }
});
