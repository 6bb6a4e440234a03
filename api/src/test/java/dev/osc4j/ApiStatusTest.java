package dev.osc4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apiguardian.api.API;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every public type says how stable it is, as JUnit 5 marks its API: the user API ({@code dev.osc4j}) is maintained,
 * the SPIs ({@code dev.osc4j.spi}) may still change before 1.0, and what is public in {@code dev.osc4j.internal} only
 * because another package of this module needs it is marked internal.
 */
@DisplayName("API status of every public type")
class ApiStatusTest {

    @Test
    @DisplayName("the user API is MAINTAINED, the SPIs EXPERIMENTAL, and public internal types INTERNAL")
    void everyPublicTypeHasItsStatus() throws Exception {
        List<String> wrong = new ArrayList<>();
        List<Class<?>> types = publicTopLevelTypes();
        for (Class<?> type : types) {
            API api = type.getAnnotation(API.class);
            API.Status expected =
                    switch (type.getPackageName()) {
                        case "dev.osc4j" -> API.Status.MAINTAINED;
                        case "dev.osc4j.spi" -> API.Status.EXPERIMENTAL;
                        default -> API.Status.INTERNAL;
                    };
            if (api == null || api.status() != expected) {
                wrong.add(type.getName() + " is " + (api == null ? "unmarked" : api.status()) + ", not " + expected);
            }
        }
        assertThat(types).as("public types found").hasSizeGreaterThan(40);
        assertThat(wrong).isEmpty();
    }

    @Test
    @DisplayName("only a few internal types are public, each because another package of the api needs it")
    void fewInternalTypesArePublic() throws Exception {
        List<String> internal = publicTopLevelTypes().stream()
                .filter(t -> t.getPackageName().startsWith("dev.osc4j.internal"))
                .map(Class::getSimpleName)
                .toList();
        assertThat(internal)
                .containsExactlyInAnyOrder(
                        "Ddl", // MigrationSpec checks the DDL
                        "DefaultMigrationOrchestrator", // MigrationOrchestrator.Builder builds it
                        "LoggingProgressSink", // ProgressSinks
                        "MicrometerProgressSink", // ProgressSinks
                        "ProgressMath", // MigrationSummary
                        "StoreClient", // MigrationClient.of
                        "GateOnEdge"); // MigrationOrchestrator.Builder collects the user's gates
    }

    private static List<Class<?>> publicTopLevelTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(MigrationOrchestrator.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root.resolve("dev/osc4j"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.contains("$") || name.endsWith("package-info")) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, ApiStatusTest.class.getClassLoader());
                if (Modifier.isPublic(type.getModifiers())) {
                    out.add(type);
                }
            }
        }
        return out;
    }
}
