package dev.elixirworkers.junit;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: injects a {@link TestWorker} (one per test class, closed after it) into test methods,
 * constructors and {@code @BeforeAll}/{@code @BeforeEach} methods, and empties its KV and D1 before
 * every test, so each test starts from fresh state (seed it in the test or in {@code @BeforeEach}).
 *
 * <pre>{@code
 * @ExtendWith(ElixirWorkerExtension.class)
 * class WorkerIT {
 *   @Test
 *   void home(TestWorker worker) {
 *     worker.get("/").send().assertOk().assertContentType("text/html");
 *   }
 * }
 * }</pre>
 *
 * <p>For another project directory or limits, register it with a factory: {@code @RegisterExtension
 * static ElixirWorkerExtension worker = new ElixirWorkerExtension(() ->
 * TestWorker.builder().projectDirectory(dir).build());}
 *
 * <p>Needs {@code junit-jupiter-api} on the test classpath (wasi-bridge declares it optional).
 */
public final class ElixirWorkerExtension implements ParameterResolver, BeforeEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ElixirWorkerExtension.class);

  private final Supplier<TestWorker> factory;

  /** The worker of the project in the working directory ({@link TestWorker#load()}). */
  public ElixirWorkerExtension() {
    this(TestWorker::load);
  }

  public ElixirWorkerExtension(Supplier<TestWorker> factory) {
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  /** The worker of the current test class, started on first use. */
  public TestWorker worker(ExtensionContext context) {
    ExtensionContext classContext = classContext(context);
    return classContext
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(Holder.class, k -> new Holder(factory.get()), Holder.class)
        .worker;
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    // the outermost class shares its worker with @Nested classes
    while (c.getParent().isPresent() && c.getParent().get().getTestClass().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Holder holder = classContext(context).getStore(NAMESPACE).get(Holder.class, Holder.class);
    if (holder != null) {
      holder.worker.resetState();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestWorker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    return worker(context);
  }

  /** Closes the worker when the class context ends. */
  private static final class Holder implements ExtensionContext.Store.CloseableResource {
    final TestWorker worker;

    Holder(TestWorker worker) {
      this.worker = worker;
    }

    @Override
    public void close() {
      worker.close();
    }
  }
}
