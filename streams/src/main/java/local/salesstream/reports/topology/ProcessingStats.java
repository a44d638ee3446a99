package local.salesstream.reports.topology;

import java.util.concurrent.atomic.LongAdder;

/**
 * What this instance's stream threads have processed since it started, for the progress line.
 * Work redone after an aborted transaction is counted again, so these are not the reports'
 * figures (those are on the report topics).
 */
public final class ProcessingStats {
  /** Messages read from the sales topic. */
  public final LongAdder messages = new LongAdder();
  /** Sales written to the sales-by-id topic to reach their sale id's task. */
  public final LongAdder moved = new LongAdder();
  /** Messages decode() rejected. */
  public final LongAdder rejected = new LongAdder();
  /** Sales counted for the first time. */
  public final LongAdder counted = new LongAdder();
  /** Sales seen before with the same content. */
  public final LongAdder duplicates = new LongAdder();
  /** Sales seen before with other content. */
  public final LongAdder conflicts = new LongAdder();
  /**
   * Report rows of this instance's tasks summed but not yet passed on (PartialSumStep): the
   * reports are complete only when these are zero as well as the lag.
   */
  public final LongAdder pendingRows = new LongAdder();
}
