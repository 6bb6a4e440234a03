package dev.osc4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.spi.ReplicationPosition.Form;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ReplicationPosition")
class ReplicationPositionTest {
    private static final String U1 = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
    private static final String U2 = "4d7bd5e2-1a2b-11ee-8c99-0242ac120002";

    private static ReplicationPosition p(String value) {
        return ReplicationPosition.of(value);
    }

    private static boolean covers(String have, String want) {
        return p(have).covers(p(want));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "mysql-bin.000003:1234 | FILE_POSITION",
                "binlog.1:4 | FILE_POSITION",
                "/var/lib/mysql/mysql-bin.000003:4 | FILE_POSITION",
                "0-1-100 | MARIADB_GTID",
                "0-1-100,1-2-5 | MARIADB_GTID",
                U1 + ":1-5 | MYSQL_GTID",
                U1 + ":1-5:7-9:11 | MYSQL_GTID",
                U1 + ":1-5," + U2 + ":1 | MYSQL_GTID",
                U1 + ":tag_1:1-3 | MYSQL_GTID",
                U1 + ":1-3:abc:1:foo:1-3:5-7 | MYSQL_GTID",
            })
    @DisplayName("recognises file positions, MariaDB GTID positions and MySQL GTID sets")
    void forms(String value, Form form) {
        assertThat(p(value).form()).isEqualTo(form);
        assertThat(p(value).toString()).isEqualTo(value);
    }

    @Test
    @DisplayName("reads an empty string as the empty GTID set, and drops whitespace such as the server's line breaks")
    void emptyAndWhitespace() {
        assertThat(p("").form()).isEqualTo(Form.EMPTY);
        assertThat(p(" \n").form()).isEqualTo(Form.EMPTY);
        ReplicationPosition wrapped = p(U1 + ":1-5,\n" + U2 + ":1-3");
        assertThat(wrapped.value()).isEqualTo(U1 + ":1-5," + U2 + ":1-3");
        assertThat(wrapped).isEqualTo(p(U1 + ":1-5," + U2 + ":1-3"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "garbage",
                "mysql-bin:1234",
                "mysql-bin.000003",
                "mysql-bin.000003:",
                "mysql-bin.000003:-4",
                "0-1",
                "0-1-100,",
                "3E11FA47-71CA-11E1-9E33:1-5",
                U1,
                U1 + ":",
                U1 + ":1-",
                U1 + ":1-5;" + U2 + ":1",
                U1 + ":1-5:dba",
                U1 + ":dba:etl:1",
                U1 + ":1-5:9tag:1"
            })
    @DisplayName("refuses what is none of the forms")
    void invalid(String value) {
        assertThatThrownBy(() -> ReplicationPosition.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a binlog position or GTID set");
    }

    @Nested
    @DisplayName("file positions")
    class FilePositions {
        @Test
        @DisplayName("cover earlier offsets in the same file, and any offset in an earlier file")
        void covers() {
            assertThat(ReplicationPositionTest.covers("mysql-bin.000003:200", "mysql-bin.000003:100"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("mysql-bin.000003:100", "mysql-bin.000003:100"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("mysql-bin.000003:99", "mysql-bin.000003:100"))
                    .isFalse();
            assertThat(ReplicationPositionTest.covers("mysql-bin.000004:4", "mysql-bin.000003:99999"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("mysql-bin.000003:99999", "mysql-bin.000004:4"))
                    .isFalse();
        }

        @Test
        @DisplayName("compare file sequence numbers as numbers, not text")
        void numericSequence() {
            assertThat(ReplicationPositionTest.covers("mysql-bin.1000000:4", "mysql-bin.999999:9"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("mysql-bin.999999:9", "mysql-bin.1000000:4"))
                    .isFalse();
        }
    }

    @Nested
    @DisplayName("MariaDB GTID positions")
    class MariaDb {
        @Test
        @DisplayName("cover when every domain of the other is at the same or a later sequence number")
        void covers() {
            assertThat(ReplicationPositionTest.covers("0-1-100,1-2-5", "0-1-100,1-2-5"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("0-1-101,1-2-5", "0-1-100"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("1-2-5,0-1-101", "0-1-100,1-2-4"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers("0-1-100,1-2-4", "0-1-100,1-2-5"))
                    .isFalse();
            assertThat(ReplicationPositionTest.covers("0-1-100", "0-1-99,1-2-1"))
                    .as("missing domain")
                    .isFalse();
        }

        @Test
        @DisplayName("compare by domain and sequence number, whatever server wrote the event")
        void serverIdIgnored() {
            assertThat(ReplicationPositionTest.covers("0-2-100", "0-1-100")).isTrue();
        }
    }

    @Nested
    @DisplayName("MySQL GTID sets")
    class MySql {
        @Test
        @DisplayName("cover a set whose intervals lie within theirs, uuid by uuid")
        void covers() {
            assertThat(ReplicationPositionTest.covers(U1 + ":1-100", U1 + ":1-100"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-100", U1 + ":5-20:30"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-100", U1 + ":1-101"))
                    .isFalse();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-5:7-9", U1 + ":1-3:8"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-5:7-9", U1 + ":6"))
                    .as("in the gap")
                    .isFalse();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-5:7-9", U1 + ":4-8"))
                    .as("across the gap")
                    .isFalse();
        }

        @Test
        @DisplayName("need every uuid of the other set, compared without regard to case")
        void multipleUuids() {
            String both = U1 + ":1-10," + U2 + ":1-20";
            assertThat(ReplicationPositionTest.covers(both, U2.toUpperCase(java.util.Locale.ROOT) + ":5"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(
                            both, U1.toLowerCase(java.util.Locale.ROOT) + ":10," + U2 + ":20"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-10", U1 + ":1-10," + U2 + ":1"))
                    .isFalse();
            assertThat(ReplicationPositionTest.covers(both, U1 + ":1-10," + U2 + ":21"))
                    .isFalse();
        }

        @Test
        @DisplayName("keep tagged GTIDs apart from untagged ones of the same uuid")
        void tagged() {
            assertThat(ReplicationPositionTest.covers(U1 + ":tag_1:1-5", U1 + ":tag_1:3"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(U1 + ":1-5", U1 + ":tag_1:3"))
                    .isFalse();
            assertThat(ReplicationPositionTest.covers(U1 + ":tag_1:1-5", U1 + ":3"))
                    .isFalse();
        }

        @Test
        @DisplayName("read a uuid's untagged intervals followed by several tags, as MySQL 8.3+ prints them")
        void mixedTags() {
            String executed = U1 + ":1-5:11:dba:1-3:etl:7:9-12," + U2 + ":1-20";
            assertThat(p(executed).form()).isEqualTo(Form.MYSQL_GTID);
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":4:11")).isTrue();
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":dba:2")).isTrue();
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":2:etl:10," + U2 + ":20"))
                    .isTrue();
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":dba:4")).isFalse();
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":etl:8")).isFalse();
            assertThat(ReplicationPositionTest.covers(executed, U1 + ":7"))
                    .as("7 is tagged etl, not untagged")
                    .isFalse();
        }
    }

    @Test
    @DisplayName("the empty set is covered by every position and covers only itself")
    void empty() {
        assertThat(covers("mysql-bin.000001:4", "")).isTrue();
        assertThat(covers(U1 + ":1", "")).isTrue();
        assertThat(covers("", "")).isTrue();
        assertThat(covers("", U1 + ":1")).isFalse();
        assertThat(covers("", "0-1-1")).isFalse();
        assertThat(p("").comparableWith(p("mysql-bin.000001:4"))).isTrue();
        assertThat(p(U1 + ":1").comparableWith(p(""))).isTrue();
    }

    @Test
    @DisplayName("positions of different forms are not comparable and never cover each other")
    void incomparable() {
        ReplicationPosition file = p("mysql-bin.000001:4");
        ReplicationPosition maria = p("0-1-100");
        ReplicationPosition mysql = p(U1 + ":1-100");
        assertThat(file.comparableWith(mysql)).isFalse();
        assertThat(maria.comparableWith(file)).isFalse();
        assertThat(mysql.comparableWith(maria)).isFalse();
        assertThat(file.covers(mysql)).isFalse();
        assertThat(mysql.covers(file)).isFalse();
        assertThat(maria.covers(mysql)).isFalse();
        assertThat(file.comparableWith(p("mysql-bin.000009:1"))).isTrue();
    }
}
