package local.salesstream.reports.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import local.salesstream.reports.model.Report;
import local.salesstream.reports.topology.ReportTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Prepares the cluster before the streams start: picks the replication factor, creates the
 * sales topic and the compacted report topics when missing, and refuses a group that another
 * consumer (such as the previous reports process) has committed offsets in.
 */
final class TopicSetup {
  private static final long TIMEOUT_S = 30;

  private final Admin admin;
  private final Settings settings;

  /** Setup through the given admin client. */
  TopicSetup(Admin admin, Settings settings) {
    this.admin = admin;
    this.settings = settings;
  }

  /** The setting, or min(3, brokers in the cluster). */
  int replicationFactor() throws SetupException {
    if (settings.replicationFactor != null) return settings.replicationFactor;
    int brokers = call("describe the cluster", admin.describeCluster().nodes()).size();
    return Math.max(1, Math.min(3, brokers));
  }

  /** Creates what is missing: the sales topic, and each report topic (compacted, 1 partition). */
  void createTopics(int replicationFactor) throws SetupException {
    Set<String> existing = call("list topics", admin.listTopics().names());
    List<NewTopic> missing = new ArrayList<>();
    if (!existing.contains(settings.salesTopic)) {
      missing.add(new NewTopic(settings.salesTopic, settings.salesPartitions,
          (short) replicationFactor));
    }
    List<String> reportTopics = new ArrayList<>();
    for (Report r : Report.values()) {
      String topic = r.topic(settings.prefix);
      reportTopics.add(topic);
      if (!existing.contains(topic)) {
        missing.add(new NewTopic(topic, 1, (short) replicationFactor)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT)));
      }
    }
    for (NewTopic topic : missing) {
      try {
        admin.createTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        Console.info("created topic " + topic.name() + " (" + topic.numPartitions()
            + " partitions, replication factor " + replicationFactor + ")");
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new SetupException("cannot create topic " + topic.name() + ": " + message(e));
        }
      } catch (InterruptedException | TimeoutException e) {
        throw new SetupException("creating topic " + topic.name() + " timed out", true);
      }
    }
    try {
      warnIfNotCompacted(reportTopics);
    } catch (SetupException e) {
      // Only a check: a secured cluster may grant read and write on the report topics but not
      // DescribeConfigs, and a topic created a moment ago may not be known to every broker yet
      // (UnknownTopicOrPartition); an unreachable cluster fails the next step anyway.
      Console.info("note: cannot check that the report topics are compacted (" + e.getMessage()
          + ")");
    }
  }

  /**
   * The partitions of the sales-by-id topic, created when missing with as many partitions as
   * the sales topic and the settings Kafka Streams gives its repartition topics (deleted
   * records, no time limit: SalesByIdPurge removes what the group has committed). A topic an
   * earlier version made keeps its partitions, and so every sale id its task.
   */
  int salesByIdPartitions(int replicationFactor) throws SetupException {
    String topic = ReportTopology.salesByIdTopic(settings.applicationId);
    if (!call("list topics", admin.listTopics().names()).contains(topic)) {
      int partitions = call("describe " + settings.salesTopic,
          admin.describeTopics(List.of(settings.salesTopic)).allTopicNames())
          .get(settings.salesTopic).partitions().size();
      NewTopic byId = new NewTopic(topic, partitions, (short) replicationFactor)
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
              TopicConfig.RETENTION_MS_CONFIG, "-1",
              TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(50 << 20),
              TopicConfig.SEGMENT_MS_CONFIG, "600000"));
      try {
        admin.createTopics(List.of(byId)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        Console.info("created topic " + topic + " (" + partitions + " partitions, replication"
            + " factor " + replicationFactor + ")");
        // Not described: a topic created a moment ago may not be known to every broker yet.
        return partitions;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new SetupException("cannot create topic " + topic + ": " + message(e));
        }
      } catch (InterruptedException | TimeoutException e) {
        throw new SetupException("creating topic " + topic + " timed out", true);
      }
    }
    // Another instance may have created it a moment ago: not every broker may know it yet.
    for (int attempt = 1; ; attempt++) {
      try {
        return call("describe " + topic, admin.describeTopics(List.of(topic)).allTopicNames())
            .get(topic).partitions().size();
      } catch (SetupException e) {
        if (!e.retryable || attempt == 10) throw e;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SetupException("interrupted while describing " + topic);
      }
    }
  }

  /**
   * Refuses to start when the group has committed offsets on the sales topic but this
   * application's state does not exist: the group was used by another consumer, and starting
   * from its offsets would publish reports that miss every sale before them.
   */
  void refuseForeignOffsets() throws SetupException {
    Map<TopicPartition, OffsetAndMetadata> offsets = call("read the group's offsets",
        admin.listConsumerGroupOffsets(settings.applicationId).partitionsToOffsetAndMetadata());
    boolean onSales =
        offsets.keySet().stream().anyMatch(tp -> tp.topic().equals(settings.salesTopic));
    String changelog = settings.applicationId + "-" + ReportTopology.SUMS_STORE + "-changelog";
    if (onSales && !call("list topics", admin.listTopics().names()).contains(changelog)) {
      throw new SetupException("group " + settings.applicationId + " has offsets on "
          + settings.salesTopic + " but no report state (" + changelog + " is missing): another"
          + " consumer used this group; delete the group (and the report topics) or choose"
          + " another REPORTS_GROUP");
    }
  }

  private void warnIfNotCompacted(List<String> topics) throws SetupException {
    List<ConfigResource> resources = topics.stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = call("describe the report topics",
        admin.describeConfigs(resources).all());
    configs.forEach((resource, config) -> {
      var policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
      if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        Console.info("warning: report topic " + resource.name() + " is not compacted"
            + " (cleanup.policy=" + (policy == null ? "?" : policy.value()) + ")");
      }
    });
  }

  private <T> T call(String what, org.apache.kafka.common.KafkaFuture<T> future)
      throws SetupException {
    try {
      return future.get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new SetupException("Kafka at " + String.join(",", settings.brokers)
          + " did not answer within " + TIMEOUT_S + " s (" + what + ")", true);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RetriableException) {
        throw new SetupException("Kafka at " + String.join(",", settings.brokers)
            + " did not answer (" + what + ": " + message(e) + ")", true);
      }
      throw new SetupException("cannot " + what + ": " + message(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SetupException("interrupted while trying to " + what);
    }
  }

  private static String message(ExecutionException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  /** The cluster is unreachable or refused a setup step; the message is one line. */
  static final class SetupException extends Exception {
    private static final long serialVersionUID = 1L;
    /** True when trying again later may work (Kafka did not answer). */
    final boolean retryable;

    SetupException(String message) {
      this(message, false);
    }

    SetupException(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }
  }
}
