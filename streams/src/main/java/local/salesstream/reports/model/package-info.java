/**
 * What travels between the steps and what the stores keep: the six reports and their published
 * JSON, report keys, a sale's facts, sums and partial sums, and the binary serdes of the internal
 * topics and stores. Uses the decode package (a decoded sale, the hashes, text as JavaScript writes
 * it).
 */
package local.salesstream.reports.model;
