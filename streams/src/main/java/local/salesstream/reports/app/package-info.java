/**
 * The reports process around the topology: {@link local.salesstream.reports.app.Main} reads the
 * settings and the card-hash secret, configures the Kafka clients (security, exactly once, the
 * RocksDB memory cap), prepares the topics, runs Kafka Streams and prints the progress line with
 * the group's lag. Uses the three other packages; none of them uses this one.
 */
package local.salesstream.reports.app;
