import assert from "node:assert/strict";
import { requestQueueIdleLoopStopped } from "../../lib/infra/kafka_request_queue.ts";
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";
import { sleep } from "../../lib/core/async.ts";

// deno-lint-ignore no-explicit-any
type Queue = any;

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A real kafkajs request queue, with its look at the pending requests counted. */
function countedQueue(
  maxInFlightRequests: number | null = null,
): { queue: Queue; looks: () => number } {
  // deno-lint-ignore no-explicit-any
  const queue: Queue = new (RequestQueue as any)({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: "test",
    broker: "localhost:1",
    logger: silent,
  });
  let looks = 0;
  const look = queue.checkPendingRequests.bind(queue);
  queue.checkPendingRequests = () => {
    looks++;
    look();
  };
  return { queue, looks: () => looks };
}

/** A request as kafkajs' connection pushes it, counting when it is sent. */
function request(correlationId: number, sent: number[], expectResponse = false) {
  return {
    entry: {
      correlationId,
      apiKey: 0,
      apiName: "Test",
      apiVersion: 0,
      resolve: () => {},
      reject: () => {},
    },
    expectResponse,
    sendRequest: () => sent.push(correlationId),
  };
}

Deno.test("the kafkajs this project pins gets the fix", () => {
  assert.equal(requestQueueIdleLoopStopped, true);
});

Deno.test("an idle request queue does not keep looking at its empty queue", async () => {
  const { queue, looks } = countedQueue();
  try {
    const sent: number[] = [];
    queue.push(request(1, sent)); // answered at once: the moment kafkajs 2.2.4 started its loop
    queue.checkPendingRequests();
    await sleep(200);
    assert.deepEqual(sent, [1]);
    // kafkajs 2.2.4 alone looks about every millisecond here: over 100 looks in 200 ms
    assert.ok(looks() <= 2, `${looks()} looks at an empty queue in 200 ms`);
  } finally {
    queue.destroy();
  }
});

Deno.test("a throttled request queue still sends its waiting request once the throttle ends", async () => {
  const { queue } = countedQueue();
  try {
    const sent: number[] = [];
    queue.throttledUntil = Date.now() + 80;
    queue.push(request(7, sent));
    assert.deepEqual(sent, [], "held while throttled");
    await sleep(250);
    assert.deepEqual(sent, [7]);
  } finally {
    queue.destroy();
  }
});

Deno.test("a request held by the in-flight limit goes out when the one in flight is answered", async () => {
  const { queue } = countedQueue(1);
  try {
    const sent: number[] = [];
    queue.push(request(1, sent, true));
    queue.push(request(2, sent, true));
    assert.deepEqual(sent, [1], "the second waits for the first");
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    await sleep(50);
    assert.deepEqual(sent, [1, 2]);
    queue.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    await sleep(100);
    assert.equal(queue.pending.length, 0);
    assert.equal(queue.inflight.size, 0);
  } finally {
    queue.destroy();
  }
});
