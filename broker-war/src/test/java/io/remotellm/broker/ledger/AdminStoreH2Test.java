package io.remotellm.broker.ledger;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The admin tables in the embedded database, a file as the broker makes it. */
class AdminStoreH2Test extends AdminStoreContract {

  @TempDir Path dataDir;
  private LedgerStore store;

  @Override
  LedgerStore store() {
    store =
        LedgerStore.open(
            "jdbc:h2:file:" + dataDir.resolve("ledger") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", null);
    return store;
  }

  @Override
  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
      store = null;
    }
  }
}
