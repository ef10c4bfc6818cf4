package dev.jitguard.approval;

import static dev.jitguard.approval.Fixtures.ALICE;
import static dev.jitguard.approval.Fixtures.BOB;
import static dev.jitguard.approval.Fixtures.DB_WRITE;
import static dev.jitguard.approval.Fixtures.FIONA;
import static dev.jitguard.approval.Fixtures.OLD_SECRET;
import static dev.jitguard.approval.Fixtures.POLICY;
import static dev.jitguard.approval.Fixtures.REFUND;
import static dev.jitguard.approval.Fixtures.SECRET;
import static dev.jitguard.approval.Fixtures.T0;
import static dev.jitguard.approval.Fixtures.ask;
import static dev.jitguard.approval.Fixtures.hmacHex;
import static dev.jitguard.approval.Fixtures.pendingId;
import static dev.jitguard.approval.Fixtures.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.jitguard.Approval;
import dev.jitguard.ApprovalContext;
import dev.jitguard.Grant;
import dev.jitguard.InvalidInputException;
import dev.jitguard.PrivilegeGuard;
import dev.jitguard.RequestId;
import dev.jitguard.RequestRecord;
import dev.jitguard.RequestStatus;
import dev.jitguard.Subject;
import dev.jitguard.event.AuditEvent;
import dev.jitguard.event.AuditEventType;
import dev.jitguard.audit.InMemoryAuditSink;
import dev.jitguard.spi.AuditSink;
import dev.jitguard.spi.GrantStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The inbound decision endpoint, mounted on a real JDK HTTP server on 127.0.0.1 and called over HTTP. */
class WebhookDecisionHandlerTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String LINK_SECRET = "links-secret-0123456789-abcdefghijklmn";

  private final MutableClock clock = new MutableClock(T0);
  private final InMemoryAuditSink audit = new InMemoryAuditSink();
  private final GrantStore store = GrantStore.inMemory();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private PrivilegeGuard guard;
  private ActionLinks links;
  private WebhookDecisionHandler handler;
  private HttpServer server;
  private URI endpoint;

  @BeforeEach
  void start() throws IOException {
    guard = PrivilegeGuard.builder().withPolicy(POLICY).withGrantStore(store).withAuditSink(audit).withClock(clock)
        .withoutBackgroundMaintenance().build();
    links = ActionLinks.builder().withBaseUri(URI.create("https://jit.example.com/decide"))
        .withSecrets(SigningSecrets.of(LINK_SECRET)).withClock(clock).build();
    handler = WebhookDecisionHandler.builder(guard).withSecrets(SigningSecrets.of(SECRET, OLD_SECRET))
        .withClock(clock).withActionLinks(links).build();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.createContext("/decisions", JdkHttpHandlers.decisions(handler));
    server.start();
    endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/decisions");
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
    guard.close();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private static String decision(RequestId id, String verdict, String approver, String... groups) {
    StringBuilder g = new StringBuilder();
    for (String group : groups) {
      g.append(g.length() == 0 ? "" : ",").append('"').append(group).append('"');
    }
    return "{\"requestId\":\"" + id + "\",\"decision\":\"" + verdict + "\",\"approver\":{\"id\":\"" + approver
        + "\",\"groups\":[" + g + "]},\"comment\":\"looks right\",\"channel\":\"slack\","
        + "\"authentication\":\"sso-mfa\"}";
  }

  private HttpResponse<String> post(String body) throws Exception {
    return post(body.getBytes(StandardCharsets.UTF_8), SECRET, T0.getEpochSecond());
  }

  private HttpResponse<String> post(byte[] body, String secret, long timestamp) throws Exception {
    return send(body, Long.toString(timestamp), "v1=" + hmacHex(secret, signed(timestamp, body)));
  }

  private HttpResponse<String> send(byte[] body, String timestamp, String signature) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (timestamp != null) {
      b.header(WebhookApprovalChannel.HEADER_TIMESTAMP, timestamp);
    }
    if (signature != null) {
      b.header(WebhookApprovalChannel.HEADER_SIGNATURE, signature);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type")).hasValue(WebhookDecisionHandler.CONTENT_TYPE);
    return JSON.readTree(r.body());
  }

  private RequestId pendingDbWrite() {
    return pendingId(guard.request(ask(ALICE, DB_WRITE)));
  }

  private void assertStillPendingWithoutApprovals(RequestId id) {
    RequestRecord r = store.findRequest(id).orElseThrow();
    assertThat(r.status()).isEqualTo(RequestStatus.PENDING);
    assertThat(r.approvals()).isEmpty();
    assertThat(r.denials()).isEmpty();
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isFalse();
  }

  private List<AuditEvent> decisions() {
    return audit.events().stream().filter(e -> e.type() == AuditEventType.APPROVED
        || e.type() == AuditEventType.APPROVAL_RECORDED || e.type() == AuditEventType.DENIED
        || e.type() == AuditEventType.DENIAL_RECORDED || e.type() == AuditEventType.OPERATION_REFUSED).toList();
  }

  // ------------------------------------------------------------------------------------------------ accepted

  @Test
  void approveWhenSignatureValidThenGrantedThroughGuardAndChannelRecorded() throws Exception {
    RequestId id = pendingDbWrite();

    HttpResponse<String> r = post(decision(id, "approve", "bob", "dba"));

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("status").stringValue()).isEqualTo("APPROVED");
    assertThat(body.get("requestId").stringValue()).isEqualTo(id.value());
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    Approval approval = store.findRequest(id).orElseThrow().approvals().get(0);
    assertThat(approval.approver()).isEqualTo("bob");
    assertThat(approval.comment()).isEqualTo("looks right");
    assertThat(approval.context()).hasValue(ApprovalContext.of("slack", "sso-mfa"));
    AuditEvent approved = audit.events(AuditEventType.APPROVED).get(0);
    assertThat(approved.actor()).hasValue("bob");
    assertThat(approved.details()).containsEntry("channel", "slack").containsEntry("authentication", "sso-mfa");
  }

  @Test
  void approveWhenSignedWithThePreviousRotatedSecretThenAccepted() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);

    assertThat(post(body, OLD_SECRET, T0.getEpochSecond()).statusCode()).isEqualTo(200);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
  }

  @Test
  void approveWhenChannelOmitsChannelAndAuthenticationThenDefaultsRecorded() throws Exception {
    RequestId id = pendingDbWrite();
    String body = "{\"requestId\":\"" + id + "\",\"decision\":\"approve\",\"approver\":{\"id\":\"bob\","
        + "\"groups\":[\"dba\"]}}";

    assertThat(post(body).statusCode()).isEqualTo(200);
    assertThat(store.findRequest(id).orElseThrow().approvals().get(0).context())
        .hasValue(ApprovalContext.of("webhook", "unspecified"));
  }

  @Test
  void approveWithShortenToThenGrantIsShorter() throws Exception {
    RequestId id = pendingDbWrite();
    String body = "{\"requestId\":\"" + id + "\",\"decision\":\"approve\",\"approver\":{\"id\":\"bob\","
        + "\"groups\":[\"dba\"]},\"shortenTo\":\"PT15M\"}";

    HttpResponse<String> r = post(body);

    assertThat(r.statusCode()).isEqualTo(200);
    Grant grant = guard.activeGrants(ALICE).get(0);
    assertThat(grant.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(15)));
    assertThat(json(r).get("grantExpiresAt").stringValue()).isEqualTo(grant.expiresAt().toString());
  }

  @Test
  void denyWhenSignatureValidThenRequestDeniedAndChannelAudited() throws Exception {
    RequestId id = pendingDbWrite();

    HttpResponse<String> r = post(decision(id, "deny", "bob", "dba"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("status").stringValue()).isEqualTo("DENIED");
    assertThat(store.findRequest(id).orElseThrow().status()).isEqualTo(RequestStatus.DENIED);
    assertThat(audit.events(AuditEventType.DENIED).get(0).details()).containsEntry("channel", "slack")
        .containsEntry("authentication", "sso-mfa");
  }

  @Test
  void approveWhenOneOfTwoApprovalsThenPendingWithCount() throws Exception {
    RequestId id = pendingId(guard.request(ask(ALICE, REFUND)));

    HttpResponse<String> r = post(decision(id, "approve", "fiona", "finance"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("status").stringValue()).isEqualTo("PENDING");
    assertThat(json(r).get("approvals").intValue()).isEqualTo(1);
    assertThat(json(r).get("approvalsRequired").intValue()).isEqualTo(2);
  }

  // ------------------------------------------------------------------------------------------------ signature

  @Test
  void decisionWhenSignatureWrongThen401AndNothingChanges() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = send(body, Long.toString(T0.getEpochSecond()), "v1=" + "0".repeat(64));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(json(r).get("error").stringValue()).isEqualTo("invalid_signature");
    assertStillPendingWithoutApprovals(id);
    assertThat(decisions()).isEmpty();
  }

  @Test
  void decisionWhenSignedWithAnotherSecretThen401() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> r = post(body, "someone-elses-secret-0123456789-abcdefgh", T0.getEpochSecond());

    assertThat(r.statusCode()).isEqualTo(401);
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void decisionWhenBodyAlteredAfterSigningThen401() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] signedBody = decision(id, "deny", "bob", "dba").getBytes(StandardCharsets.UTF_8);
    byte[] sentBody = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);
    long ts = T0.getEpochSecond();

    HttpResponse<String> r = send(sentBody, Long.toString(ts), "v1=" + hmacHex(SECRET, signed(ts, signedBody)));

    assertThat(r.statusCode()).isEqualTo(401);
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void decisionWhenTimestampStaleOrFromTheFutureThen401() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> stale = post(body, SECRET, T0.minus(Duration.ofMinutes(6)).getEpochSecond());
    HttpResponse<String> future = post(body, SECRET, T0.plus(Duration.ofMinutes(6)).getEpochSecond());

    assertThat(stale.statusCode()).isEqualTo(401);
    assertThat(json(stale).get("error").stringValue()).isEqualTo("stale_timestamp");
    assertThat(future.statusCode()).isEqualTo(401);
    assertThat(json(future).get("error").stringValue()).isEqualTo("stale_timestamp");
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void decisionWhenTimestampWithinToleranceThenAccepted() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);

    assertThat(post(body, SECRET, T0.minus(Duration.ofMinutes(4)).getEpochSecond()).statusCode()).isEqualTo(200);
  }

  @Test
  void decisionWhenSignatureHeadersMissingOrRepeatedThen401() throws Exception {
    RequestId id = pendingDbWrite();
    byte[] body = decision(id, "approve", "bob", "dba").getBytes(StandardCharsets.UTF_8);
    long ts = T0.getEpochSecond();
    String sig = "v1=" + hmacHex(SECRET, signed(ts, body));

    assertThat(send(body, null, sig).statusCode()).isEqualTo(401);
    assertThat(send(body, Long.toString(ts), null).statusCode()).isEqualTo(401);
    HttpResponse<String> twice = client.send(HttpRequest.newBuilder(endpoint)
        .header(WebhookApprovalChannel.HEADER_TIMESTAMP, Long.toString(ts))
        .header(WebhookApprovalChannel.HEADER_SIGNATURE, sig)
        .header(WebhookApprovalChannel.HEADER_SIGNATURE, sig)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(twice.statusCode()).isEqualTo(401);
    assertThat(send(body, "12x", sig).statusCode()).isEqualTo(401);
    assertStillPendingWithoutApprovals(id);
  }

  // ------------------------------------------------------------------------------------------------ replay

  @Test
  void decisionWhenReplayedThen409AndTheGuardNeverSeesIt() throws Exception {
    RequestId id = pendingId(guard.request(ask(ALICE, REFUND)));
    byte[] body = decision(id, "approve", "fiona", "finance").getBytes(StandardCharsets.UTF_8);
    long ts = T0.getEpochSecond();

    HttpResponse<String> first = post(body, SECRET, ts);
    clock.advance(Duration.ofSeconds(30));
    HttpResponse<String> replay = post(body, SECRET, ts);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(replay.statusCode()).isEqualTo(409);
    assertThat(json(replay).get("error").stringValue()).isEqualTo("replayed");
    assertThat(store.findRequest(id).orElseThrow().approvals()).hasSize(1);
    assertThat(decisions()).extracting(AuditEvent::type).containsExactly(AuditEventType.APPROVAL_RECORDED);
  }

  @Test
  void decisionWhenResignedRetryAfterItWasCountedThen409AlreadyApproved() throws Exception {
    RequestId id = pendingId(guard.request(ask(ALICE, REFUND)));
    byte[] body = decision(id, "approve", "fiona", "finance").getBytes(StandardCharsets.UTF_8);

    assertThat(post(body, SECRET, T0.getEpochSecond()).statusCode()).isEqualTo(200);
    HttpResponse<String> retry = post(body, SECRET, T0.getEpochSecond() + 1);

    assertThat(retry.statusCode()).isEqualTo(409);
    assertThat(json(retry).get("reason").stringValue()).isEqualTo("ALREADY_APPROVED");
    assertThat(store.findRequest(id).orElseThrow().approvals()).hasSize(1);
  }

  // ------------------------------------------------------------------------------------------------ decision function

  @Test
  void approveWhenApproverIsTheRequesterThen403SelfApprovalLikeInProcess() throws Exception {
    RequestId id = pendingDbWrite();

    HttpResponse<String> r = post(decision(id, "approve", "Alice", "dba"));

    assertThat(r.statusCode()).isEqualTo(403);
    JsonNode body = json(r);
    assertThat(body.get("error").stringValue()).isEqualTo("refused");
    assertThat(body.get("reason").stringValue()).isEqualTo("SELF_APPROVAL");
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void approveWhenApproverNotEligibleThen403NotPermitted() throws Exception {
    RequestId id = pendingDbWrite();

    HttpResponse<String> outsider = post(decision(id, "approve", "frank", "marketing"));
    HttpResponse<String> wrongGroup = post(decision(id, "approve", "fiona", "finance"));

    assertThat(outsider.statusCode()).isEqualTo(403);
    assertThat(json(outsider).get("reason").stringValue()).isEqualTo("NOT_PERMITTED");
    assertThat(wrongGroup.statusCode()).isEqualTo(403);
    assertThat(json(wrongGroup).get("reason").stringValue()).isEqualTo("NOT_PERMITTED");
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void approveWhenRequestUnknownThen403NotPermittedLikeAnyIdTheApproverMayNotDecide() throws Exception {
    HttpResponse<String> r = post(decision(RequestId.random(), "approve", "bob", "dba"));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(json(r).get("reason").stringValue()).isEqualTo("NOT_PERMITTED");
  }

  @Test
  void approveWhenRequestAlreadyDecidedThen409NotPending() throws Exception {
    RequestId id = pendingDbWrite();
    guard.deny(id, BOB, "no");

    HttpResponse<String> r = post(decision(id, "approve", "dave", "dba"));

    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(json(r).get("reason").stringValue()).isEqualTo("REQUEST_NOT_PENDING");
  }

  @Test
  void approveWhenShortenToLongerThanRequestedThen422() throws Exception {
    RequestId id = pendingDbWrite();
    String body = "{\"requestId\":\"" + id + "\",\"decision\":\"approve\",\"approver\":{\"id\":\"bob\","
        + "\"groups\":[\"dba\"]},\"shortenTo\":\"PT2H\"}";

    HttpResponse<String> r = post(body);

    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(json(r).get("reason").stringValue()).isEqualTo("DURATION_EXCEEDS_MAX");
    assertStillPendingWithoutApprovals(id);
  }

  // ------------------------------------------------------------------------------------------------ strict body

  static Stream<Arguments> badBodies() {
    String id = "0123456789abcdef0123456789abcdef";
    String approver = "\"approver\":{\"id\":\"bob\",\"groups\":[\"dba\"]}";
    return Stream.of(
        Arguments.of("unknown field", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\"," + approver
            + ",\"grantAdmin\":true}", "unknown_field"),
        Arguments.of("unknown approver field", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\","
            + "\"approver\":{\"id\":\"bob\",\"groups\":[\"dba\"],\"admin\":true}}", "unknown_field"),
        Arguments.of("not JSON", "{\"requestId\": ", "malformed_json"),
        Arguments.of("duplicate field", "{\"requestId\":\"" + id + "\",\"decision\":\"deny\",\"decision\":"
            + "\"approve\"," + approver + "}", "malformed_json"),
        Arguments.of("trailing content", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\"," + approver
            + "} {}", "malformed_json"),
        Arguments.of("array", "[1,2]", "malformed_json"),
        Arguments.of("empty", "", "malformed_json"),
        Arguments.of("missing decision", "{\"requestId\":\"" + id + "\"," + approver + "}", "missing_field"),
        Arguments.of("missing approver", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\"}",
            "missing_field"),
        Arguments.of("decision not a verdict", "{\"requestId\":\"" + id + "\",\"decision\":\"APPROVE\","
            + approver + "}", "invalid_field"),
        Arguments.of("groups not an array", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\","
            + "\"approver\":{\"id\":\"bob\",\"groups\":\"dba\"}}", "invalid_field"),
        Arguments.of("number instead of string", "{\"requestId\":42,\"decision\":\"approve\"," + approver + "}",
            "invalid_field"),
        Arguments.of("request id malformed", "{\"requestId\":\"../admin\",\"decision\":\"approve\"," + approver
            + "}", "invalid_field"),
        Arguments.of("approver id with a space", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\","
            + "\"approver\":{\"id\":\"bob smith\"}}", "invalid_field"),
        Arguments.of("shortenTo on deny", "{\"requestId\":\"" + id + "\",\"decision\":\"deny\"," + approver
            + ",\"shortenTo\":\"PT5M\"}", "invalid_field"),
        Arguments.of("shortenTo not a duration", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\","
            + approver + ",\"shortenTo\":\"15 minutes\"}", "invalid_field"),
        Arguments.of("channel not a token", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\"," + approver
            + ",\"channel\":\"Slack <b>\"}", "invalid_field"),
        Arguments.of("oversized", "{\"requestId\":\"" + id + "\",\"decision\":\"approve\"," + approver
            + ",\"comment\":\"" + "x".repeat(17_000) + "\"}", "body_too_large"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void decisionWhenBodyIsNotAStrictDecisionThen400AndNothingChanges(String name, String body, String error)
      throws Exception {
    RequestId pending = pendingDbWrite();

    HttpResponse<String> r = post(body);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("error").stringValue()).isEqualTo(error);
    assertStillPendingWithoutApprovals(pending);
    assertThat(decisions()).isEmpty();
  }

  @Test
  void decisionWhenNotPostThen405() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(endpoint).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(json(r).get("error").stringValue()).isEqualTo("method_not_allowed");
  }

  // ------------------------------------------------------------------------------------------------ links

  @Test
  void linkWhenGenuineThenDecidesAsTheAuthenticatedApprover() {
    RequestId id = pendingDbWrite();
    RequestRecord r = store.findRequest(id).orElseThrow();
    String token = ActionLinks.tokenOf(links.link(r, Verdict.APPROVE)).orElseThrow();

    WebhookDecisionHandler.Response response = handler.handleLink(token, BOB, ApprovalContext.of("slack", "sso"), "");

    assertThat(response.status()).isEqualTo(200);
    assertThat(guard.check(ALICE, DB_WRITE).isGranted()).isTrue();
    assertThat(store.findRequest(id).orElseThrow().approvals().get(0).context())
        .hasValue(ApprovalContext.of("slack", "sso"));
  }

  @Test
  void linkWhenClickedByTheRequesterThen403SelfApproval() {
    RequestId id = pendingDbWrite();
    String token = ActionLinks.tokenOf(links.link(store.findRequest(id).orElseThrow(), Verdict.APPROVE))
        .orElseThrow();

    WebhookDecisionHandler.Response response = handler.handleLink(token, Subject.of("alice", "dba"),
        ApprovalContext.of("slack", "sso"), "");

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.body()).contains("SELF_APPROVAL");
    assertStillPendingWithoutApprovals(id);
  }

  @Test
  void linkWhenTamperedOrExpiredThen401AndNothingChanges() {
    RequestId id = pendingDbWrite();
    String deny = ActionLinks.tokenOf(links.link(store.findRequest(id).orElseThrow(), Verdict.DENY)).orElseThrow();
    String forged = deny.replace(".deny.", ".approve.");

    WebhookDecisionHandler.Response tampered = handler.handleLink(forged, BOB, ApprovalContext.of("email"), "");
    clock.advance(Duration.ofHours(2));
    WebhookDecisionHandler.Response expired = handler.handleLink(deny, BOB, ApprovalContext.of("email"), "");

    assertThat(tampered.status()).isEqualTo(401);
    assertThat(tampered.body()).contains("BAD_SIGNATURE");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body()).contains("EXPIRED");
    assertThat(store.findRequest(id).orElseThrow().approvals()).isEmpty();
    assertThat(store.findRequest(id).orElseThrow().denials()).isEmpty();
  }

  // ------------------------------------------------------------------------------------------------ builder

  @Test
  void builderWhenSecretsMissingOrOptionRepeatedThenRejected() {
    assertThatThrownBy(() -> WebhookDecisionHandler.builder(guard).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("secrets are required");
    assertThatThrownBy(() -> WebhookDecisionHandler.builder(guard).withTolerance(Duration.ofMinutes(5))
        .withTolerance(Duration.ofMinutes(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> WebhookDecisionHandler.builder(guard).withTolerance(Duration.ofHours(2)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("tolerance must be between");
    assertThatThrownBy(() -> WebhookDecisionHandler.builder(guard).build().handleLink("x", BOB,
        ApprovalContext.of("email"), "")).isInstanceOf(IllegalStateException.class);
  }
}
