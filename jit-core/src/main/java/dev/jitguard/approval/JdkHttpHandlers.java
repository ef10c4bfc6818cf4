package dev.jitguard.approval;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Mounts a {@link WebhookDecisionHandler} on the JDK's own HTTP server ({@code com.sun.net.httpserver}), for
 * applications without a web framework:
 *
 * <pre>{@code
 * HttpServer server = HttpsServer.create(new InetSocketAddress(8443), 0);   // with its HttpsConfigurator
 * server.createContext("/jit/decisions", JdkHttpHandlers.decisions(handler));
 * server.start();
 * }</pre>
 *
 * <p>Serve it over TLS (an {@code HttpsServer}) or behind a TLS-terminating proxy: the signature protects integrity,
 * not confidentiality.
 */
public final class JdkHttpHandlers {
  private JdkHttpHandlers() {}

  /**
   * An HTTP handler that reads at most {@link WebhookDecisionHandler#maxBodyBytes()} + 1 bytes of the body, passes
   * the request to the decision handler and writes its answer.
   *
   * @param handler the decision handler
   * @return the HTTP handler
   */
  public static HttpHandler decisions(WebhookDecisionHandler handler) {
    Objects.requireNonNull(handler, "handler cannot be null");
    return exchange -> {
      try (exchange) {
        byte[] body = readBounded(exchange, handler.maxBodyBytes() + 1);
        WebhookDecisionHandler.Response response = handler.handle(exchange.getRequestMethod(),
            exchange.getRequestHeaders(), body);
        byte[] bytes = response.bodyBytes();
        exchange.getResponseHeaders().set("Content-Type", WebhookDecisionHandler.CONTENT_TYPE);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(response.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    };
  }

  private static byte[] readBounded(HttpExchange exchange, int limit) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return in.readNBytes(limit);
    }
  }
}
