package io.remotellm.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFileTest {

  @TempDir Path dir;

  @Test
  void aChangeIsOfferedOnceItReadsTheSameTwiceAndARefusedOneNotAgain() throws Exception {
    Path file = Files.writeString(dir.resolve("f.yaml"), "one");
    WatchedFile watched = new WatchedFile(file);
    assertThat(watched.look()).isInstanceOf(WatchedFile.Unchanged.class);
    assertThat(watched.look()).isInstanceOf(WatchedFile.Changed.class); // steady, not applied yet
    watched.applied();
    assertThat(watched.look()).isInstanceOf(WatchedFile.Unchanged.class);
    assertThat(watched.inForce()).isTrue();

    Files.writeString(file, "two");
    assertThat(watched.look()).as("half-written?").isInstanceOf(WatchedFile.Unchanged.class);
    assertThat(watched.inForce()).isFalse();
    assertThat(watched.look()).isInstanceOf(WatchedFile.Changed.class);
    watched.refused();
    assertThat(watched.look()).isInstanceOf(WatchedFile.Unchanged.class);
    assertThat(watched.look()).isInstanceOf(WatchedFile.Unchanged.class);

    Files.writeString(file, "one"); // back to what is in force
    assertThat(watched.look()).isInstanceOf(WatchedFile.Unchanged.class);
    assertThat(watched.inForce()).isTrue();
  }

  @Test
  void aMissingFileIsUnreadableAndSaysWhere() throws Exception {
    Path file = dir.resolve("gone.yaml");
    assertThat(new WatchedFile(file).look())
        .isEqualTo(new WatchedFile.Unreadable(file + " is not there"));
  }
}
