package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("LocalHaProxy starts a real HAProxy")
class LocalHaProxyIT {

    @Test
    @DisplayName("proxies TCP to its server, answers on the runtime API, and is gone after close")
    void proxiesAndAnswers() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread greeter = new Thread(() -> {
                try (Socket client = upstream.accept()) {
                    OutputStream out = client.getOutputStream();
                    out.write("hello\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (java.io.IOException e) {
                    // The test fails on the missing greeting.
                }
            });
            greeter.start();
            LocalHaProxy haproxy = LocalHaProxy.builder()
                    .proxy("echo", "up", "127.0.0.1", upstream.getLocalPort())
                    .start();
            int port;
            try {
                port = haproxy.port("echo");
                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress(haproxy.host(), port), 2000);
                    client.setSoTimeout(5000);
                    InputStream in = client.getInputStream();
                    assertThat(new String(in.readNBytes(6), StandardCharsets.UTF_8))
                            .isEqualTo("hello\n");
                }
                assertThat(haproxy.command("show servers state echo"))
                        .contains("echo")
                        .contains(" up ");
                assertThat(Files.exists(haproxy.runtimeApiSocket())).isTrue();
                assertThat(Files.readString(haproxy.configFile())).contains("listen echo");
            } finally {
                haproxy.close();
            }
            greeter.join(5000);
            assertThat(haproxy.isRunning()).isFalse();
            assertThatThrownBy(() -> new Socket(haproxy.host(), port).close()).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    @DisplayName("without a haproxy binary it fails naming the Debian package")
    void missingBinary(@TempDir Path empty) {
        assertThatThrownBy(
                        () -> LocalHaProxy.builder().searchPath(List.of(empty)).start())
                .isInstanceOf(MissingServerException.class)
                .hasMessageContaining("haproxy")
                .hasMessageContaining("apt-get install haproxy");
    }
}
