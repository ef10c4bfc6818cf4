/**
 * A payments back office on Spring Boot: refunds need an elevation of {@code payments.refund}, erasing a customer an
 * elevation of {@code customers.erase}. Run it with {@code mvn -B -q -pl jit-examples -am spring-boot:run} and follow
 * {@code docs/spring-walkthrough.md}.
 */
package dev.jitguard.examples.backoffice;
