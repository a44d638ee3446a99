import assert from "node:assert/strict";
import {
  average,
  centsToDecimal,
  compareMoney,
  decimalToCents,
  formatCount,
  formatMoney,
  money,
  percent,
  subtractMoney,
} from "../../lib/core/money.ts";

Deno.test("centsToDecimal() and decimalToCents() convert exactly both ways, signs and single decimals included", () => {
  assert.equal(centsToDecimal(123405), "1234.05");
  assert.equal(decimalToCents("1234.5"), 123450n);
  assert.equal(centsToDecimal(0), "0.00");
  assert.equal(centsToDecimal(5n), "0.05");
  assert.equal(centsToDecimal(-5), "-0.05");
  assert.equal(centsToDecimal(-123405n), "-1234.05");
  assert.equal(centsToDecimal(99999999999999n), "999999999999.99");
  assert.equal(decimalToCents("0.05"), 5n);
  assert.equal(decimalToCents("-0.05"), -5n);
  assert.equal(decimalToCents("12"), 1200n);
  assert.equal(decimalToCents(" 7.10 "), 710n);
  assert.equal(decimalToCents("999999999999.99"), 99999999999999n);
  // Far beyond a double's exact range, still exact.
  assert.equal(decimalToCents("90071992547409931.07"), 9007199254740993107n);
  assert.equal(centsToDecimal(9007199254740993107n), "90071992547409931.07");
  for (let i = 0; i < 2000; i++) {
    const cents = BigInt(Math.floor((Math.random() - 0.5) * 2e12));
    assert.equal(decimalToCents(centsToDecimal(cents)), cents, String(cents));
  }
});

Deno.test("decimalToCents() refuses text that is not an amount with at most two decimals", () => {
  for (const text of ["", "abc", "1.234", "1.", ".5", "1e3", "1,5", "+1", "--1", "NaN"]) {
    assert.throws(() => decimalToCents(text), RangeError, JSON.stringify(text));
  }
  assert.throws(() => decimalToCents("1.234"), /not a money amount: 1\.234/);
});

Deno.test("money(), subtractMoney() and compareMoney() work on exact cents", () => {
  assert.equal(money("12.5"), "12.50");
  assert.equal(money("-0.1"), "-0.10");
  assert.equal(money("007"), "7.00");
  assert.equal(subtractMoney("10.00", "0.01"), "9.99");
  assert.equal(subtractMoney("0.01", "10"), "-9.99");
  // 0.1 + 0.2 is not 0.3 in floating point; in cents it is.
  assert.equal(subtractMoney("0.30", "0.10"), "0.20");
  assert.equal(compareMoney("10.5", "10.50"), 0);
  assert.equal(compareMoney("0.01", "0.02"), -1);
  assert.equal(compareMoney("-1", "-2"), 1);
  assert.equal(compareMoney("100", "99.99"), 1);
  assert.equal(compareMoney("90071992547409931.07", "90071992547409931.06"), 1);
});

Deno.test("percent() and average() round half away from zero, and give 0.00 for nothing to divide by", () => {
  assert.equal(percent("1", "3"), "33.33");
  assert.equal(percent("2", "3"), "66.67");
  assert.equal(percent("1", "8"), "12.50");
  assert.equal(percent("0.01", "200"), "0.01"); // exactly 0.005 %: half rounds up
  assert.equal(percent("-0.01", "200"), "-0.01"); // and away from zero below it
  assert.equal(percent("-1", "3"), "-33.33");
  assert.equal(percent("1", "0"), "0.00");
  assert.equal(average("10.00", 3), "3.33");
  assert.equal(average("0.05", 2), "0.03");
  assert.equal(average("-0.05", 2), "-0.03");
  assert.equal(average("20.00", "4"), "5.00");
  assert.equal(average("1", 0), "0.00");
});

Deno.test("formatMoney() and formatCount() group thousands and keep the sign in front", () => {
  assert.equal(formatMoney("1234.5"), "$1,234.50");
  assert.equal(formatMoney("-1234567.89"), "-$1,234,567.89");
  assert.equal(formatMoney("0"), "$0.00");
  assert.equal(formatMoney("999999999.99"), "$999,999,999.99");
  assert.equal(formatMoney("100"), "$100.00");
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount("-1000"), "-1,000");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount("0"), "0");
});
