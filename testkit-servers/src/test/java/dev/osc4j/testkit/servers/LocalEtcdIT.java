package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("LocalEtcd starts real etcd servers")
class LocalEtcdIT {

    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private static LocalEtcd cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalEtcd.cluster(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @DisplayName("a single node is healthy, leads itself and stores what is put through the gRPC gateway")
    void singleNode() throws Exception {
        LocalEtcd etcd = LocalEtcd.single();
        try {
            URI endpoint = etcd.endpoints().get(0);

            assertThat(etcd.endpoints()).hasSize(1);
            assertThat(endpoint.toString()).startsWith("http://127.0.0.1:");
            assertThat(etcd.member(0).isHealthy()).isTrue();
            assertThat(etcd.leaderIndex()).isZero();

            put(endpoint, "osc4j/single", "hello");
            assertThat(get(endpoint, "osc4j/single")).isEqualTo("hello");

            Path dataDirectory = etcd.member(0).dataDirectory();
            assertThat(dataDirectory).isDirectory();
            etcd.close();
            assertThat(etcd.member(0).isRunning()).isFalse();
            assertThat(dataDirectory).doesNotExist();
        } finally {
            etcd.close();
        }
    }

    @Test
    @DisplayName("when the leader of three is killed another is elected, writes go on, and it rejoins on restart")
    void leaderFailover() throws Exception {
        int leader = cluster.leaderIndex();
        LocalEtcd.Member old = cluster.member(leader);

        old.kill();
        int next = cluster.leaderIndex();

        assertThat(old.isRunning()).isFalse();
        assertThat(next).isNotEqualTo(leader);
        URI survivor = cluster.member(next).clientUrl();
        put(survivor, "osc4j/failover", "written without the old leader");
        URI otherSurvivor = cluster.member(3 - leader - next).clientUrl();
        assertThat(get(otherSurvivor, "osc4j/failover")).isEqualTo("written without the old leader");

        old.restart();

        assertThat(old.isHealthy()).isTrue();
        assertThat(get(old.clientUrl(), "osc4j/failover")).isEqualTo("written without the old leader");
    }

    @Test
    @DisplayName("a paused leader stops answering, the others elect a new one, and it catches up when resumed")
    void pauseAndResume() throws Exception {
        int leader = cluster.leaderIndex();
        LocalEtcd.Member paused = cluster.member(leader);

        paused.pause();
        try {
            assertThat(paused.isPaused()).isTrue();
            assertThat(paused.isHealthy()).isFalse();
            int next = cluster.leaderIndex();
            assertThat(next).isNotEqualTo(leader);
            put(cluster.member(next).clientUrl(), "osc4j/paused", "written during the pause");
        } finally {
            paused.resume();
        }

        paused.awaitHealthy(Duration.ofSeconds(15));
        assertThat(paused.isPaused()).isFalse();
        assertThat(get(paused.clientUrl(), "osc4j/paused")).isEqualTo("written during the pause");
    }

    @Test
    @DisplayName("a stopped member is not running and restarts on the same client URL")
    void stopAndRestart() throws Exception {
        LocalEtcd.Member member = cluster.member((cluster.leaderIndex() + 1) % 3);
        URI url = member.clientUrl();

        member.stop();
        assertThat(member.isRunning()).isFalse();
        assertThat(member.isHealthy()).isFalse();
        member.restart();

        assertThat(member.clientUrl()).isEqualTo(url);
        assertThat(member.isHealthy()).isTrue();
        assertThat(cluster.endpoints()).contains(url);
    }

    @Test
    @DisplayName("without an etcd binary the failure names the Debian package to install")
    void missingBinary(@TempDir Path emptyDirectory) throws IOException {
        Files.createDirectories(emptyDirectory);
        assertThatThrownBy(() ->
                        LocalEtcd.builder().searchPath(List.of(emptyDirectory)).start())
                .isInstanceOf(MissingServerException.class)
                .hasMessageContaining("etcd-server")
                .hasMessageContaining(emptyDirectory.toString());
    }

    private static void put(URI endpoint, String key, String value) throws Exception {
        String body = "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}";
        HttpResponse<String> response = post(endpoint, "/v3/kv/put", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"revision\"");
    }

    private static String get(URI endpoint, String key) throws Exception {
        HttpResponse<String> response = post(endpoint, "/v3/kv/range", "{\"key\":\"" + base64(key) + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher value = VALUE.matcher(response.body());
        assertThat(value.find()).as(response.body()).isTrue();
        return new String(Base64.getDecoder().decode(value.group(1)), StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(URI endpoint, String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
