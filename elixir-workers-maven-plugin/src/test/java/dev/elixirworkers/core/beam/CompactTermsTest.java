package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.Operand.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactTermsTest {

  private static Operand read(int... bytes) {
    byte[] array = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      array[i] = (byte) bytes[i];
    }
    ByteBuffer in = ByteBuffer.wrap(array);
    Operand operand = CompactTerms.read(in);
    assertFalse(in.hasRemaining(), "read to the end: " + operand);
    assertEquals(array.length, operand.end());
    return operand;
  }

  @Test
  void aValueWrittenIsReadBackAtEverySize() {
    for (long value : new long[] {0, 15, 16, 2047, 2048, 32767, 32768, 1 << 20, 1L << 40}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CompactTerms.write(out, Kind.LABEL, value);
      ByteBuffer in = ByteBuffer.wrap(out.toByteArray());
      Operand operand = CompactTerms.read(in);
      assertEquals(Kind.LABEL, operand.kind());
      assertEquals(value, operand.value(), "value " + value);
      assertFalse(in.hasRemaining(), "value " + value);
    }
  }

  @Test
  void theCompilersEncodingsAreRead() {
    // {f,1}: one byte; {u,300}: two bytes; {i,-1}: 0x19 0xff 0xff (two's complement, 2 bytes)
    assertEquals(new Operand(Kind.LABEL, 1, List.of(), 0, 1), read(0x15));
    assertEquals(300, read(0x28, 0x2c).value());
    assertEquals(Kind.UNSIGNED, read(0x28, 0x2c).kind());
    assertEquals(-1, read(0x19, 0xff, 0xff).value());
    assertEquals(65535, read(0x18, 0xff, 0xff).value(), "the same bytes as a u operand");
    assertEquals(Kind.X_REGISTER, read(0x13).kind());
    assertEquals(Kind.Y_REGISTER, read(0x24).kind());
    assertEquals(Kind.CHARACTER, read(0x46).kind());
    assertTrue(read(0x02).kind() == Kind.ATOM && !read(0x02).isAtom(), "atom 0 is []");
  }

  @Test
  void aBignumIsReadPastWhole() {
    // 9 value bytes: first byte 0xf9 (tag i, size in the next operand), the count 9-9=0 as {u,0}
    Operand big = read(0xf9, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertTrue(big.isBignum());
    assertFalse(read(0xd9, 1, 2, 3, 4, 5, 6, 7, 8).isBignum(), "8 bytes fit in a long");
  }

  @Test
  void extendedFormsHoldTheirOperands() {
    // a list of two operands ({x,1}, {f,2}); a literal; a typed register {x,0} of type 3;
    // an allocation list with one pair (words, 5); a floating-point register
    Operand list = read(0x17, 0x20, 0x13, 0x25);
    assertEquals(Kind.LIST, list.kind());
    assertEquals(2, list.value());
    assertEquals(
        List.of(Kind.X_REGISTER, Kind.LABEL), list.elements().stream().map(Operand::kind).toList());
    assertEquals(2, list.elements().get(1).value());
    assertEquals(3, list.elements().get(1).start(), "positions are the buffer's");

    Operand literal = read(0x47, 0x30);
    assertEquals(Kind.LITERAL, literal.kind());
    assertEquals(3, literal.value());

    Operand typed = read(0x57, 0x03, 0x30);
    assertEquals(Kind.TYPED_REGISTER, typed.kind());
    assertEquals(3, typed.value());
    assertEquals(Kind.X_REGISTER, typed.elements().get(0).kind());

    Operand alloc = read(0x37, 0x10, 0x00, 0x50);
    assertEquals(Kind.ALLOCATION_LIST, alloc.kind());
    assertEquals(List.of(0L, 5L), alloc.elements().stream().map(Operand::value).toList());

    assertEquals(Kind.FLOAT_REGISTER, read(0x27, 0x10).kind());
  }

  @Test
  void anUnknownExtendedTagIsRefused() {
    assertThrows(IllegalStateException.class, () -> read(0x67));
  }
}
