package dev.osc4j.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("RunFiles")
class RunFilesTest {
    @TempDir
    Path work;

    @Test
    @DisplayName("a run directory and its parents are created readable by the owner only (0700)")
    void privateDirectory() throws IOException {
        Path dir = work.resolve("runs").resolve("r1");
        RunFiles.createPrivateDirectory(dir);
        RunFiles.createPrivateDirectory(dir); // idempotent
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    @DisplayName("a private file is 0600, replaced whole, and leaves no temporary file behind")
    void privateFile() throws IOException {
        Path f = work.resolve("client.cnf");
        RunFiles.writePrivate(f, "[client]\npassword=one\n");
        RunFiles.writePrivate(f, "[client]\npassword=two\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                .isEqualTo("rw-------");
        assertThat(RunFiles.read(f)).contains("[client]\npassword=two\n");
        assertThat(work.resolve("client.cnf.tmp")).doesNotExist();
    }

    @Test
    @DisplayName("touch and delete are idempotent; reading a missing file or a non-number is empty")
    void markers() {
        Path f = work.resolve("pause");
        RunFiles.touch(f);
        RunFiles.touch(f);
        assertThat(f).exists();
        assertThat(RunFiles.delete(f)).isTrue();
        assertThat(RunFiles.delete(f)).isFalse();
        assertThat(RunFiles.read(f)).isEmpty();
        assertThat(RunFiles.readNumber(f)).isEmpty();
        RunFiles.write(f, "garbage\n");
        assertThat(RunFiles.readNumber(f)).isEmpty();
        RunFiles.write(f, " 42\n");
        assertThat(RunFiles.readNumber(f)).contains(42L);
    }
}
