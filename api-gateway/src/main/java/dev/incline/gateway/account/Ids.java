package dev.incline.gateway.account;

/** Public id prefixes of the gateway's resources. */
public final class Ids {
  public static final String TEAM = "team";
  public static final String USER = "usr";
  public static final String API_KEY = "key";
  public static final String AUDIT = "aud";

  private Ids() {}
}
