package io.remotellm.settings;

/**
 * The hidden modes by which the broker's launcher and the connector serve the installers
 * (deploy/lib/common.sh), so the installers pass the operator's flags through and know none of
 * them. None starts anything, and none is in {@code --help}, which stays the seed's.
 */
public final class InstallerModes {
  private InstallerModes() {}

  /** Checks flags and variables; exits 0, or 2 with the reason on stderr. Files are not read. */
  public static final String CHECK = "--check";

  /** As {@link #CHECK}, then prints the settings as an {@link EnvFile}. */
  public static final String PRINT_ENV = "--print-env";

  /** Prints the program's flags, one {@link #optionLine} each, so the installer can route them. */
  public static final String PRINT_OPTIONS = "--print-options";

  /** {@code --name=} for a flag that takes a value, {@code --name} for a switch. */
  public static String optionLine(String name, boolean takesValue) {
    return name + (takesValue ? "=" : "") + "\n";
  }
}
