package dev.jitguard.examples.action;

import dev.jitguard.ElevationRequest;
import dev.jitguard.Privilege;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.Subject;
import dev.jitguard.action.ActionBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sensitive operation that needs an approval for each call: erasing a customer. The guard is asked with the action
 * name and the arguments as they are at the call, so only the call a person approved can run, and only once.
 * Thread-safe.
 */
public final class CustomerService {
  /** The privilege erasing needs. */
  public static final Privilege CUSTOMERS_ERASE = Privilege.of("customers.erase");
  /** The stable action name approvals are bound to. */
  public static final String ERASE_ACTION = "customers.erase";

  /**
   * A customer record.
   *
   * @param id the id
   * @param name the name
   * @param openOrders how many orders are still open
   */
  public record Customer(long id, String name, int openOrders) {}

  private final PrivilegeGuard guard;
  private final Map<Long, Customer> customers = new ConcurrentHashMap<>();
  private final List<Long> erased = new ArrayList<>();

  /**
   * Creates the service.
   *
   * @param guard the guard that decides
   * @param customers the customers it starts with
   */
  public CustomerService(PrivilegeGuard guard, List<Customer> customers) {
    this.guard = guard;
    customers.forEach(c -> this.customers.put(c.id(), c));
  }

  /**
   * The exact call "erase this customer", with the preview a privacy officer sees: the domain's own rendering rather
   * than the default {@code customers.erase(42)}.
   *
   * @param customerId the customer
   * @return the binding to request approval for
   */
  public ActionBinding eraseAction(long customerId) {
    ActionBinding call = ActionBinding.of(ERASE_ACTION, customerId);
    return find(customerId).map(c -> call.withPreview(String.format(Locale.ROOT,
        "Erase customer %d (%s, %d open orders)", c.id(), c.name(), c.openOrders()))).orElse(call);
  }

  /**
   * A request for approval of exactly one erasure.
   *
   * @param requester who will run it
   * @param customerId the customer
   * @param justification why
   * @return the request, ready to send to {@link PrivilegeGuard#request}
   */
  public ElevationRequest eraseRequest(Subject requester, long customerId, String justification) {
    return ElevationRequest.builder(requester, CUSTOMERS_ERASE).justification(justification)
        .action(eraseAction(customerId)).build();
  }

  /**
   * Erases a customer. Throws {@link dev.jitguard.ElevationRequiredException} unless this exact call was approved
   * for the caller and the approval was not used yet; the approval is consumed by this call.
   *
   * @param caller who calls
   * @param customerId the customer
   * @return a confirmation
   */
  public String eraseCustomer(Subject caller, long customerId) {
    // The digest is taken from the arguments as they are now, just before the erasure runs.
    guard.requireAction(caller, CUSTOMERS_ERASE, ActionBinding.of(ERASE_ACTION, customerId));
    Customer c = customers.remove(customerId);
    synchronized (erased) {
      erased.add(customerId);
    }
    return "customer " + customerId + (c == null ? "" : " (" + c.name() + ")") + " erased by " + caller.id();
  }

  /**
   * A customer, if not erased.
   *
   * @param customerId the id
   * @return the customer
   */
  public Optional<Customer> find(long customerId) {
    return Optional.ofNullable(customers.get(customerId));
  }

  /** @return the ids erased, in order, one entry per erasure that ran */
  public List<Long> erased() {
    synchronized (erased) {
      return List.copyOf(erased);
    }
  }
}
