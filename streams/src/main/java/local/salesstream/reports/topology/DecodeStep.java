package local.salesstream.reports.topology;

import java.nio.charset.StandardCharsets;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.decode.Sale;
import local.salesstream.reports.decode.SaleDecoder;
import local.salesstream.reports.model.SaleFact;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First step of the reports: decodes each sales message and passes on its {@link SaleFact}
 * keyed by sale_id (a rejected message as a marker under the empty key). The card number and
 * email go no further than this step, and neither do the message's headers.
 *
 * <p>A sale id is de-duplicated by the task of partition {@code murmur2(sale_id) % partitions}
 * of the sales-by-id topic (the partition Kafka's default partitioner gives the key). A sale
 * read from the sales partition of that number is already there, and goes on to the
 * de-duplication at once ({@link ReportTopology#HERE}); any other sale is written to the
 * sales-by-id topic ({@link ReportTopology#TO_SALES_BY_ID}), whose partition brings it to the
 * right task. Only the sale id decides, never the message's key or partition alone: a producer
 * that keys by sale id with Kafka's partitioner (as this project's does) saves the detour, any
 * other is counted just as right. A rejected message is counted where it is read.
 */
final class DecodeStep implements Processor<byte[], byte[], String, SaleFact> {
  private final Hashing hashing;
  private final ProcessingStats stats;
  private final int byIdPartitions;
  private ProcessorContext<String, SaleFact> context;

  /** A step hashing under the card-hash secret; the sales-by-id topic has byIdPartitions. */
  DecodeStep(Hashing hashing, ProcessingStats stats, int byIdPartitions) {
    this.hashing = hashing;
    this.stats = stats;
    this.byIdPartitions = byIdPartitions;
  }

  /** The sales-by-id partition, so the task, that de-duplicates the sale id. */
  static int partitionOf(String saleId, int partitions) {
    return Utils.toPositive(Utils.murmur2(saleId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  @Override
  public void init(ProcessorContext<String, SaleFact> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> message) {
    stats.messages.increment();
    SaleDecoder.Result result = SaleDecoder.decode(message.value());
    if (result instanceof SaleDecoder.Accepted accepted) {
      Sale sale = accepted.sale();
      int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
      boolean here = partition == partitionOf(sale.saleId(), byIdPartitions);
      if (!here) stats.moved.increment();
      context.forward(new Record<>(sale.saleId(), SaleFact.of(sale, hashing), message.timestamp()),
          here ? ReportTopology.HERE : ReportTopology.TO_SALES_BY_ID);
    } else {
      stats.rejected.increment();
      context.forward(new Record<>("", SaleFact.REJECTED, message.timestamp()),
          ReportTopology.HERE);
    }
  }
}
