package local.salesstream.reports.app;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import local.salesstream.reports.topology.ReportTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Deletes the records of the sales-by-id topic that the group has committed (so processed and
 * counted, exactly once), every 30 s, as Kafka Streams does for the repartition topics it
 * keeps itself: the topic holds only sales still on their way. Every instance may do it; a
 * failure is said once and tried again at the next turn.
 */
final class SalesByIdPurge {
  private static final long INTERVAL_S = 30;

  private final Admin admin;
  private final String groupId;
  private final String topic;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sales-reports-purge");
    t.setDaemon(true);
    return t;
  });
  private boolean failing;

  /** A purge of the application's sales-by-id topic. */
  SalesByIdPurge(Admin admin, String applicationId) {
    this.admin = admin;
    this.groupId = applicationId;
    this.topic = ReportTopology.salesByIdTopic(applicationId);
  }

  /** Purges every 30 s from now on. */
  void start() {
    timer.scheduleWithFixedDelay(this::purge, INTERVAL_S, INTERVAL_S, TimeUnit.SECONDS);
  }

  /** Stops purging. */
  void stop() {
    timer.shutdownNow();
  }

  private void purge() {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      Map<TopicPartition, RecordsToDelete> before = new HashMap<>();
      committed.forEach((tp, offset) -> {
        if (tp.topic().equals(topic) && offset != null && offset.offset() > 0) {
          before.put(tp, RecordsToDelete.beforeOffset(offset.offset()));
        }
      });
      if (!before.isEmpty()) admin.deleteRecords(before).all().get(10, TimeUnit.SECONDS);
      failing = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!failing) Console.error("cannot purge " + topic + " (tried again every " + INTERVAL_S
          + " s): " + Main.oneLine(e));
      failing = true;
    }
  }
}
