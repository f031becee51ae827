package io.remotellm.st.apis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's {@code bash} blocks that a sentence right before them says are run by {@code
 * ApiClientsIT}: the script, and what its output must show, taken from the block's {@code # ...}
 * comments after a command (fragments separated by {@code ...}, in order).
 */
final class ReadmeBlocks {

  record Block(String script, List<String> expected) {}

  private static final String MARK = "is run by `ApiClientsIT`";

  private ReadmeBlocks() {}

  static List<Block> runnable(Path readme) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    List<Block> blocks = new ArrayList<>();
    boolean marked = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.contains(MARK)) {
        marked = true;
      } else if (marked && line.strip().equals("```bash")) {
        StringBuilder script = new StringBuilder();
        List<String> expected = new ArrayList<>();
        boolean afterCommand = false;
        for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
          String l = lines.get(i);
          script.append(l).append('\n');
          if (l.startsWith("# ") && afterCommand) {
            for (String fragment : l.substring(2).split(" \\.\\.\\. ?|\\.\\.\\.")) {
              if (!fragment.isBlank()) {
                expected.add(fragment.strip());
              }
            }
          } else if (l.startsWith("curl")) {
            afterCommand = true;
          }
        }
        blocks.add(new Block(script.toString(), List.copyOf(expected)));
        marked = false;
      }
    }
    return blocks;
  }
}
