package local.salesstream.reports.app;

import static org.apache.kafka.streams.KafkaStreams.State.CREATED;
import static org.apache.kafka.streams.KafkaStreams.State.ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.NOT_RUNNING;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_SHUTDOWN;
import static org.apache.kafka.streams.KafkaStreams.State.REBALANCING;
import static org.apache.kafka.streams.KafkaStreams.State.RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What /readyz says in each state of Kafka Streams, its threads and Kafka. */
class HealthTest {
  private static String ready(Health.Answer answer) {
    return answer.ok() ? "ready" : answer.reason();
  }

  @Test
  void readyOnlyWhenRunningWithEveryThreadAndKafkaAnswering() {
    assertEquals("ready", ready(Health.readiness(RUNNING, true, 2, 2, null, null)));
    assertEquals("starting: preparing the topics",
        ready(Health.readiness(null, false, 0, 1, null, null)));
    assertEquals("starting: Kafka Streams is not started yet",
        ready(Health.readiness(CREATED, false, 1, 1, null, null)));
    assertEquals("a stream thread died: 1 of 2 alive",
        ready(Health.readiness(RUNNING, true, 1, 2, null, null)));
    assertEquals("a stream thread died: 1 of 1 alive (IllegalStateException)",
        ready(Health.readiness(RUNNING, true, 1, 1, "IllegalStateException", null)));
    assertEquals("Kafka did not answer the last lag measurement (TimeoutException)",
        ready(Health.readiness(RUNNING, true, 1, 1, null, "TimeoutException")));
    for (var state : new org.apache.kafka.streams.KafkaStreams.State[] {PENDING_SHUTDOWN,
        NOT_RUNNING, PENDING_ERROR, ERROR}) {
      assertEquals("Kafka Streams is " + state, ready(Health.readiness(state, true, 1, 1, null,
          null)));
    }
  }

  @Test
  void rebalancingIsReadyOnlyAfterTheInstanceHasRun() {
    assertEquals("starting: joining the group and restoring state (REBALANCING)",
        ready(Health.readiness(REBALANCING, false, 1, 1, null, null)));
    assertEquals("ready", ready(Health.readiness(REBALANCING, true, 1, 1, null, null)));
    assertEquals("a stream thread died: 0 of 1 alive",
        ready(Health.readiness(REBALANCING, true, 0, 1, null, null)));
  }

  @Test
  void liveUntilKafkaStreamsFails() {
    Health health = new Health(1);
    assertEquals(true, health.live().ok());
    assertEquals("starting: preparing the topics", ready(health.ready()));
  }
}
