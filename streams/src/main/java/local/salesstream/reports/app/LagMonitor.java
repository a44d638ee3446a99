package local.salesstream.reports.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import local.salesstream.reports.topology.ReportTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The group's lag as the whole deployment sees it: messages of the sales topic not yet
 * consumed, plus records of the two repartition topics not yet consumed (committed offsets
 * against read-committed end offsets). Zero means every message so far is in the reports.
 */
final class LagMonitor {
  private static final long TIMEOUT_S = 10;

  /** Lag on the sales topic and on the internal repartition topics. */
  record Lag(long input, long internal) {
    /** All of it. */
    long total() {
      return input + internal;
    }
  }

  private final Admin admin;
  private final String groupId;
  private final String inputTopic;
  private final List<String> topics = new ArrayList<>();

  /** A monitor of the application's group. */
  LagMonitor(Admin admin, String applicationId, String inputTopic) {
    this.admin = admin;
    this.groupId = applicationId;
    this.inputTopic = inputTopic;
    topics.add(inputTopic);
    topics.add(applicationId + "-" + ReportTopology.BY_SALE_ID + "-repartition");
    topics.add(applicationId + "-" + ReportTopology.PARTIALS + "-repartition");
  }

  /** Measures the lag now (four admin requests). */
  Lag measure() throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
        .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
    // The repartition topics exist once the application has started; until then only the
    // sales topic counts.
    List<String> existing = topics.stream().filter(t -> t.equals(inputTopic)
        || committed.keySet().stream().anyMatch(tp -> tp.topic().equals(t))).toList();
    Map<String, TopicDescription> described =
        admin.describeTopics(existing).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    Map<TopicPartition, OffsetSpec> starts = new HashMap<>();
    for (TopicDescription d : described.values()) {
      d.partitions().forEach(p -> {
        TopicPartition tp = new TopicPartition(d.name(), p.partition());
        ends.put(tp, OffsetSpec.latest());
        if (committed.get(tp) == null) starts.put(tp, OffsetSpec.earliest());
      });
    }
    Map<TopicPartition, ListOffsetsResultInfo> end = offsets(ends);
    Map<TopicPartition, ListOffsetsResultInfo> start = offsets(starts);
    long input = 0;
    long internal = 0;
    for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : end.entrySet()) {
      OffsetAndMetadata done = committed.get(e.getKey());
      long from = done != null ? done.offset() : start.get(e.getKey()).offset();
      long lag = Math.max(0, e.getValue().offset() - from);
      if (e.getKey().topic().equals(inputTopic)) input += lag;
      else internal += lag;
    }
    return new Lag(input, internal);
  }

  private Map<TopicPartition, ListOffsetsResultInfo> offsets(Map<TopicPartition, OffsetSpec> spec)
      throws Exception {
    if (spec.isEmpty()) return Map.of();
    return admin.listOffsets(spec, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
        .get(TIMEOUT_S, TimeUnit.SECONDS);
  }
}
