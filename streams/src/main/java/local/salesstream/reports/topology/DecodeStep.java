package local.salesstream.reports.topology;

import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.decode.Sale;
import local.salesstream.reports.decode.SaleDecoder;
import local.salesstream.reports.model.SaleFact;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * First step of the reports: decodes each sales message and passes on its {@link SaleFact}
 * keyed by sale_id (a rejected message as a marker under the empty key). The card number and
 * email go no further than this step, and neither do the message's headers.
 */
final class DecodeStep implements Processor<byte[], byte[], String, SaleFact> {
  private final Hashing hashing;
  private final ProcessingStats stats;
  private ProcessorContext<String, SaleFact> context;

  /** A step hashing under the card-hash secret. */
  DecodeStep(Hashing hashing, ProcessingStats stats) {
    this.hashing = hashing;
    this.stats = stats;
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
      context.forward(new Record<>(sale.saleId(), SaleFact.of(sale, hashing), message.timestamp()));
    } else {
      stats.rejected.increment();
      context.forward(new Record<>("", SaleFact.REJECTED, message.timestamp()));
    }
  }
}
