package dev.jitguard.examples.backoffice;

import dev.jitguard.annotation.RequiresElevation;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Customers. Erasing one is irreversible, so it is a one-time action approval: each call needs an administrator's
 * approval of exactly that call (action {@code CustomerService.erase}, bound to the customer id), used once.
 */
@Service
public class CustomerService {
  private final JdbcClient jdbc;

  CustomerService(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Every customer (no elevation needed to read).
   *
   * @return id and name of each customer
   */
  public List<Map<String, Object>> list() {
    return jdbc.sql("select id, name from customers order by id").query().listOfRows();
  }

  /**
   * Erases a customer.
   *
   * @param id the customer
   * @return true if a customer was erased
   */
  @Transactional
  @RequiresElevation(value = "customers.erase", action = true)
  public boolean erase(long id) {
    return jdbc.sql("delete from customers where id = ?").param(id).update() == 1;
  }
}
