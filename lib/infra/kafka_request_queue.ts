/**
 * Stops the timer loop of kafkajs 2.2.4's request queue (kafkajs issue 1751): once a request has
 * been answered, each broker connection re-arms a timer with a negative delay (1 ms) to look at an
 * empty queue, forever. An idle consumer spent about 3% of a core on it. Here the queue schedules
 * a look only when it has requests waiting or a throttle to wait out, which are the only times a
 * look can send anything; requests still go out as kafkajs' own rules say. Applied once, to the
 * class every kafkajs client of the process uses, and only to the code it was written against.
 */
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

interface QueueState {
  pending: unknown[];
  throttledUntil: number;
}

/** Whether the request queue's scheduling is the version this fix was written for. */
function isKnownScheduling(schedule: unknown): schedule is (this: QueueState) => void {
  if (typeof schedule !== "function") return false;
  const source = Function.prototype.toString.call(schedule);
  return source.includes("this.throttledUntil - Date.now()") &&
    source.includes("if (!this.throttleCheckTimeoutId)") &&
    source.includes("CHECK_PENDING_REQUESTS_INTERVAL");
}

/** Whether the request queue's idle timer loop is stopped in this process. */
export const requestQueueIdleLoopStopped: boolean = (() => {
  const proto = (RequestQueue as { prototype: Record<string, unknown> }).prototype;
  const schedule = proto.scheduleCheckPendingRequests;
  if (!isKnownScheduling(schedule)) return false;
  proto.scheduleCheckPendingRequests = function (this: QueueState): void {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  return true;
})();
