package dev.incline.platform.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switched connection of an {@link UpgradeTunnel}: relays bytes between the client and the
 * upstream until either closes, then closes both. The servlet container creates it, which is why it
 * is public with a public constructor; only {@link UpgradeTunnel} gives it an upstream.
 *
 * <p>Client to upstream runs on the container's non-blocking read callbacks, upstream to client on a
 * virtual thread with blocking writes. Blocking reads from the client work too (Tomcat blocks when no
 * {@link ReadListener} is set), but closing the {@link WebConnection} neither closes the socket nor
 * wakes such a reader: it would wait, with the client's socket open, until the client sent something,
 * a thread and a connection held per tunnel that the upstream ended.
 */
public final class TunnelConnection implements HttpUpgradeHandler {

  private static final Logger log = LoggerFactory.getLogger(TunnelConnection.class);

  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Socket upstream;
  private volatile InputStream fromUpstream;
  private volatile WebConnection client;

  public TunnelConnection() {}

  /** {@code fromUpstream} is the upstream socket's buffered input, positioned after the response head. */
  void attach(Socket upstream, InputStream fromUpstream) {
    this.upstream = upstream;
    this.fromUpstream = fromUpstream;
  }

  @Override
  public void init(WebConnection connection) {
    client = connection;
    if (upstream == null) {
      throw new IllegalStateException("TunnelConnection is created by UpgradeTunnel.relay only");
    }
    try {
      ServletInputStream in = connection.getInputStream();
      ServletOutputStream out = connection.getOutputStream();
      in.setReadListener(new ClientToUpstream(in, upstream.getOutputStream()));
      Thread.ofVirtual().name("upgrade-tunnel-" + upstream.getPort()).start(() -> upstreamToClient(out));
    } catch (IOException | RuntimeException e) {
      log.debug("could not start a tunnel", e);
      close(true);
    }
  }

  /** Tomcat calls this once it has closed the client's connection, or when it stops. */
  @Override
  public void destroy() {
    closed.set(true);
    closeQuietly(upstream);
  }

  private void upstreamToClient(ServletOutputStream out) {
    byte[] buffer = new byte[16 * 1024];
    try {
      int n;
      while ((n = fromUpstream.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        if (fromUpstream.available() == 0) {
          out.flush();
        }
      }
    } catch (IOException | RuntimeException e) {
      // the upstream or the client went away (or the other direction closed both): the tunnel ends
      log.trace("upstream to client ended", e);
    } finally {
      close(false);
    }
  }

  /**
   * Closes both sides once. Closing a {@link WebConnection}'s streams only marks them closed: Tomcat
   * closes the socket the next time it dispatches an event for the connection and finds both
   * closed. On a container thread that dispatch is the one running. Elsewhere nothing would come if
   * the client stays quiet, so a write listener is set instead of closing the output directly:
   * setting one asks Tomcat for a write event, which arrives at once, and the listener closes the
   * output in it.
   */
  private void close(boolean onContainerThread) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeQuietly(upstream);
    WebConnection connection = client;
    if (connection == null) {
      return;
    }
    try {
      connection.getInputStream().close();
      ServletOutputStream out = connection.getOutputStream();
      if (onContainerThread) {
        out.close();
      } else {
        out.setWriteListener(new CloseWhenWritable(out));
      }
    } catch (IOException | RuntimeException e) {
      log.trace("closing the client side of a tunnel", e);
    }
  }

  private static void closeQuietly(Socket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }

  private final class ClientToUpstream implements ReadListener {
    private final ServletInputStream in;
    private final OutputStream toUpstream;
    private final byte[] buffer = new byte[16 * 1024];

    ClientToUpstream(ServletInputStream in, OutputStream toUpstream) {
      this.in = in;
      this.toUpstream = toUpstream;
    }

    @Override
    public void onDataAvailable() {
      try {
        while (in.isReady()) {
          int n = in.read(buffer);
          if (n < 0) {
            return; // onAllDataRead follows
          }
          // A blocking write on a container thread: backpressure from a slow upstream holds the
          // client's reads, as it should (the gateway's container threads are virtual).
          toUpstream.write(buffer, 0, n);
        }
      } catch (IOException | RuntimeException e) {
        log.trace("client to upstream ended", e);
        close(true);
      }
    }

    @Override
    public void onAllDataRead() {
      close(true);
    }

    @Override
    public void onError(Throwable t) {
      log.trace("client connection failed", t);
      close(true);
    }
  }

  private record CloseWhenWritable(ServletOutputStream out) implements WriteListener {
    @Override
    public void onWritePossible() throws IOException {
      out.close();
    }

    @Override
    public void onError(Throwable t) {
      // Tomcat closes the connection after a failed write
    }
  }
}
