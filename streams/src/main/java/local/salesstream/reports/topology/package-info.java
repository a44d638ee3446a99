/**
 * The reports as a Kafka Streams topology
 * ({@link local.salesstream.reports.topology.ReportTopology}) and its processing steps: decode,
 * de-duplicate, partial sums; with the counters the steps keep for the progress line. Uses the
 * model and decode packages.
 */
package local.salesstream.reports.topology;
