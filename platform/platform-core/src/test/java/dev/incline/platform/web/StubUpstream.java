package dev.incline.platform.web;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A stand-in upstream for tests of proxies, on plain sockets so that nothing hides what goes over the
 * wire. Upgrade requests get a WebSocket handshake and every message is echoed; other requests get a
 * small JSON answer. A test's {@code answers} function may answer any request with raw bytes instead.
 * Every request is recorded, and so is every WebSocket whose client went away.
 *
 * <p>In the echo, the text {@code close-me} makes the stub send a close frame and close the connection,
 * {@code drop-me} makes it close the connection without one. A path that contains {@code greet} gets a
 * {@code welcome} message in the same write as the 101.
 */
public final class StubUpstream implements AutoCloseable {

  private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** A request as the stub read it; header names in lower case. */
  public record Request(String method, String target, Map<String, List<String>> headers, byte[] body) {
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.getFirst();
    }

    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }
  }

  private final ServerSocket server;
  private final Function<Request, byte[]> answers;
  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final List<Request> all = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final BlockingQueue<String> clientsGone = new LinkedBlockingQueue<>();

  private StubUpstream(ServerSocket server, Function<Request, byte[]> answers) {
    this.server = server;
    this.answers = answers;
  }

  public static StubUpstream start() throws IOException {
    return start(r -> null);
  }

  /** {@code answers} returns a raw HTTP response for a request, or null for the default behaviour. */
  public static StubUpstream start(Function<Request, byte[]> answers) throws IOException {
    StubUpstream stub = new StubUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), answers);
    Thread.ofVirtual().name("stub-upstream-accept").start(stub::accept);
    return stub;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Requests in the order they arrived, for a test to take. */
  public BlockingQueue<Request> requests() {
    return requests;
  }

  /** Every request so far, whether taken or not. */
  public List<Request> all() {
    return all;
  }

  /** The target of each WebSocket whose client closed the connection, or sent a close frame. */
  public BlockingQueue<String> clientsGone() {
    return clientsGone;
  }

  /** A complete response with a body of known length, after which the stub closes the connection. */
  public static byte[] response(int status, String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " Stub\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length
        + "\r\nConnection: close\r\n\r\n";
    return concat(head.getBytes(StandardCharsets.ISO_8859_1), bytes);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread.ofVirtual().name("stub-upstream").start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      Request request = readRequest(in);
      all.add(request);
      requests.add(request);
      byte[] answer = answers.apply(request);
      if (answer != null) {
        out.write(answer);
      } else if ("websocket".equalsIgnoreCase(request.header("Upgrade"))) {
        echo(request, in, out);
      } else {
        out.write(response(200, "application/json", "{\"method\":\"" + request.method() + "\",\"path\":\""
            + request.path() + "\",\"got\":" + request.body().length + "}"));
      }
      out.flush();
    } catch (IOException e) {
      // the proxy went away
    }
  }

  private void echo(Request request, InputStream in, OutputStream out) throws IOException {
    String key = request.header("Sec-WebSocket-Key");
    if (key == null) {
      out.write(response(400, "text/plain", "no Sec-WebSocket-Key"));
      return;
    }
    StringBuilder head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        .append("Sec-WebSocket-Accept: ").append(accept(key)).append("\r\n");
    String protocols = request.header("Sec-WebSocket-Protocol");
    if (protocols != null) {
      head.append("Sec-WebSocket-Protocol: ").append(protocols.split(",")[0].strip()).append("\r\n");
    }
    head.append("X-Stub: yes\r\n\r\n");
    byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (request.path().contains("greet")) {
      bytes = concat(bytes, frame(1, "welcome".getBytes(StandardCharsets.UTF_8)));
    }
    out.write(bytes);
    out.flush();
    DataInputStream frames = new DataInputStream(in);
    while (true) {
      int first = frames.read();
      if (first < 0) {
        clientsGone.add(request.target());
        return;
      }
      int second = frames.readUnsignedByte();
      long length = second & 0x7f;
      if (length == 126) {
        length = frames.readUnsignedShort();
      } else if (length == 127) {
        length = frames.readLong();
      }
      byte[] mask = new byte[4];
      if ((second & 0x80) != 0) {
        frames.readFully(mask);
      }
      byte[] payload = new byte[(int) length];
      frames.readFully(payload);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
      int opcode = first & 0x0f;
      String text = opcode == 1 ? new String(payload, StandardCharsets.UTF_8) : null;
      if (opcode == 8) {
        clientsGone.add(request.target());
        out.write(frame(8, payload));
        return;
      } else if ("drop-me".equals(text)) {
        return;
      } else if ("close-me".equals(text)) {
        out.write(frame(8, new byte[] {0x03, (byte) 0xe8}));
        return;
      } else if (opcode == 9) {
        out.write(frame(10, payload));
      } else {
        out.write(rawFrame(first, payload));
      }
      out.flush();
    }
  }

  private static Request readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      head.write(b);
      last4 = (last4 << 8) | b;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] requestLine = lines[0].split(" ");
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).strip());
    }
    byte[] body = new byte[0];
    List<String> length = headers.get("content-length");
    List<String> encoding = headers.get("transfer-encoding");
    if (encoding != null && encoding.getFirst().toLowerCase(Locale.ROOT).contains("chunked")) {
      body = readChunked(in);
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.getFirst()));
    }
    return new Request(requestLine[0], requestLine[1], headers, body);
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      int semicolon = size.indexOf(';');
      int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new EOFException();
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  static String accept(String key) {
    try {
      byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] frame(int opcode, byte[] payload) {
    return rawFrame(0x80 | opcode, payload);
  }

  /** A server frame (unmasked) with the given first byte: FIN, reserved bits and opcode. */
  private static byte[] rawFrame(int first, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
    frame.write(first);
    if (payload.length < 126) {
      frame.write(payload.length);
    } else if (payload.length <= 0xffff) {
      frame.write(126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    } else {
      frame.write(127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift) & 0xff);
      }
    }
    frame.writeBytes(payload);
    return frame.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
