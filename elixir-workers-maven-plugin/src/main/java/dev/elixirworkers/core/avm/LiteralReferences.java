package dev.elixirworkers.core.avm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * What a module's literal table refers to. Atoms inside literals ({@code [Foo.A, Foo.B]}, a
 * struct's {@code __struct__}) are encoded in the external term format and are not in the atom
 * table, and an external fun literal ({@code &Foo.bar/1}) names a module without an import entry.
 *
 * @param atoms every atom found in a literal, sorted, except the module and function of an external
 *     fun (those are in {@code funs})
 * @param funModules the modules of external fun literals ({@code EXPORT_EXT}), sorted
 * @param funs the external fun literals as {@code module:function/arity}, sorted (those whose
 *     function and arity are an atom and an integer)
 */
public record LiteralReferences(Set<String> atoms, Set<String> funModules, Set<String> funs) {

  static final LiteralReferences NONE = new LiteralReferences(Set.of(), Set.of(), Set.of());

  public LiteralReferences {
    atoms = Collections.unmodifiableSet(new TreeSet<>(atoms));
    funModules = Collections.unmodifiableSet(new TreeSet<>(funModules));
    funs = Collections.unmodifiableSet(new TreeSet<>(funs));
  }

  /**
   * Scans a literal table ({@code LitU} layout: count, then size-prefixed terms each starting with
   * the version byte 131). A term this scanner cannot decode is skipped; it only ever makes the
   * tree-shaker keep fewer modules, and {@code extraModules} covers that.
   */
  static LiteralReferences scan(byte[] table, String origin) {
    Scanner all = new Scanner();
    forEachTerm(table, origin, term -> all.scan(term));
    return all.references();
  }

  /**
   * The references of each literal of the table, by literal index (what a {@code Code} chunk's
   * literal operands count). A literal that cannot be decoded, or that holds a local fun ({@code
   * NEW_FUN_EXT}: which function it runs is not followed), gets {@code null}: who uses it must
   * assume it could reach anything.
   */
  static List<LiteralReferences> scanEach(byte[] table, String origin) {
    List<LiteralReferences> result = new ArrayList<>();
    forEachTerm(
        table,
        origin,
        term -> {
          Scanner one = new Scanner();
          result.add(one.scan(term) && !one.localFun ? one.references() : null);
        });
    return result;
  }

  private static void forEachTerm(byte[] table, String origin, Consumer<ByteBuffer> visitor) {
    ByteBuffer in = ByteBuffer.wrap(table);
    try {
      int count = in.getInt();
      for (int i = 0; i < count; i++) {
        int size = in.getInt();
        int start = in.position();
        visitor.accept(ByteBuffer.wrap(table, start, size).slice());
        in.position(start + size);
      }
    } catch (RuntimeException e) {
      throw new BeamFormatException(origin + ": damaged literal table", e);
    }
  }

  private static final class Scanner {
    private final Set<String> atoms = new TreeSet<>();
    private final Set<String> funModules = new TreeSet<>();
    private final Set<String> funs = new TreeSet<>();
    private boolean collect = true;
    private boolean localFun;

    /** Scans one literal (version byte, then a term); false when it could not be decoded. */
    boolean scan(ByteBuffer literal) {
      collect = true;
      try {
        if (Byte.toUnsignedInt(literal.get()) != 131) {
          return false;
        }
        term(literal);
        return true;
      } catch (RuntimeException | DataFormatException e) {
        return false; // undecodable term: skipped, see scan()
      }
    }

    LiteralReferences references() {
      return new LiteralReferences(atoms, funModules, funs);
    }

    /** Reads one term; returns the atom's text when the term is an atom, else null. */
    String term(ByteBuffer in) throws DataFormatException {
      int tag = Byte.toUnsignedInt(in.get());
      switch (tag) {
        case 70 -> skip(in, 8); // NEW_FLOAT_EXT
        case 77 -> { // BIT_BINARY_EXT
          int length = in.getInt();
          skip(in, 1 + length);
        }
        case 88 -> { // NEW_PID_EXT
          term(in);
          skip(in, 12);
        }
        case 89 -> { // NEW_PORT_EXT
          term(in);
          skip(in, 8);
        }
        case 90, 114 -> { // NEWER_REFERENCE_EXT, NEW_REFERENCE_EXT
          int words = Short.toUnsignedInt(in.getShort());
          term(in);
          skip(in, (tag == 90 ? 4 : 1) + 4 * words);
        }
        case 97 -> skip(in, 1); // SMALL_INTEGER_EXT
        case 98 -> skip(in, 4); // INTEGER_EXT
        case 99 -> skip(in, 31); // FLOAT_EXT
        case 100, 118 -> { // ATOM_EXT (latin-1), ATOM_UTF8_EXT
          return atom(in, Short.toUnsignedInt(in.getShort()), tag == 118);
        }
        case 115, 119 -> { // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT
          return atom(in, Byte.toUnsignedInt(in.get()), tag == 119);
        }
        case 101 -> { // REFERENCE_EXT
          term(in);
          skip(in, 5);
        }
        case 102 -> { // PORT_EXT
          term(in);
          skip(in, 5);
        }
        case 103 -> { // PID_EXT
          term(in);
          skip(in, 9);
        }
        case 120 -> { // V4_PORT_EXT
          term(in);
          skip(in, 12);
        }
        case 104 -> elements(in, Byte.toUnsignedInt(in.get())); // SMALL_TUPLE_EXT
        case 105 -> elements(in, in.getInt()); // LARGE_TUPLE_EXT
        case 106 -> {} // NIL_EXT
        case 107 -> skip(in, Short.toUnsignedInt(in.getShort())); // STRING_EXT
        case 108 -> elements(in, in.getInt() + 1); // LIST_EXT: elements, then tail
        case 109 -> skip(in, in.getInt()); // BINARY_EXT
        case 110 -> skip(in, 1 + Byte.toUnsignedInt(in.get())); // SMALL_BIG_EXT
        case 111 -> skip(in, 1 + in.getInt()); // LARGE_BIG_EXT
        case 112 -> { // NEW_FUN_EXT: size includes itself
          localFun = true;
          skip(in, in.getInt() - 4);
        }
        case 113 -> { // EXPORT_EXT: Module, Function, Arity
          // The fun's own atoms are not collected: they name what it calls, in funs.
          boolean collecting = collect;
          collect = false;
          String module = term(in);
          String function = term(in);
          int arity =
              in.get(in.position()) == 97 ? Byte.toUnsignedInt(in.get(in.position() + 1)) : -1;
          term(in);
          collect = collecting;
          if (module != null) {
            funModules.add(module);
            if (function != null && arity >= 0) {
              funs.add(module + ":" + function + "/" + arity);
            }
          }
        }
        case 116 -> elements(in, 2 * in.getInt()); // MAP_EXT
        case 80 -> { // compressed term
          int size = in.getInt();
          byte[] compressed = new byte[in.remaining()];
          in.get(compressed);
          Inflater inflater = new Inflater();
          try {
            inflater.setInput(compressed);
            byte[] out = new byte[size];
            int n = inflater.inflate(out);
            return term(ByteBuffer.wrap(out, 0, n));
          } finally {
            inflater.end();
          }
        }
        default -> throw new IllegalArgumentException("unsupported external term tag " + tag);
      }
      return null;
    }

    private void elements(ByteBuffer in, int count) throws DataFormatException {
      for (int i = 0; i < count; i++) {
        term(in);
      }
    }

    private String atom(ByteBuffer in, int length, boolean utf8) {
      byte[] bytes = new byte[length];
      in.get(bytes);
      String atom = new String(bytes, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      if (collect) {
        atoms.add(atom);
      }
      return atom;
    }

    private static void skip(ByteBuffer in, int n) {
      if (n < 0 || n > in.remaining()) {
        throw new IllegalArgumentException("term runs past its end");
      }
      in.position(in.position() + n);
    }
  }
}
