package dev.incline.platform.web;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The status line and headers of an upstream's HTTP/1.1 response, and the framing of its body. Read
 * from a buffered stream that the caller goes on reading: whatever the upstream sent after the head
 * (the first WebSocket frames, say) stays there.
 */
record ResponseHead(int status, List<Map.Entry<String, String>> headers) {

  private static final int MAX_LINE = 8 * 1024;

  /** Reads one head, at most {@code maxBytes} long. */
  static ResponseHead read(InputStream in, int maxBytes) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int last4 = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the upstream closed the connection before the end of its response head");
      }
      if (head.size() == maxBytes) {
        throw new ProtocolException("the upstream's response head is longer than " + maxBytes + " bytes");
      }
      head.write(b);
      last4 = (last4 << 8) | b;
      if (last4 == 0x0d0a0d0a || (last4 & 0xffff) == 0x0a0a) {
        break;
      }
    }
    return parse(head.toString(StandardCharsets.ISO_8859_1));
  }

  private static ResponseHead parse(String text) throws ProtocolException {
    String[] lines = text.split("\r?\n");
    String statusLine = lines[0];
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' '
        || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
      throw new ProtocolException("not an HTTP/1.x status line");
    }
    int status;
    try {
      status = Integer.parseInt(statusLine.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new ProtocolException("not an HTTP/1.x status line");
    }
    if (status < 100 || status > 599) {
      throw new ProtocolException("status " + status + " is out of range");
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      // folded continuation lines are obsolete (RFC 9112 §5.2) and a space before the colon is an attack
      if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t' || Character.isWhitespace(line.charAt(colon - 1))) {
        throw new ProtocolException("malformed header line in the upstream's response");
      }
      headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).strip()));
    }
    return new ResponseHead(status, headers);
  }

  /** The first value of a header, or null. */
  String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /** Interim responses (100 Continue, 103 Early Hints) precede the real one; 101 is the real one. */
  boolean interim() {
    return status >= 100 && status < 200 && status != 101;
  }

  boolean hasBody() {
    return status >= 200 && status != 204 && status != 304;
  }

  boolean chunked() {
    String te = header("Transfer-Encoding");
    return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
  }

  /** The declared length, or -1 when the body is chunked or runs until the connection closes. */
  long contentLength() throws ProtocolException {
    String value = header("Content-Length");
    if (value == null || chunked()) {
      return -1;
    }
    try {
      long length = Long.parseLong(value.strip());
      if (length < 0) {
        throw new NumberFormatException();
      }
      return length;
    } catch (NumberFormatException e) {
      throw new ProtocolException("invalid Content-Length in the upstream's response");
    }
  }

  /** Copies the body, unchunked, from {@code in} to {@code out}. */
  void copyBody(InputStream in, OutputStream out) throws IOException {
    if (!hasBody()) {
      return;
    }
    byte[] buffer = new byte[16 * 1024];
    if (chunked()) {
      long size;
      while ((size = chunkSize(in)) > 0) {
        copy(in, out, size, buffer);
        if (!readLine(in).isEmpty()) {
          throw new ProtocolException("malformed chunk in the upstream's response");
        }
      }
      while (!readLine(in).isEmpty()) {
        // trailer fields: not passed on, as the servlet response has no place for them
      }
      return;
    }
    long length = contentLength();
    if (length >= 0) {
      copy(in, out, length, buffer);
      return;
    }
    in.transferTo(out);
  }

  private static long chunkSize(InputStream in) throws IOException {
    String line = readLine(in);
    int semicolon = line.indexOf(';');
    String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
    try {
      long size = Long.parseLong(hex, 16);
      if (size < 0) {
        throw new NumberFormatException();
      }
      return size;
    } catch (NumberFormatException e) {
      throw new ProtocolException("malformed chunk size in the upstream's response");
    }
  }

  private static void copy(InputStream in, OutputStream out, long length, byte[] buffer) throws IOException {
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("the upstream closed the connection in the middle of its response body");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new EOFException("the upstream closed the connection in the middle of its response body");
      }
      if (line.length() == MAX_LINE) {
        throw new ProtocolException("a line of the upstream's chunked body is too long");
      }
      line.append((char) b);
    }
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }
}
