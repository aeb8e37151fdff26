package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.elixirworkers.core.beam.ExternalTerms.Atom;
import dev.elixirworkers.core.beam.ExternalTerms.ExportFun;
import dev.elixirworkers.core.beam.ExternalTerms.ImproperList;
import dev.elixirworkers.core.beam.ExternalTerms.LocalFun;
import dev.elixirworkers.core.beam.ExternalTerms.Opaque;
import dev.elixirworkers.core.beam.ExternalTerms.Tuple;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Terms written by the Erlang VM's own term_to_binary, read back. */
class ExternalTermsTest {

  /** term_to_binary of each expression, with {@code options}. */
  private static List<byte[]> encoded(String options, String... expressions) throws Exception {
    String output =
        Fixtures.erl(
            "[io:format(\"~w~n\", [binary_to_list(term_to_binary(T, ["
                + options
                + "]))]) || T <- ["
                + String.join(", ", expressions)
                + "]], halt().");
    List<byte[]> terms = new ArrayList<>();
    for (String line : output.trim().split("\n")) {
      String[] numbers = line.substring(1, line.length() - 1).split(",");
      byte[] bytes = new byte[numbers.length];
      for (int i = 0; i < numbers.length; i++) {
        bytes[i] = (byte) Integer.parseInt(numbers[i]);
      }
      terms.add(bytes);
    }
    assertEquals(expressions.length, terms.size(), output);
    return terms;
  }

  private static List<Object> decoded(String options, String... expressions) throws Exception {
    return encoded(options, expressions).stream().map(ExternalTerms::decode).toList();
  }

  /** {@code term} as the Erlang VM's binary_to_term reads it, printed with ~w. */
  private static String readByErlang(byte[] term) throws Exception {
    StringBuilder list = new StringBuilder();
    for (byte b : term) {
      list.append(list.length() == 0 ? "" : ",").append(Byte.toUnsignedInt(b));
    }
    return Fixtures.erl(
            "io:format(\"~w\", [binary_to_term(list_to_binary([" + list + "]))]), halt().")
        .trim();
  }

  @Test
  void exportFunsAreRepointedWhereverTheyAreAndEverythingElseIsKept() throws Exception {
    String term =
        "{[fun lib:unused/0, 1.5, <<\"bin\">> | fun lib:used/0],"
            + " #{fun lib:unused/0 => [fun lib:unused/0]}, \"abc\", 'ünï', fun lists:map/2}";
    byte[] original = encoded("", term).get(0);

    byte[] rewritten =
        ExternalTerms.withExportFunsReplaced(
            original, mfa -> mfa.equals("lib:unused/0") ? "better_lib:unused_too/0" : null);

    assertEquals(
        Fixtures.erl(
                "io:format(\"~w\", ["
                    + term.replace("lib:unused/0", "better_lib:unused_too/0")
                    + "]), halt().")
            .trim(),
        readByErlang(rewritten));
  }

  @Test
  void aTermWithoutReplacedFunsIsReturnedAsItWas() throws Exception {
    byte[] original = encoded("", "{fun lib:used/0, [1, 2 | 3], #{a => \"b\"}}").get(0);

    assertSame(original, ExternalTerms.withExportFunsReplaced(original, mfa -> null));
    assertSame(
        original,
        ExternalTerms.withExportFunsReplaced(
            original, mfa -> mfa.equals("lib:unused/0") ? "x:y/0" : null));
  }

  @Test
  void numbersAtomsAndContainersAreReadAsJavaValues() throws Exception {
    List<Object> terms =
        decoded(
            "",
            "{ok, 'Elixir.Foo', 'ünïcode'}",
            "[1, -300, 70000, 12345678901234567890, -12345678901234567890]",
            "1.5",
            "[1, 2 | tail]",
            "\"abc\"",
            "<<\"bin\">>",
            "#{key => [], 1 => {}}");
    assertEquals(
        new Tuple(List.of(new Atom("ok"), new Atom("Elixir.Foo"), new Atom("ünïcode"))),
        terms.get(0));
    assertEquals(
        List.of(
            1L,
            -300L,
            70000L,
            new BigInteger("12345678901234567890"),
            new BigInteger("-12345678901234567890")),
        terms.get(1));
    assertEquals(1.5, terms.get(2));
    assertEquals(new ImproperList(List.of(1L, 2L), new Atom("tail")), terms.get(3));
    assertEquals(List.of(97L, 98L, 99L), terms.get(4), "STRING_EXT: a list of character codes");
    assertEquals("abc", ExternalTerms.text(terms.get(4)));
    assertArrayEquals("bin".getBytes(StandardCharsets.UTF_8), (byte[]) terms.get(5));
    assertEquals(Map.of(new Atom("key"), List.of(), 1L, new Tuple(List.of())), terms.get(6));
  }

  @Test
  void funsPidsAndReferencesKeepWhatNamesCode() throws Exception {
    List<Object> terms = decoded("", "fun lists:map/2", "fun() -> ok end", "self()", "make_ref()");
    assertEquals(new ExportFun(new Atom("lists"), new Atom("map"), 2L), terms.get(0));
    assertInstanceOf(LocalFun.class, terms.get(1));
    assertEquals(new Atom("nonode@nohost"), ((Opaque) terms.get(2)).node());
    assertEquals(new Atom("nonode@nohost"), ((Opaque) terms.get(3)).node());
  }

  @Test
  void aCompressedTermIsInflated() throws Exception {
    Object term = decoded("compressed", "lists:duplicate(100, {a, b})").get(0);
    assertEquals(100, ((List<?>) term).size());
  }

  @Test
  void forEachVisitsEveryTermButThePartsOfFuns() throws Exception {
    Object term = decoded("", "{a, [b | c], #{d => e}, fun f:g/0, self()}").get(0);
    List<Object> atoms = new ArrayList<>();
    ExternalTerms.forEach(
        term,
        t -> {
          if (t instanceof Atom atom) {
            atoms.add(atom.name());
          }
        });
    assertEquals(List.of("a", "b", "c", "d", "e", "nonode@nohost"), atoms);
  }

  @Test
  void somethingElseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ExternalTerms.decode(new byte[] {1, 2}));
    assertThrows(
        IllegalArgumentException.class, () -> ExternalTerms.decode(new byte[] {(byte) 131, 1}));
  }
}
