package io.remotellm.broker.ledger;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import jakarta.persistence.ValidationMode;
import jakarta.persistence.spi.ClassTransformer;
import jakarta.persistence.spi.PersistenceProvider;
import jakarta.persistence.spi.PersistenceProviderResolverHolder;
import jakarta.persistence.spi.PersistenceUnitInfo;
import jakarta.persistence.spi.PersistenceUnitTransactionType;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * The ledger's persistence unit, described in code and handed to the server's own JPA provider
 * (EclipseLink on Payara and Liberty, Hibernate on WildFly). There is no persistence.xml, so no
 * server tries to deploy the unit itself with a data source of its own choosing; the unit is
 * resource-local on the ledger's own {@link DriverDataSource}.
 */
final class LedgerUnit implements PersistenceUnitInfo {

  static final String NAME = "remotellm-ledger";

  private final DataSource dataSource;
  private final Properties properties = new Properties();

  private LedgerUnit(DataSource dataSource) {
    this.dataSource = dataSource;
    // No weaving or DDL: the classes are plain, and Flyway owns the schema.
    properties.setProperty("eclipselink.weaving", "false");
    properties.setProperty("eclipselink.ddl-generation", "none");
    properties.setProperty("eclipselink.jdbc.batch-writing", "JDBC");
    // The ledger logs an outage once itself; EclipseLink would log every retry.
    properties.setProperty("eclipselink.logging.level", "OFF");
    properties.setProperty("hibernate.hbm2ddl.auto", "none");
    properties.setProperty("hibernate.jdbc.batch_size", "100");
    properties.setProperty("hibernate.order_inserts", "true");
  }

  /** An entity manager factory of the first JPA provider the server offers. */
  static EntityManagerFactory open(DataSource dataSource) {
    List<PersistenceProvider> providers =
        PersistenceProviderResolverHolder.getPersistenceProviderResolver()
            .getPersistenceProviders();
    if (providers.isEmpty()) {
      throw new IllegalStateException("the server offers no Jakarta Persistence provider");
    }
    LedgerUnit unit = new LedgerUnit(dataSource);
    return providers.get(0).createContainerEntityManagerFactory(unit, Map.of());
  }

  @Override
  public String getPersistenceUnitName() {
    return NAME;
  }

  @Override
  public String getPersistenceProviderClassName() {
    return null;
  }

  @Override
  public PersistenceUnitTransactionType getTransactionType() {
    return PersistenceUnitTransactionType.RESOURCE_LOCAL;
  }

  @Override
  public DataSource getJtaDataSource() {
    return null;
  }

  @Override
  public DataSource getNonJtaDataSource() {
    return dataSource;
  }

  @Override
  public List<String> getMappingFileNames() {
    return List.of();
  }

  @Override
  public List<URL> getJarFileUrls() {
    return List.of();
  }

  /**
   * Where the entity classes are (WEB-INF/classes, or a jar), found from this class's own resource:
   * the providers look for mapping files there, and a server's code source location for a class
   * need not be that root (Payara's is not).
   */
  @Override
  public URL getPersistenceUnitRootUrl() {
    String self = LedgerUnit.class.getName().replace('.', '/') + ".class";
    URL url = LedgerUnit.class.getClassLoader().getResource(self);
    if (url == null) {
      return null;
    }
    String text = url.toString();
    String root = text.substring(0, text.length() - self.length());
    try {
      if (root.startsWith("jar:") && root.endsWith("!/")) {
        return new URL(root.substring(4, root.length() - 2));
      }
      return new URL(root);
    } catch (MalformedURLException e) {
      return null;
    }
  }

  @Override
  public List<String> getManagedClassNames() {
    return List.of(
        LedgerEntry.class.getName(),
        DailyUsage.class.getName(),
        DailyUsageKey.class.getName(),
        IssuedKeyRow.class.getName(),
        RevokedTokenRow.class.getName(),
        AuditRow.class.getName());
  }

  @Override
  public boolean excludeUnlistedClasses() {
    return true;
  }

  @Override
  public SharedCacheMode getSharedCacheMode() {
    return SharedCacheMode.NONE;
  }

  @Override
  public ValidationMode getValidationMode() {
    return ValidationMode.NONE;
  }

  @Override
  public Properties getProperties() {
    return properties;
  }

  @Override
  public String getPersistenceXMLSchemaVersion() {
    return "3.0";
  }

  @Override
  public ClassLoader getClassLoader() {
    return LedgerUnit.class.getClassLoader();
  }

  @Override
  public void addTransformer(ClassTransformer transformer) {
    // Weaving is off: the entities are used as they were compiled.
  }

  @Override
  public ClassLoader getNewTempClassLoader() {
    return LedgerUnit.class.getClassLoader();
  }
}
