package dev.jitguard.examples.backoffice;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The payments back office. Users (HTTP Basic, defined in {@link SecurityConfig}): alice (support: may request
 * elevations), bob (payments-leads: approves refunds), carol (admin: approves erasures, may revoke anything). The
 * policy is in {@code application.yaml} under {@code jit.policy}.
 */
@SpringBootApplication
public class BackOfficeApplication {

  /**
   * Starts the back office on port 8080 (or {@code --server.port=...}).
   *
   * @param args Spring Boot arguments
   */
  public static void main(String[] args) {
    SpringApplication.run(BackOfficeApplication.class, args);
  }
}
