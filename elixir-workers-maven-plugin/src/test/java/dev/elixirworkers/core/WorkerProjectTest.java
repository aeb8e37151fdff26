package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.vm.VmInput;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerProjectTest {
  static final Path BASE = Path.of("/projects/hello");

  static WorkerProject.Builder required() {
    return WorkerProject.builder()
        .baseDirectory(BASE)
        .elixirSources(BASE.resolve("lib"))
        .erlangSources(BASE.resolve("src"))
        .workDirectory(BASE.resolve("target/scratch"))
        .workerDirectory(BASE.resolve("target/out"))
        .startModule("HelloWorker")
        .cacheRoot(Path.of("/cache"))
        .workerName("hello");
  }

  @Test
  void eachNamedValueEndsUpInItsOwnField() {
    WorkerProject project = required().build();

    assertEquals(BASE, project.baseDirectory());
    assertEquals(BASE.resolve("lib"), project.elixirSources());
    assertEquals(BASE.resolve("src"), project.erlangSources());
    assertEquals(BASE.resolve("target/scratch"), project.workDirectory());
    assertEquals(BASE.resolve("target/out"), project.workerDirectory());
    assertEquals("HelloWorker", project.startModule());
    assertEquals(Path.of("/cache"), project.cacheRoot());
    assertEquals("hello", project.workerName());
  }

  @Test
  void unsetOptionalValuesAreThePinnedReleaseOnlineFromSourceWithASnapshot() {
    WorkerProject project = required().build();

    assertEquals(Optional.empty(), project.atomvmSource());
    assertEquals(AtomVmRelease.DEFAULT, project.release());
    assertEquals(false, project.offline());
    assertEquals(VmInput.SOURCE, project.vm());
    assertEquals(Optional.empty(), project.toolchainRoot());
    assertEquals(true, project.snapshot());
  }

  @Test
  void aMissingRequiredValueIsNamed() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> required().startModule(null).build());

    assertEquals("startModule", e.getMessage());
  }

  @Test
  void toBuilderKeepsEveryValueAndChangesOnlyWhatIsSet() {
    WorkerProject original =
        required()
            .atomvmSource(Optional.of(Path.of("/src/AtomVM")))
            .offline(true)
            .toolchainRoot(Optional.of(Path.of("/prefix")))
            .snapshot(false)
            .build();

    assertEquals(original, original.toBuilder().build());
    assertEquals(
        new WorkerProject(
            original.baseDirectory(),
            original.elixirSources(),
            original.erlangSources(),
            original.workDirectory(),
            original.workerDirectory(),
            "OtherWorker",
            original.atomvmSource(),
            original.release(),
            original.cacheRoot(),
            original.offline(),
            original.workerName(),
            original.vm(),
            original.toolchainRoot(),
            original.snapshot(),
            original.elixirStdlib()),
        original.toBuilder().startModule("OtherWorker").build());
  }
}
