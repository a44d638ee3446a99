package local.salesstream.reports.app;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.topology.ProcessingStats;
import local.salesstream.reports.topology.ReportTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The reports process: reads the settings, prepares the topics, runs the Kafka Streams
 * topology until SIGTERM/SIGINT or the end of standard input, and closes it cleanly.
 * Prints one line per event and a progress line with the lag; errors are one line each.
 */
public final class Main {
  private Main() {}

  /** Exit status for bad settings or a failed setup step. */
  static final int EXIT_SETUP = 2;
  /** Exit status for a failure while running. */
  static final int EXIT_FAILED = 1;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** Runs the process; see --help. */
  public static void main(String[] args) {
    if (Settings.wantsHelp(args)) {
      System.out.print(Settings.help());
      return;
    }
    Logging.configure(args, System.getenv());
    Settings settings;
    Hashing hashing;
    try {
      settings = Settings.parse(args, System.getenv());
      String secret = CardHashKey.load(System.getenv("CARD_HASH_SECRET"), settings.secretFile);
      hashing = new Hashing(secret);
    } catch (ConfigException e) {
      Console.error(e.getMessage());
      System.exit(EXIT_SETUP);
      return;
    }
    System.exit(run(settings, hashing));
  }

  private static int run(Settings settings, Hashing hashing) {
    long heapMb = Runtime.getRuntime().maxMemory() >> 20;
    if (heapMb > settings.heapMb * 11L / 10) {
      Console.info("warning: the heap is " + heapMb + " MB, not REPORTS_HEAP_MB="
          + settings.heapMb + ": start with bin/sales-reports (or java -Xmx" + settings.heapMb
          + "m)");
    }
    Admin admin;
    KafkaStreams streams;
    Operations operations = null;
    try {
      operations = Operations.start(settings);
      admin = Admin.create(KafkaClients.admin(settings));
      TopicSetup setup = new TopicSetup(admin, settings);
      int replicationFactor = setup.replicationFactor();
      setup.createTopics(replicationFactor);
      setup.refuseForeignOffsets();
      int byIdPartitions = setup.salesByIdPartitions(replicationFactor);
      ProcessingStats stats = new ProcessingStats();
      operations.count(stats);
      Properties properties = KafkaClients.streams(settings, replicationFactor);
      streams = new KafkaStreams(
          ReportTopology.build(settings.salesTopic, byIdPartitions, settings.prefix,
              settings.dedupeRetention, Duration.ofMillis(settings.commitMs), hashing, stats,
              properties),
          properties);
      operations.watch(streams);
      return runStreams(settings, admin, streams, stats, replicationFactor, operations);
    } catch (ConfigException e) {
      Console.error(e.getMessage());
      return EXIT_SETUP;
    } catch (TopicSetup.SetupException e) {
      Console.error(e.getMessage());
      return e.retryable ? EXIT_FAILED : EXIT_SETUP;
    } catch (RuntimeException e) {
      Console.error(oneLine(e));
      return EXIT_FAILED;
    } finally {
      if (operations != null) operations.close();
    }
  }

  private static int runStreams(Settings settings, Admin admin, KafkaStreams streams,
      ProcessingStats stats, int replicationFactor, Operations operations) {
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(0);
    streams.setStateListener((now, before) -> {
      Console.info("state " + before + " -> " + now);
      operations.health.stateChanged(now);
      if (now == KafkaStreams.State.RUNNING) Console.info(tasks(streams));
      if (now == KafkaStreams.State.ERROR) {
        exitCode.set(EXIT_FAILED);
        stopped.countDown();
      } else if (now == KafkaStreams.State.NOT_RUNNING) {
        stopped.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      Console.error("stream thread failed: " + oneLine(e));
      operations.health.threadFailed(e.getClass().getSimpleName());
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Progress progress = new Progress(new LagMonitor(admin, settings.applicationId,
        settings.salesTopic), streams, stats);
    progress.tell(operations);
    SalesByIdPurge purge = new SalesByIdPurge(admin, settings.applicationId);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      progress.stop();
      purge.stop();
      Console.info("stopping: closing Kafka Streams (commits the work in hand)");
      boolean closed = streams.close(CLOSE_TIMEOUT);
      if (closed && exitCode.get() == 0) {
        try {
          Files.createDirectories(settings.stateDir);
          Files.writeString(cleanCloseMarker(settings), "closed cleanly\n");
        } catch (IOException e) {
          Console.error("cannot write " + cleanCloseMarker(settings) + ": " + e.getMessage());
        }
      }
      admin.close(Duration.ofSeconds(5));
      Console.info(closed ? "stopped" : "stopped (close timed out after "
          + CLOSE_TIMEOUT.toSeconds() + " s; uncommitted work is redone on the next start)");
    }, "sales-reports-shutdown"));
    if (settings.exitOnStdinEof) watchStdin();

    checkStateFolder(settings);
    Console.info("reporting " + settings.salesTopic + " to " + settings.prefix
        + "<report> with group " + settings.applicationId
        + (settings.instanceId == null ? " (dynamic membership)"
            : " as instance " + settings.instanceId)
        + "; replication factor " + replicationFactor + ", state in " + settings.stateDir
        + ", RocksDB cap " + settings.memoryMb + " MB, heap "
        + (Runtime.getRuntime().maxMemory() >> 20) + " MB, sale ids kept "
        + settings.dedupeRetention.toDays() + " days");
    streams.start();
    progress.start(settings.progressSeconds);
    purge.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return exitCode.get();
  }

  /**
   * The file that says this instance's state folder was closed cleanly: written after a close that
   * committed everything, removed when the process starts using the folder. (Kafka Streams 4.x
   * keeps its store offsets inside RocksDB, so no file of its own tells.)
   */
  static Path cleanCloseMarker(Settings settings) {
    return settings.stateDir.resolve(settings.applicationId + ".closed-cleanly");
  }

  /**
   * Says so when the state folder was left by a crash (kill -9, power loss, a close that timed
   * out): under exactly-once Kafka Streams then wipes the stores that may hold uncommitted changes
   * and restores them from their changelog topics before their tasks run. Then takes the folder
   * into use (the marker of a clean close goes).
   */
  static void checkStateFolder(Settings settings) {
    Path marker = cleanCloseMarker(settings);
    int tasks = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(
        settings.stateDir.resolve(settings.applicationId))) {
      for (Path task : dirs) {
        if (Files.isDirectory(task.resolve("rocksdb"))) tasks++;
      }
    } catch (IOException e) {
      // no state yet
    }
    if (tasks > 0 && !Files.exists(marker)) {
      Console.info("the state folder was not closed cleanly (a crash or kill -9): stores that may"
          + " hold uncommitted changes are wiped and restored from their changelog topics ("
          + tasks + " tasks have state here)");
    }
    try {
      Files.deleteIfExists(marker);
    } catch (IOException e) {
      Console.error("cannot remove " + marker + ": " + e.getMessage());
    }
  }

  /** This instance's share of the work: its active and standby tasks (sub-topology_partition). */
  static String tasks(KafkaStreams streams) {
    TreeSet<String> active = new TreeSet<>();
    TreeSet<String> standby = new TreeSet<>();
    for (var thread : streams.metadataForLocalThreads()) {
      thread.activeTasks().forEach(t -> active.add(t.taskId().toString()));
      thread.standbyTasks().forEach(t -> standby.add(t.taskId().toString()));
    }
    return "tasks: " + active.size() + " active " + active + ", " + standby.size() + " standby "
        + standby;
  }

  /** Stops the process when standard input ends (the parent closed the pipe or died). */
  private static void watchStdin() {
    Thread watcher = new Thread(() -> {
      try {
        byte[] buffer = new byte[256];
        while (System.in.read(buffer) >= 0) {
          // input is ignored; only its end matters
        }
      } catch (IOException e) {
        // a broken stdin counts as closed
      }
      Console.info("standard input closed: stopping");
      System.exit(0);
    }, "sales-reports-stdin");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** An exception as one line: its class and message, and its root cause's. */
  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String text = e.getClass().getSimpleName() + ": " + e.getMessage();
    if (root != e) {
      text += " (cause: " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return text.replace('\n', ' ');
  }
}
