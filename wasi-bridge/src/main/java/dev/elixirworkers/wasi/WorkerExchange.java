package dev.elixirworkers.wasi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One HTTP request through the worker: the response, how many rounds and needs it took, and the
 * effects to perform once the response has been sent ({@link #applyEffects()}, in order, once).
 */
public final class WorkerExchange {
  private final WorkerRequest request;
  private final WorkerResponse response;
  private final int rounds;
  private final int needs;
  private final List<JsonNode> effects;
  private final long nanos;
  private final WorkerBindings bindings;
  private final Consumer<String> log;
  private List<EffectFailure> failures;

  /**
   * An effect that could not be performed.
   *
   * @param index its position in the effects list, from 0
   * @param description its type, binding and key (never its value)
   * @param code the error code (docs/protocol.md)
   */
  public record EffectFailure(int index, String description, String code, String message) {}

  WorkerExchange(
      WorkerRequest request,
      WorkerResponse response,
      int rounds,
      int needs,
      List<JsonNode> effects,
      long nanos,
      WorkerBindings bindings,
      Consumer<String> log) {
    this.request = request;
    this.response = response;
    this.rounds = rounds;
    this.needs = needs;
    this.effects = List.copyOf(effects);
    this.nanos = nanos;
    this.bindings = bindings;
    this.log = log;
  }

  public WorkerRequest request() {
    return request;
  }

  public WorkerResponse response() {
    return response;
  }

  /** How many times the guest ran (0 when the request was refused before it ran). */
  public int rounds() {
    return rounds;
  }

  /** How many needs the guest asked for, over all rounds. */
  public int needs() {
    return needs;
  }

  /** The effects of the final response, as the guest wrote them. */
  public List<JsonNode> effects() {
    return effects;
  }

  /** Time from the start of the request to its response, effects not included. */
  public long nanos() {
    return nanos;
  }

  /**
   * Performs the effects in order; each one that fails is logged with this request and returned,
   * and the next ones still run. Only the first call does anything; later calls return the same
   * failures.
   */
  public synchronized List<EffectFailure> applyEffects() {
    if (failures != null) {
      return failures;
    }
    List<EffectFailure> failed = new ArrayList<>();
    for (int i = 0; i < effects.size(); i++) {
      JsonNode effect = effects.get(i);
      EffectFailure failure = null;
      try {
        bindings.apply(effect);
      } catch (BindingException e) {
        failure = new EffectFailure(i, describe(effect), e.code().json(), e.getMessage());
      } catch (RuntimeException e) {
        failure =
            new EffectFailure(
                i, describe(effect), BindingException.Code.INTERNAL.json(), e.toString());
      }
      if (failure != null) {
        failed.add(failure);
        try {
          log.accept(
              "effect "
                  + (i + 1)
                  + " of "
                  + effects.size()
                  + " ("
                  + failure.description()
                  + ") for "
                  + request.method()
                  + " "
                  + request.url()
                  + " failed: "
                  + failure.code()
                  + ": "
                  + failure.message());
        } catch (RuntimeException ignored) {
          // logging must not stop the remaining effects
        }
      }
    }
    failures = List.copyOf(failed);
    return failures;
  }

  /** {@code kv.put CACHE "key"}: type, binding and key, never the value. */
  static String describe(JsonNode effect) {
    if (effect == null || !effect.isObject()) {
      return String.valueOf(effect);
    }
    StringBuilder out = new StringBuilder(effect.path("type").asText("?"));
    if (effect.has("binding")) {
      out.append(' ').append(effect.path("binding").asText());
    }
    if (effect.has("key")) {
      String key = effect.path("key").asText();
      out.append(" \"").append(key.length() > 64 ? key.substring(0, 64) + "…" : key).append('"');
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return request.method()
        + " "
        + request.url()
        + " -> "
        + response.status()
        + " (rounds "
        + rounds
        + ", needs "
        + needs
        + ", effects "
        + effects.size()
        + ")";
  }
}
