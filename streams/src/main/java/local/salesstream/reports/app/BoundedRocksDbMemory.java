package local.salesstream.reports.app;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Caps the native memory of every RocksDB store of this process together (REPORTS_MEMORY_MB):
 * one LRU block cache shared by all stores holds data blocks, index and filter blocks, and, via
 * a WriteBufferManager charged to the same cache, the write buffers (memtables, at most half
 * of the cap). Without it each store would take its own cache and buffers (about 50 MB
 * per store), which grows with the number of tasks. What the cap does not cover: RocksDB's
 * small per-store bookkeeping and iterators pinning blocks for a moment.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
  /** Config key (in the Streams properties) of the cap in bytes. */
  static final String MEMORY_BYTES_CONFIG = "sales.reports.rocksdb.memory.bytes";
  /** Share of the cache kept for index and filter blocks (high priority). */
  private static final double INDEX_FILTER_SHARE = 0.1;

  /** The sale-id store (topology's DeduplicateStep.STORE). */
  static final String SALE_IDS = "sale-ids";

  private static Cache cache;
  private static WriteBufferManager writeBuffers;
  private static long capacity;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    long bytes = Long.parseLong(String.valueOf(configs.get(MEMORY_BYTES_CONFIG)));
    synchronized (BoundedRocksDbMemory.class) {
      if (cache == null || capacity != bytes) {
        // One cache for the process' life; stores of every task and thread share it.
        cache = new LRUCache(bytes, -1, false, INDEX_FILTER_SHARE);
        writeBuffers = new WriteBufferManager(bytes / 2, cache);
        capacity = bytes;
      }
    }
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(writeBuffers);
    // A write buffer grows in arena blocks (by default 1/8 of its size), and the manager counts
    // whole blocks: with 18 stores (3 per partition) one block each must stay well below the
    // manager's budget, or it would flush a store on almost every write (thousands of tiny
    // files). Small buffers and blocks keep each store's share small.
    long writeBufferSize = Math.min(8L << 20, bytes / 16);
    options.setWriteBufferSize(writeBufferSize);
    options.setArenaBlockSize(Math.max(64L << 10, writeBufferSize / 16));
    options.setMaxWriteBufferNumber(2);
    if (SALE_IDS.equals(storeName)) {
      // Almost every look-up here is of a new sale id, a miss: Kafka Streams' default
      // (optimize_filters_for_hits) leaves the last level without bloom filters, so a miss read
      // its index and a data block; filters on every level, and a whole-key bloom filter in the
      // memtables (from the write buffers' own memory, so inside the cap), answer it at once.
      options.setOptimizeFiltersForHits(false);
      options.setMemtablePrefixBloomSizeRatio(0.05);
      options.setMemtableWholeKeyFiltering(true);
    }
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and write buffer manager are shared by every store and live as long as the
    // process: closing them with one store would break the others.
  }
}
