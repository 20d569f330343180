package dev.incline.storage.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointGuardTest {

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
      "::1", "fd00::1", "fe80::1"})
  void internalAddressesAreRefusedUnlessAllowed(String ip) throws Exception {
    assertThat(EndpointGuard.isInternal(InetAddress.getByName(ip))).isTrue();
    URI endpoint = URI.create("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":9000");
    assertThat(EndpointGuard.refuse(endpoint, false)).contains("private");
    assertThat(EndpointGuard.refuse(endpoint, true)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "52.216.0.1", "2600:1f18::1"})
  void publicAddressesPass(String ip) throws Exception {
    assertThat(EndpointGuard.isInternal(InetAddress.getByName(ip))).isFalse();
    assertThat(EndpointGuard.refuse(URI.create("https://" + (ip.contains(":") ? "[" + ip + "]" : ip)), false)).isNull();
  }

  @org.junit.jupiter.api.Test
  void localhostByNameIsRefusedToo() {
    assertThat(EndpointGuard.refuse(URI.create("http://localhost:9000"), false)).contains("private");
  }
}
