package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import dev.osc4j.spi.DatabaseCredentials;
import dev.osc4j.testkit.ghost.FakeGhost;
import dev.osc4j.testkit.ghost.FakeGhostBehavior;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The --conf file, as gh-ost's go-ini reads it")
class GhostConfTest {

    /** Every printable ASCII character that is not a letter or digit, alone and in the places that matter. */
    private static List<String> passwords() {
        List<String> out = new ArrayList<>();
        for (char c = 0x20; c < 0x7f; c++) {
            if (Character.isLetterOrDigit(c)) {
                continue;
            }
            out.add("pa" + c + "ss");
            out.add(c + "lead");
            out.add("trail" + c);
            out.add(String.valueOf(c));
            out.add("" + c + c + c);
        }
        out.addAll(List.of(
                "",
                "\"quoted\"",
                "'single'",
                "`back`",
                "```",
                "\"\"\"triple",
                "a#b;c\\d\"e`f'g",
                "ends with \\",
                "  spaces  ",
                "%(password)s",
                "%(nope)s%(user)s",
                "x%user%s",
                "ünïcødé €",
                "\u00a0nbsp\u00a0"));
        return out;
    }

    @Test
    @DisplayName("carries every special character to gh-ost 1.1.6 .. 1.1.10 unchanged")
    void everyCharacterSurvives(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gh-ost.conf");
        for (String version : FakeGhostBehavior.VERSIONS) {
            for (String password : passwords()) {
                DatabaseCredentials account = new DatabaseCredentials("us#er;\\\"`", password);
                Files.writeString(file, GhostConf.render(account, version));
                FakeGhost.ConfAccount read = FakeGhost.readConf(file, version);
                assertThat(read.password()).as("%s / %s", version, password).isEqualTo(password);
                assertThat(read.user()).isEqualTo(account.user());
                assertThat(GhostConf.password(Files.readString(file))).isEqualTo(password);
            }
        }
    }

    @Test
    @DisplayName("refuses a credential go-ini would rewrite (%(user)s), naming the characters, never the password")
    void refusesSubstitution() {
        DatabaseCredentials account = new DatabaseCredentials("osc", "S3cr%(user)sEt");
        assertThatThrownBy(() -> GhostConf.render(account, "1.1.10"))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("'%(user)s'")
                .hasMessageNotContaining("S3cr")
                .satisfies(
                        e -> assertThat(((EngineException) e).reason()).isEqualTo(FailureReason.ENGINE_CONFIGURATION));
        assertThatThrownBy(() -> GhostConf.render(new DatabaseCredentials("a%(password)sb", "x"), "1.1.6"))
                .hasMessageContaining("user name")
                .hasMessageContaining("'%(password)s'");
    }

    @Test
    @DisplayName("uses gcfg's escaped double quotes for gh-ost up to 1.1.5, go-ini's back quotes from 1.1.6")
    void versions() {
        DatabaseCredentials account = new DatabaseCredentials("osc", "pa\"ss\\word;#1");
        assertThat(GhostConf.render(account, "1.1.5"))
                .isEqualTo("[client]\nuser = \"osc\"\npassword = \"pa\\\"ss\\\\word;#1\"\n");
        assertThat(GhostConf.render(account, "1.1.6"))
                .isEqualTo("[client]\nuser = `osc`\npassword = `pa\"ss\\word;#1`\n");
        assertThat(GhostConf.readsWithGoIni("1.1.10")).isTrue();
        assertThat(GhostConf.readsWithGoIni("v1.2.0")).isTrue();
        assertThat(GhostConf.readsWithGoIni("unversioned")).isTrue();
        assertThat(GhostConf.readsWithGoIni("1.0.49")).isFalse();
    }
}
