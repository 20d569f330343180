package dev.incline.storage.provider;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Keeps storage provider endpoints off the installation's own network: a team admin registering a
 * "bucket" at an internal address would otherwise make storage-service probe (and report on) hosts
 * inside the cluster. Loopback, private, link-local (cloud metadata), unique-local IPv6 and
 * wildcard addresses are refused unless the installation allows them (a laptop with a local MinIO).
 */
final class EndpointGuard {

  private EndpointGuard() {}

  /** Null when the endpoint may be used, the reason otherwise. */
  static String refuse(URI endpoint, boolean allowPrivate) {
    if (endpoint == null || allowPrivate) {
      return null;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(endpoint.getHost());
    } catch (UnknownHostException e) {
      return "the host " + endpoint.getHost() + " does not resolve";
    }
    for (InetAddress a : addresses) {
      if (isInternal(a)) {
        return "points to a loopback, private or link-local address, which this installation does not allow "
            + "(incline.storage.providers.allow-private-endpoints)";
      }
    }
    return null;
  }

  static boolean isInternal(InetAddress a) {
    byte[] b = a.getAddress();
    boolean uniqueLocalV6 = b.length == 16 && (b[0] & 0xfe) == 0xfc; // fc00::/7
    boolean sharedCgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
    return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress() || uniqueLocalV6 || sharedCgnat;
  }
}
