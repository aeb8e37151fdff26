package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CompactTermsTest {

  @Test
  void aValueWrittenIsReadBackAtEverySize() {
    for (long value : new long[] {0, 15, 16, 2047, 2048, 32767, 32768, 1 << 20, 1L << 40}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CompactTerms.encode(out, CompactTerms.TAG_F, value);
      ByteBuffer in = ByteBuffer.wrap(out.toByteArray());
      int b = Byte.toUnsignedInt(in.get());
      assertEquals(CompactTerms.TAG_F, b & 7);
      assertEquals(value, CompactTerms.value(in, b), "value " + value);
      assertFalse(in.hasRemaining(), "value " + value);
    }
  }

  @Test
  void theCompilersEncodingsAreRead() {
    // {f,1}: one byte; {u,300}: two bytes; {i,-1}: 0x1f 0xff (two's complement, 2 bytes)
    assertEquals(1, CompactTerms.value(ByteBuffer.wrap(new byte[0]), 0x15));
    assertEquals(300, CompactTerms.untagged(ByteBuffer.wrap(new byte[] {0x28, 0x2c})));
    ByteBuffer negative = ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff});
    assertEquals(-1, CompactTerms.signedValue(negative, 0x19));
    assertEquals(
        65535,
        CompactTerms.value(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff}), 0x19),
        "unsigned read of the same bytes");
  }

  @Test
  void aBignumIsSkippedWhole() {
    // 9 value bytes: first byte 0xff with tag i, then the count 9-9=0 as {u,0}, then 9 bytes
    byte[] bytes = {0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x42};
    ByteBuffer in = ByteBuffer.wrap(bytes);
    assertEquals(CompactTerms.BIGNUM, CompactTerms.value(in, 0xf9));
    assertEquals(0x42, in.get());
  }

  @Test
  void skipReadsPastExtendedForms() {
    // a list of two operands ({x,1}, {f,2}) then a literal index 3 then a marker
    byte[] bytes = {0x17, 0x20, 0x13, 0x25, 0x47, 0x30, 0x42};
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CompactTerms.skip(in);
    CompactTerms.skip(in);
    assertArrayEquals(new byte[] {0x42}, new byte[] {in.get()});
  }
}
