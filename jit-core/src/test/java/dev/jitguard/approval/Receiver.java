package dev.jitguard.approval;

import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real webhook receiver: the JDK's HTTP server on 127.0.0.1, port chosen by the OS. It records every request and
 * answers from a script (a status, or "hang" until the test ends), then 200.
 */
final class Receiver implements AutoCloseable {
  static final int HANG = -1;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One received request. */
  record Received(String method, Map<String, List<String>> headers, byte[] body, long nanoTime) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    JsonNode json() {
      return JSON.readTree(body);
    }

    String type() {
      return header(WebhookApprovalChannel.HEADER_EVENT_TYPE);
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);
  private final Deque<Integer> script = new ArrayDeque<>();
  private final List<Received> received = new ArrayList<>();

  Receiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/hook", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readAllBytes();
        Received r = new Received(exchange.getRequestMethod(), Map.copyOf(exchange.getRequestHeaders()), body,
            System.nanoTime());
        int status;
        synchronized (this) {
          received.add(r);
          notifyAll();
          status = script.isEmpty() ? 200 : script.poll();
        }
        if (status == HANG) {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          status = 200;
        }
        exchange.sendResponseHeaders(status, -1);
      }
    });
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  /** The next requests answer these statuses (or {@link #HANG}), in order; then 200. */
  synchronized Receiver thenReply(int... statuses) {
    for (int s : statuses) {
      script.add(s);
    }
    return this;
  }

  /** Waits (bounded) until {@code count} requests matching the predicate arrived; returns them in arrival order. */
  synchronized List<Received> await(Predicate<Received> which, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Received> matching = received.stream().filter(which).toList();
      if (matching.size() >= count) {
        return matching;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return fail("expected %d matching request(s) within %s, got %d: %s", count, timeout, matching.size(),
            received.stream().map(Received::type).toList());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return fail("interrupted");
      }
    }
  }

  /** Waits for one request of the event type. */
  Received awaitType(String type) {
    return await(r -> type.equals(r.type()), 1, Duration.ofSeconds(10)).get(0);
  }

  synchronized List<Received> all() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
