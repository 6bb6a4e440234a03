package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The BOM aligns for users the third-party versions the build is tested with: its versions of Netty, gRPC, Guava,
 * protobuf and Jackson are the parent's. (Without them a user of osc4j-store-etcd got Netty 4.1 and 4.2 on one class
 * path; checked by hand with a consumer project, see docs/architecture.md.)
 */
class BomVersionsTest {
    private static String property(Path pom, String name) throws IOException {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(pom));
        assertThat(m.find()).as("%s in %s", name, pom).isTrue();
        return m.group(1).trim();
    }

    @Test
    @DisplayName("the BOM's third-party versions are the parent's")
    void sameVersions() throws IOException {
        Path parent = Path.of("..", "pom.xml");
        Path bom = Path.of("..", "bom", "pom.xml");
        for (String name :
                List.of("jackson.version", "grpc.version", "netty.version", "guava.version", "protobuf.version")) {
            assertThat(property(bom, name)).as(name).isEqualTo(property(parent, name));
        }
        assertThat(Files.readString(bom))
                .contains("<artifactId>netty-bom</artifactId>", "<artifactId>grpc-bom</artifactId>");
    }
}
