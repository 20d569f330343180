package dev.incline.modelserver.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * HTTP/1.1 on one keep-alive loopback socket, as small a client as can be: request bytes out, status
 * line, headers and body in. The benches use it where the client's own cost should stay small next to
 * the server's. Not thread-safe: one per client thread.
 */
final class LoopbackHttp implements AutoCloseable {

  /** A response: its status and its body. */
  record Response(int status, String body) {}

  private final int port;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private int connections;

  LoopbackHttp(int port) throws IOException {
    this.port = port;
    connect();
  }

  /** A whole POST request with a JSON body, ready to be sent as often as needed. */
  static byte[] post(String path, byte[] body) {
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] request = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    return request;
  }

  private void connect() throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 65536);
    connections++;
  }

  /** Connections this client opened so far (1 + reconnects after the server closed one). */
  int connections() {
    return connections;
  }

  /**
   * One request; reads the whole response whatever its status, and reconnects when the server closed
   * the connection after it (Tomcat's {@code max-keep-alive-requests}).
   */
  Response call(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    String statusLine = line();
    if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
      throw new IOException("not an HTTP/1.1 status line: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    int length = -1;
    boolean chunked = false;
    boolean close = false;
    for (String header = line(); !header.isEmpty(); header = line()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(header.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        close = true;
      }
    }
    String body;
    if (!chunked) {
      body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    } else {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
        chunks.write(in.readNBytes(size));
        line();
      }
      line();
      body = chunks.toString(StandardCharsets.UTF_8);
    }
    if (close) {
      socket.close();
      connect();
    }
    return new Response(status, body);
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
