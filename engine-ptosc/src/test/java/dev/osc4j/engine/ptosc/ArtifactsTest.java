package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.Artifact;
import dev.osc4j.MigrationId;
import dev.osc4j.engine.ptosc.Artifacts.Found;
import dev.osc4j.engine.ptosc.Artifacts.Plan;
import dev.osc4j.engine.ptosc.Artifacts.RunFacts;
import dev.osc4j.engine.ptosc.Artifacts.Trigger;
import dev.osc4j.spi.EngineKey;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Recognising the tables and triggers a pt-osc run created")
class ArtifactsTest {
    private static final String INS = "REPLACE INTO `app`.`_t_new` (`id`) VALUES (NEW.`id`)";

    private static Trigger trigger(String suffix, String table, String statement) {
        return new Trigger("pt_osc_app_t_" + suffix, table, statement);
    }

    private static RunFacts facts(
            @Nullable String newTable, @Nullable String oldTable, boolean triggers, boolean swapping) {
        return new RunFacts("app", "t", newTable, oldTable, true, triggers, swapping, List.of(), List.of());
    }

    @Test
    @DisplayName("names as pt-osc 3.2.1 makes them: leading underscores, 64-character tables, 60-character prefixes")
    void names() {
        assertThat(Artifacts.newTableNames("t"))
                .startsWith("_t_new", "__t_new")
                .hasSize(11)
                .endsWith("t_osc4j_new");
        assertThat(Artifacts.oldTableNames("t")).startsWith("_t_old", "__t_old").endsWith("t_osc4j_old");
        assertThat(Artifacts.triggerNames("app", "t"))
                .containsExactly("pt_osc_app_t_ins", "pt_osc_app_t_upd", "pt_osc_app_t_del");
        assertThat(Artifacts.triggerPrefix("my$db", "a$b")).isEqualTo("pt_osc_my_db_a_b");
        String longName = "x".repeat(62);
        assertThat(Artifacts.newTableNames(longName).get(0)).hasSize(64).isEqualTo("_" + longName + "_");
        assertThat(Artifacts.triggerPrefix("db", longName)).hasSize(60);
    }

    @Test
    @DisplayName("the reported new table and the triggers writing into it are the run's; others are left alone")
    void reportedArtifacts() {
        Found found = new Found(
                List.of("__t_new", "_t_new"),
                List.of(trigger("ins", "t", "REPLACE INTO `app`.`__t_new` (`id`) VALUES (NEW.`id`)")));
        RunFacts run = new RunFacts("app", "t", "__t_new", null, true, true, false, List.of("_t_new"), List.of());
        Plan plan = Artifacts.plan(run, found);
        assertThat(plan.tables()).containsExactly("__t_new");
        assertThat(plan.triggers()).containsExactly("pt_osc_app_t_ins");
        assertThat(plan.leftAlone()).containsExactly("table _t_new: it existed before this run started");
    }

    @Test
    @DisplayName("triggers that write into another table, or predate the run, are not the run's")
    void foreignTriggers() {
        Found found = new Found(
                List.of("_t_new"),
                List.of(
                        trigger("ins", "t", "REPLACE INTO `app`.`other` (`id`) VALUES (NEW.`id`)"),
                        trigger("upd", "t", INS),
                        trigger("del", "t", INS)));
        RunFacts run =
                new RunFacts("app", "t", "_t_new", null, true, true, false, List.of(), List.of("pt_osc_app_t_del"));
        Plan plan = Artifacts.plan(run, found);
        assertThat(plan.triggers()).containsExactly("pt_osc_app_t_upd");
        assertThat(plan.leftAlone()).hasSize(2);
    }

    @Test
    @DisplayName("a run that never got to the triggers owns none")
    void noTriggersBeforeTheirTime() {
        Found found = new Found(List.of("_t_new"), List.of(trigger("ins", "t", INS)));
        Plan plan = Artifacts.plan(facts("_t_new", null, false, false), found);
        assertThat(plan.triggers()).isEmpty();
        assertThat(plan.tables()).containsExactly("_t_new");
    }

    @Test
    @DisplayName("killed between CREATE TABLE and its report: the one new-table name that appeared is the run's;"
            + " with several, none is dropped")
    void unreportedNewTable() {
        RunFacts run = new RunFacts("app", "t", null, null, true, false, false, List.of("_t_new"), List.of());
        assertThat(Artifacts.plan(run, new Found(List.of("_t_new", "__t_new"), List.of()))
                        .tables())
                .containsExactly("__t_new");
        Plan ambiguous = Artifacts.plan(run, new Found(List.of("_t_new", "__t_new", "___t_new"), List.of()));
        assertThat(ambiguous.tables()).isEmpty();
        assertThat(ambiguous.leftAlone()).anySatisfy(s -> assertThat(s).contains("several"));
    }

    @Test
    @DisplayName("after the swap: the old table is the run's, and the triggers that moved onto it")
    void afterSwap() {
        Found found = new Found(List.of("_t_old"), List.of(trigger("ins", "_t_old", INS)));
        Plan plan = Artifacts.plan(facts("_t_new", "_t_old", true, true), found);
        assertThat(plan.tables()).containsExactly("_t_old");
        assertThat(plan.triggers()).containsExactly("pt_osc_app_t_ins");
        assertThat(plan.describe()).containsExactly("trigger pt_osc_app_t_ins", "table _t_old");
    }

    @Test
    @DisplayName("the original table is never a candidate")
    void neverTheOriginal() {
        assertThat(Artifacts.newTableNames("t")).doesNotContain("t");
        assertThat(Artifacts.oldTableNames("t")).doesNotContain("t");
        Plan plan = Artifacts.plan(facts("t", null, false, false), new Found(List.of(), List.of()));
        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    @DisplayName(
            "planned artifacts: the first free new-table name and the three triggers; a revertible run names"
                    + " its copy and kept table after the table and adds the reverse triggers; a revert its set-aside name and placeholder")
    void planned() {
        EngineKey key = new EngineKey(MigrationId.of("m-000000000000000000000001"), 1, "s1");
        Found before = new Found(List.of("_orders_new", "_orders_old"), List.of());
        assertThat(Artifacts.planned(before, "app", "orders", false, false, key).stream()
                        .map(Artifact::describe))
                .containsExactly(
                        "table app.__orders_new",
                        "trigger app.pt_osc_app_orders_ins",
                        "trigger app.pt_osc_app_orders_upd",
                        "trigger app.pt_osc_app_orders_del");
        assertThat(Artifacts.planned(before, "app", "orders", true, false, key).stream()
                        .map(Artifact::describe))
                .containsExactly(
                        "table app.orders_osc4j_new",
                        "trigger app.pt_osc_app_orders_ins",
                        "trigger app.pt_osc_app_orders_upd",
                        "trigger app.pt_osc_app_orders_del",
                        "table app.orders_osc4j_old",
                        "trigger app.osc4j_rev_app_orders_ins",
                        "trigger app.osc4j_rev_app_orders_upd",
                        "trigger app.osc4j_rev_app_orders_del");
        assertThat(Artifacts.planned(new Found(List.of(), List.of()), "app", "orders", false, true, key).stream()
                        .map(Artifact::describe))
                .containsExactly(
                        "table app._orders_new", "table app." + dev.osc4j.mysql.KeptTable.placeholderName("orders"));
        assertThat(Artifacts.planned(before, "app", "orders", false, false, key))
                .allSatisfy(a -> assertThat(a.key()).isEqualTo(key));
    }
}
