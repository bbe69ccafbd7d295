package io.shardscore.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A float64 value travels in a batch as three floats and comes back bit for bit. */
class Float64CarryTest {
  private static double roundTrip(double v) {
    float[] out = new float[5];
    assertNull(InputType.carry(v, out, 1), "carries " + v);
    return InputType.carried(out, 1);
  }

  @Test
  void everyDoubleFromAbout1eMinus29ToFloatMaxComesBackBitForBit() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      // Random bits: every mantissa, exponents 2^-96 .. 2^127, both signs.
      long mantissa = random.nextLong() & 0x000F_FFFF_FFFF_FFFFL;
      long exponent = 1023 - 96 + random.nextInt(96 + 128);
      long sign = random.nextBoolean() ? Long.MIN_VALUE : 0;
      double v = Double.longBitsToDouble(sign | (exponent << 52) | mantissa);
      assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(roundTrip(v)), "value " + v);
    }
    for (double v : new double[] {0.0, -0.0, 1.0, 1e6 + 1e-7, Math.PI, -Double.MIN_NORMAL * 0}) {
      assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(roundTrip(v)), "" + v);
    }
    assertEquals(Float.MAX_VALUE, roundTrip(Float.MAX_VALUE));
  }

  @Test
  void valuesItCannotCarryAreNamedNeverRounded() {
    float[] out = new float[3];
    String huge = InputType.carry(1e300, out, 0);
    assertEquals(
        " value 1.0E300 is outside the range a float64 input carries (about ±3.4e38)", huge);
    String tiny = InputType.carry(1.2345678901234567e-40, out, 0);
    assertTrue(tiny != null && tiny.contains("cannot be carried exactly"), tiny);
    assertNull(InputType.carry(1e-40f, out, 0), "a float32 value of any size is carried");
  }
}
