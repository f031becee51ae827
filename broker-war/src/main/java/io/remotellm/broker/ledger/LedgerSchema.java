package io.remotellm.broker.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;

/**
 * Brings the ledger's tables up to date with Flyway. The migrations are named here rather than
 * found by scanning the class path: each server packs a WAR's classes differently (Payara's
 * directories, WildFly's VFS, Liberty's wsjar), and a list works on all of them.
 */
final class LedgerSchema {

  /** Every migration, in order; add a new one at the end (and its file under db/ledger). */
  static final List<String> MIGRATIONS = List.of("V1__usage_ledger.sql", "V2__admin_state.sql");

  private static final String FOLDER = "db/ledger/";

  private LedgerSchema() {}

  /** Applies what is missing; returns how many migrations ran. */
  static int migrate(DataSource dataSource) {
    ClassLoader loader = LedgerSchema.class.getClassLoader();
    Flyway flyway =
        Flyway.configure(loader)
            .dataSource(dataSource)
            .table("usage_schema_history")
            .resourceProvider(new Listed(loader))
            .javaMigrationClassProvider(List::of)
            .load();
    return flyway.migrate().migrationsExecuted;
  }

  /** The migrations of {@link #MIGRATIONS}, read from the WAR's class loader. */
  private record Listed(ClassLoader loader) implements ResourceProvider {

    @Override
    public LoadableResource getResource(String name) {
      String file = name.startsWith(FOLDER) ? name.substring(FOLDER.length()) : name;
      return MIGRATIONS.contains(file) ? new Migration(file, text(file)) : null;
    }

    @Override
    public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
      List<LoadableResource> found = new ArrayList<>();
      for (String file : MIGRATIONS) {
        if (file.startsWith(prefix) && endsWithAny(file, suffixes)) {
          found.add(new Migration(file, text(file)));
        }
      }
      return found;
    }

    private static boolean endsWithAny(String file, String[] suffixes) {
      for (String suffix : suffixes) {
        if (file.endsWith(suffix)) {
          return true;
        }
      }
      return false;
    }

    private String text(String file) {
      try (InputStream in = loader.getResourceAsStream(FOLDER + file)) {
        if (in == null) {
          throw new IllegalStateException(
              "migration " + FOLDER + file + " is missing from the WAR");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** One migration's text, as Flyway reads it. */
  private static final class Migration extends LoadableResource {
    private final String file;
    private final String text;

    Migration(String file, String text) {
      this.file = file;
      this.text = text;
    }

    @Override
    public Reader read() {
      return new StringReader(text);
    }

    @Override
    public String getAbsolutePath() {
      return FOLDER + file;
    }

    @Override
    public String getAbsolutePathOnDisk() {
      return FOLDER + file;
    }

    @Override
    public String getFilename() {
      return file;
    }

    @Override
    public String getRelativePath() {
      return file;
    }
  }
}
