package local.salesstream.reports.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A row's sums: the latest partial of each partition, changes added. */
class RowSumsTest {
  @Test
  void rowSumsReplacePartialsAndAddChanges() {
    RowSums row = RowSums.EMPTY
        .with(new Partial(0, Sums.sale(10, 1, ""), false))
        .with(new Partial(1, Sums.sale(20, 2, ""), false))
        .with(new Partial(0, Sums.sale(15, 1, ""), false));
    assertEquals(35, row.total().revenue().longValue());
    RowSums customer = RowSums.EMPTY.with(Partial.change(Sums.sale(10, 1, "m")))
        .with(Partial.change(Sums.sale(5, 1, "m")));
    assertEquals(2, customer.total().count());
    assertEquals("m", customer.total().label());
    assertEquals(customer, RowSums.SERDE.deserializer().deserialize("t",
        RowSums.SERDE.serializer().serialize("t", customer)));
  }
}
