package io.remotellm.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EnvFileTest {

  @Test
  void valuesAreSingleQuotedAndAQuoteIsWrittenTheOneWayBashAndSystemdAgreeOn() {
    String text = new EnvFile("test").set("A", "it's #1 & \"$HOME\" `id`").toString();
    assertThat(text).endsWith("A='it'\"'\"'s #1 & \"$HOME\" `id`'\n");
    assertThat(text.lines().filter(l -> !l.startsWith("#"))).hasSize(1);
  }

  @Test
  void aControlCharacterIsRefusedNamingTheVariableNotTheValue() {
    assertThatThrownBy(() -> new EnvFile("test").set("SECRET", "sk-mark\nnext"))
        .isInstanceOf(EnvFile.ValueException.class)
        .hasMessageContaining("SECRET")
        .hasMessageContaining("line break")
        .hasMessageNotContaining("sk-mark");
  }

  @Test
  void examplesAreComments() {
    assertThat(new EnvFile("test").example("B", "600", "default").toString())
        .endsWith("# B='600'   (default)\n");
  }

  /** Bash reads back exactly what was written; systemd's parser is checked by the deploy ITs. */
  @Test
  void bashReadsBackEveryValue() throws Exception {
    List<String> values =
        List.of("plain", "with spaces ", "it's", "\"dq\"", "$HOME ${PATH} $(id) `id`", "#h & ;|\\");
    EnvFile file = new EnvFile("test");
    for (int i = 0; i < values.size(); i++) {
      file.set("V" + i, values.get(i));
    }
    StringBuilder script = new StringBuilder(file.toString());
    for (int i = 0; i < values.size(); i++) {
      script.append("printf '%s\\0' \"$V").append(i).append("\"\n");
    }
    Process bash = new ProcessBuilder("bash", "-c", script.toString()).start();
    byte[] out = bash.getInputStream().readAllBytes();
    assertThat(bash.waitFor(10, TimeUnit.SECONDS)).isTrue();
    List<String> read = new ArrayList<>(List.of(new String(out, "UTF-8").split("\0", -1)));
    read.remove(read.size() - 1);
    assertThat(read).isEqualTo(values);
  }
}
