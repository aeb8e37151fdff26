package dev.elixirworkers.wasi.bindings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;

/**
 * What the host gives a worker besides the request (docs/protocol.md): its env (plain variables and
 * secrets), its declared bindings, and the means to fulfil needs and perform effects on them.
 */
public interface WorkerBindings {
  /** Plain variables and secrets, name to value. */
  Map<String, String> env();

  /** Declared bindings, name to type ({@code "kv"} or {@code "d1"}). */
  Map<String, String> types();

  /**
   * Fulfils one need: {@code {"ok": value}} or {@code {"error": {"code": …, "message": …}}}. Guest
   * mistakes (an undeclared binding, a missing field, bad SQL) are error results, never exceptions.
   */
  ObjectNode fulfil(ObjectNode need);

  /**
   * As {@link #fulfil(ObjectNode)}, for a request with {@code timeLeft} of its time limit: a need
   * that would take longer (a D1 query) is stopped and answered with an error.
   */
  default ObjectNode fulfil(ObjectNode need, Duration timeLeft) {
    return fulfil(need);
  }

  /**
   * Performs one effect.
   *
   * @throws BindingException when it cannot be performed; the host logs it with its request
   */
  void apply(JsonNode effect) throws BindingException;

  /** A worker without env or bindings: every need is an {@code undeclared_binding} error. */
  static WorkerBindings none() {
    return new WorkerBindings() {
      @Override
      public Map<String, String> env() {
        return Map.of();
      }

      @Override
      public Map<String, String> types() {
        return Map.of();
      }

      @Override
      public ObjectNode fulfil(ObjectNode need) {
        return error(
            BindingException.Code.UNDECLARED_BINDING,
            "the worker declares no bindings, so there is no " + need.path("binding"));
      }

      @Override
      public void apply(JsonNode effect) throws BindingException {
        throw new BindingException(
            BindingException.Code.UNDECLARED_BINDING,
            "the worker declares no bindings, so there is no " + effect.path("binding"));
      }
    };
  }

  /** {@code {"ok": value}} */
  static ObjectNode ok(JsonNode value) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    result.set("ok", value == null ? JsonNodeFactory.instance.nullNode() : value);
    return result;
  }

  /** {@code {"error": {"code": …, "message": …}}} */
  static ObjectNode error(BindingException.Code code, String message) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    ObjectNode error = result.putObject("error");
    error.put("code", code.json());
    error.put("message", message);
    return result;
  }
}
