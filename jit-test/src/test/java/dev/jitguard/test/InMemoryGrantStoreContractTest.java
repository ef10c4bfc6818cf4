package dev.jitguard.test;

import dev.jitguard.spi.GrantStore;

/** The in-memory store, {@link GrantStore#inMemory()}, against the whole grant store contract. */
class InMemoryGrantStoreContractTest extends GrantStoreContract {

  @Override
  protected GrantStore createStore() {
    return GrantStore.inMemory();
  }
}
